import type { IBlobStore, IStorage, IStorageFactory, StorageCapabilities } from '@specstar/interfaces';
import type { SpecStar } from '@specstar/core';

/** The test function of the caller's runner (jest's `it`, vitest's `test` …). */
export interface TestFunction {
  (name: string, fn: () => Promise<unknown>, timeout?: number): void;
  /** Used, when the runner has it, to register declared-unsupported cases as skipped. */
  skip?: (name: string, fn: () => void) => void;
}

/** What the suite needs from a test runner; pass your runner's globals. */
export interface TestApi {
  describe(name: string, fn: () => void): void;
  it: TestFunction;
  /** jest/vitest-compatible `expect`. */
  expect: any;
  /** Accepted for symmetry with runner globals; the suite sets up and tears down inside each case. */
  beforeEach?(fn: () => Promise<unknown>): void;
  afterEach?(fn: () => Promise<unknown>): void;
}

/** Capability flags a storage reports (and an adapter declares). */
export type CapabilityName = keyof StorageCapabilities;

export interface StorageSuiteOptions<Name extends string = string> {
  /** Shown in the describe block, e.g. 'memory'. */
  name: string;
  /** A fresh, empty backend on every call (one call per case). */
  createFactory(): IStorageFactory | Promise<IStorageFactory>;
  /**
   * Called after each case, once the suite has closed what it opened (in engine-level cases
   * `SpecStar.close()`, which also closes the factory). Replaces the default `factory.close()`.
   */
  dispose?(factory: IStorageFactory): Promise<void> | void;
  /**
   * Declared capabilities. The suite checks they equal what `factory.build(..).capabilities`
   * reports, and runs the groups gated on a capability only when it is declared true.
   */
  capabilities?: Partial<StorageCapabilities>;
  /** Cases the adapter declares unsupported; registered as skipped, never silently dropped. */
  skip?: readonly Name[];
  /** Per-case timeout in ms handed to the runner (slow remote backends). */
  timeout?: number;
}

export type EngineOptions = NonNullable<ConstructorParameters<typeof SpecStar>[0]>;
export type ResourceManagerOf = ReturnType<SpecStar['addModel']>;

export interface EngineSetup {
  /** Extra SpecStar options (defaults, strict mode …); storageFactory is always the case's. */
  spec?: Omit<EngineOptions, 'storageFactory'>;
  /** Indexed fields of the `item` model; defaults to the search fixture's list. */
  indexedFields?: string[];
}

export interface Engine {
  spec: SpecStar;
  rm: ResourceManagerOf;
}

/** What one case receives: a fresh factory and helpers bound to it. */
export interface CaseContext {
  expect: any;
  factory: IStorageFactory;
  /** The capabilities the adapter declared in the suite options. */
  declared: Partial<StorageCapabilities>;
  /** Builds (and after the case closes) the IStorage of a model straight from the factory. */
  storage(modelName?: string): IStorage;
  /**
   * The factory's blob store (closed after the case). Fails the case when the factory has no
   * buildBlobStore(): a backend without blobs lists BLOB_STORE_CASES in `skip` instead.
   */
  blobStore(): IBlobStore;
  /** A new SpecStar on the case's factory with the `item` model registered. */
  engine(setup?: EngineSetup): Engine;
}

/** One conformance case. `requires` gates it on declared capabilities. */
export interface CaseDef<Name extends string = string> {
  name: Name;
  requires?: readonly CapabilityName[];
  run(ctx: CaseContext): Promise<void>;
}

export interface CaseGroup<Name extends string = string> {
  title: string;
  cases: readonly CaseDef<Name>[];
}

export function defineGroup<const Name extends string>(
  title: string,
  cases: readonly CaseDef<Name>[],
): CaseGroup<Name> {
  return { title, cases };
}

export type GroupCaseName<G> = G extends CaseGroup<infer N> ? N : never;
