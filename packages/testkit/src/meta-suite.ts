import type { IMetaStore, MetaStoreCapabilities } from '@specstar/interfaces';
import { metaStoreCases, type MetaCaseContext, type MetaCaseDef, type MetaStoreCaseName } from './suites/meta-store';
import type { TestApi } from './types';

export type { MetaStoreCaseName } from './suites/meta-store';

export interface MetaStoreSuiteOptions {
  /** Shown in the describe block, e.g. 'SqliteMetaStore'. */
  name: string;
  /** A fresh, empty meta store on every call (one or more calls per case). */
  createMetaStore(): IMetaStore;
  /** Called after each case for every store it made. Replaces the default `store.close()`. */
  dispose?(store: IMetaStore): Promise<void> | void;
  /**
   * Declared capabilities; checked against `store.capabilities`. The commit cases run only when
   * `atomicUnique` is declared true.
   */
  capabilities?: Partial<MetaStoreCapabilities>;
  /** Per-case timeout in ms handed to the runner. */
  timeout?: number;
}

export const META_STORE_CASE_NAMES: readonly MetaStoreCaseName[] = metaStoreCases.map((def) => def.name);

async function runMetaCase(def: MetaCaseDef, api: TestApi, options: MetaStoreSuiteOptions): Promise<void> {
  const made: IMetaStore[] = [];
  const context: MetaCaseContext = {
    expect: api.expect,
    declared: options.capabilities ?? {},
    store() {
      if (made.length > 0) return made[0]!;
      const store = options.createMetaStore();
      made.push(store);
      return store;
    },
  };
  let failure: { error: unknown } | undefined;
  try {
    await def.run(context);
  } catch (error) {
    failure = { error };
  }
  const cleanup: unknown[] = [];
  for (const store of made) {
    try {
      await (options.dispose ? options.dispose(store) : store.close?.());
    } catch (error) {
      cleanup.push(error);
    }
  }
  if (failure !== undefined) throw failure.error;
  if (cleanup.length > 0) throw cleanup[0];
}

/**
 * Registers the meta-store cases with the caller's runner: the atomic commit a SimpleStorage
 * over this meta store relies on (If-Match and unique claims decided by the meta store, the
 * payload written while the decision is held). Cases gated on an undeclared capability are
 * registered as skipped.
 */
export function metaStoreConformanceSuite(api: TestApi, options: MetaStoreSuiteOptions): void {
  api.describe(`meta store conformance: ${options.name}`, () => {
    for (const def of metaStoreCases as readonly MetaCaseDef[]) {
      const missing = (def.requires ?? []).filter((capability) => options.capabilities?.[capability] !== true);
      if (missing.length === 0) {
        api.it(def.name, () => runMetaCase(def, api, options), options.timeout);
        continue;
      }
      const title = `${def.name} (skipped: needs capability ${missing.join(' + ')})`;
      if (typeof api.it.skip === 'function') api.it.skip(title, () => undefined);
      else api.it(title, async () => undefined);
    }
  });
}
