import type { IMetaStore, MetaStoreCapabilities } from '@specstar/interfaces';
import { fullQuery, ids } from './fixtures';
import { seedSearchMetaStore, type SearchGroup } from './search-dataset';
import { metaStoreCases, type MetaCaseContext, type MetaCaseDef, type MetaStoreCaseName } from './suites/meta-store';
import { searchCriteriaCases } from './suites/search-criteria';
import { searchLogicCases } from './suites/search-logic';
import { searchOperatorCases } from './suites/search-operators';
import { sortingPagingCases } from './suites/sorting-paging';
import type { TestApi } from './types';
import { runThenCleanUp } from './clean-up';

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
   * `atomicUnique` is declared true, the search tables only when `search` is.
   */
  capabilities?: Partial<MetaStoreCapabilities>;
  /** Per-case timeout in ms handed to the runner. */
  timeout?: number;
}

export const META_STORE_CASE_NAMES: readonly MetaStoreCaseName[] = metaStoreCases.map((def) => def.name);

/**
 * The store-level search groups of the storage suite, run on the bare meta store: the search
 * push-down is the meta store's own, so a meta-only adapter proves it without composing a storage.
 */
const META_SEARCH_GROUPS = [searchOperatorCases, searchLogicCases, searchCriteriaCases, sortingPagingCases] as const;

/** The names of the search cases the meta-store suite runs (the same names as in the storage suite). */
export const META_STORE_SEARCH_CASE_NAMES: readonly string[] = META_SEARCH_GROUPS.flatMap((group) =>
  group.rows.map((row) => row.name),
);

function searchCases(group: SearchGroup<string>): MetaCaseDef[] {
  return group.rows.map((row) => ({
    name: row.name,
    requires: ['search'],
    async run({ expect, store }) {
      const metas = store();
      if (typeof metas.search !== 'function' || typeof metas.count !== 'function') {
        throw new Error('the meta store declares search but has no search() and count()');
      }
      await seedSearchMetaStore(metas);
      const query = fullQuery(row.query);
      expect({ query: row.query, ids: ids(await metas.search(query)) }).toEqual({ query: row.query, ids: row.ids });
      expect({ query: row.query, count: await metas.count(query) }).toEqual({
        query: row.query,
        count: row.count ?? row.ids.length,
      });
    },
  }));
}

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
  await runThenCleanUp(
    () => def.run(context),
    () => made.map((store) => () => (options.dispose ? options.dispose(store) : store.close?.())),
  );
}

function registerMetaCase(def: MetaCaseDef, api: TestApi, options: MetaStoreSuiteOptions): void {
  const missing = (def.requires ?? []).filter((capability) => options.capabilities?.[capability] !== true);
  if (missing.length === 0) {
    api.it(def.name, () => runMetaCase(def, api, options), options.timeout);
    return;
  }
  const title = `${def.name} (skipped: needs capability ${missing.join(' + ')})`;
  if (typeof api.it.skip === 'function') api.it.skip(title, () => undefined);
  else api.it(title, async () => undefined);
}

/**
 * Registers the meta-store cases with the caller's runner: the atomic commit a SimpleStorage
 * over this meta store relies on (If-Match and unique claims decided by the meta store, the
 * payload written while the decision is held), then the storage suite's store-level search
 * tables on the meta store's own search() and count(). Cases gated on an undeclared capability
 * are registered as skipped.
 */
export function metaStoreConformanceSuite(api: TestApi, options: MetaStoreSuiteOptions): void {
  api.describe(`meta store conformance: ${options.name}`, () => {
    for (const def of metaStoreCases as readonly MetaCaseDef[]) registerMetaCase(def, api, options);
    for (const group of META_SEARCH_GROUPS) {
      api.describe(group.title, () => {
        for (const def of searchCases(group)) registerMetaCase(def, api, options);
      });
    }
  });
}
