import { SpecStar } from '@specstar/core';
import { NotSupportedError, type IBlobStore, type IStorage } from '@specstar/interfaces';
import { ITEM_INDEXED_FIELDS, ITEM_MODEL, ITEM_SCHEMA } from './fixtures';
import type { CaseContext, CaseDef, StorageSuiteOptions, TestApi } from './types';
import { runThenCleanUp } from './clean-up';

/**
 * Runs one case on a fresh factory, then closes everything the case opened and disposes the
 * factory. A case failure wins over a cleanup failure; a cleanup failure alone fails the case.
 */
export async function runCase(def: CaseDef, api: TestApi, options: StorageSuiteOptions): Promise<void> {
  const factory = await options.createFactory();
  const storages: IStorage[] = [];
  const blobStores: IBlobStore[] = [];
  const specs: SpecStar[] = [];

  const context: CaseContext = {
    expect: api.expect,
    factory,
    declared: options.capabilities ?? {},
    storage(modelName = ITEM_MODEL) {
      const storage = factory.build(modelName);
      storages.push(storage);
      return storage;
    },
    blobStore() {
      if (typeof factory.buildBlobStore !== 'function') {
        throw new NotSupportedError(
          `factory of '${options.name}' has no buildBlobStore(): list BLOB_STORE_CASES in the suite's skip option`,
        );
      }
      const store = factory.buildBlobStore();
      blobStores.push(store);
      return store;
    },
    engine(setup = {}) {
      const spec = new SpecStar({ ...setup.spec, storageFactory: factory });
      specs.push(spec);
      const rm = spec.addModel(ITEM_SCHEMA, {
        name: ITEM_MODEL,
        indexedFields: setup.indexedFields ?? ITEM_INDEXED_FIELDS,
      });
      return { spec, rm };
    },
  };

  await runThenCleanUp(
    () => def.run(context),
    () => [
      ...specs.map((spec) => () => spec.close()),
      ...storages.map((storage) => () => storage.close()),
      ...blobStores.map((store) => () => store.close?.()),
      // SpecStar.close() already closed the factory in engine-level cases.
      ...(options.dispose ? [() => options.dispose!(factory)] : specs.length === 0 ? [() => factory.close?.()] : []),
    ],
  );
}
