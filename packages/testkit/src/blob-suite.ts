import { NotSupportedError, type IBlobStore } from '@specstar/interfaces';
import { blobCases } from './suites/blob';
import { runThenCleanUp } from './clean-up';
import type { CaseContext, CaseDef, TestApi } from './types';

export interface BlobStoreSuiteOptions {
  /** Shown in the describe block, e.g. 'DiskBlobStore'. */
  name: string;
  /** A fresh, empty blob store on every call (one or more calls per case). */
  createBlobStore(): IBlobStore;
  /** Called after each case for every store it made. Replaces the default `store.close()`. */
  dispose?(store: IBlobStore): Promise<void> | void;
  /** Per-case timeout in ms handed to the runner. */
  timeout?: number;
}

/** What a blob case cannot reach: the suite has a blob store and nothing else. */
function notInBlobSuite(what: string): never {
  throw new NotSupportedError(`the blob store suite has no ${what}; run storageConformanceSuite for it`);
}

async function runBlobCase(def: CaseDef, api: TestApi, options: BlobStoreSuiteOptions): Promise<void> {
  const made: IBlobStore[] = [];
  const context: CaseContext = {
    expect: api.expect,
    declared: {},
    get factory(): never {
      return notInBlobSuite('storage factory');
    },
    storage: () => notInBlobSuite('storage'),
    engine: () => notInBlobSuite('engine'),
    blobStore() {
      const store = options.createBlobStore();
      made.push(store);
      return store;
    },
  };
  await runThenCleanUp(
    () => def.run(context),
    () => made.map((store) => () => (options.dispose ? options.dispose(store) : store.close?.())),
  );
}

/**
 * Registers the blob-store cases (the `blob store` group of the storage suite, same names) on a
 * bare blob store, for an adapter that provides blobs only.
 */
export function blobStoreConformanceSuite(api: TestApi, options: BlobStoreSuiteOptions): void {
  api.describe(`blob store conformance: ${options.name}`, () => {
    for (const def of blobCases.cases as readonly CaseDef[]) {
      api.it(def.name, () => runBlobCase(def, api, options), options.timeout);
    }
  });
}
