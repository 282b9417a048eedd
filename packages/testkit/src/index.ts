import { runCase } from './harness';
import { blobCases } from './suites/blob';
import { contextCases } from './suites/context';
import { engineSearchCases } from './suites/engine-search';
import { identityCases } from './suites/identity';
import { lifecycleCases } from './suites/lifecycle';
import { constraintCases, referenceCases, uniqueCases } from './suites/integrity';
import { modifyCases } from './suites/modify';
import { searchCriteriaCases } from './suites/search-criteria';
import { searchLogicCases } from './suites/search-logic';
import { searchOperatorCases } from './suites/search-operators';
import { sortingPagingCases } from './suites/sorting-paging';
import { storeContractCases } from './suites/store-contract';
import { revisionPagingCases } from './suites/revision-paging';
import { retentionCases } from './suites/retention';
import { migrationCases } from './suites/migration';
import { storeRaceCases } from './suites/store-races';
import { updateCases } from './suites/update';
import type { CaseDef, CaseGroup, GroupCaseName, StorageSuiteOptions, TestApi } from './types';

export type {
  CapabilityName,
  CaseContext,
  CaseDef,
  CaseGroup,
  Engine,
  EngineSetup,
  StorageSuiteOptions,
  TestApi,
  TestFunction,
} from './types';
export { ITEM_SCHEMA, ITEM_INDEXED_FIELDS } from './fixtures';
export { searchMetas, SEARCH_INDEXED } from './search-dataset';
export * from './differential';
export * from './worker';
export * from './tcp-proxy';
export {
  metaStoreConformanceSuite,
  META_STORE_CASE_NAMES,
  META_STORE_SEARCH_CASE_NAMES,
  type MetaStoreCaseName,
  type MetaStoreSuiteOptions,
} from './meta-suite';
export { blobStoreConformanceSuite, type BlobStoreSuiteOptions } from './blob-suite';
export * from './queue-suite';

/** Every group, in the order they are registered. */
export const CASE_GROUPS = [
  identityCases,
  updateCases,
  modifyCases,
  lifecycleCases,
  contextCases,
  engineSearchCases,
  uniqueCases,
  referenceCases,
  constraintCases,
  storeContractCases,
  storeRaceCases,
  revisionPagingCases,
  retentionCases,
  migrationCases,
  searchOperatorCases,
  searchLogicCases,
  searchCriteriaCases,
  sortingPagingCases,
  blobCases,
] as const;

/** The name of every case; a `skip` list is type-checked against it. */
export type TestName = GroupCaseName<(typeof CASE_GROUPS)[number]>;

export const CASE_NAMES: readonly TestName[] = CASE_GROUPS.flatMap((group) =>
  (group.cases as readonly CaseDef<TestName>[]).map((def) => def.name),
);

/** The blob-store cases: a backend without buildBlobStore() skips exactly these. */
export const BLOB_STORE_CASES: readonly TestName[] = blobCases.cases.map((def) => def.name);

export interface SkippedCase {
  name: TestName;
  reason: string;
}

/** What a suite run will do with the given options: a declared feature matrix. */
export interface SuitePlan {
  run: TestName[];
  skipped: SkippedCase[];
  /** Names in `skip` that are not cases (possible from untyped callers). */
  unknownSkips: string[];
}

function skipReason(def: CaseDef<TestName>, options: StorageSuiteOptions<TestName>, declaredSkips: ReadonlySet<string>): string | undefined {
  if (declaredSkips.has(def.name)) return 'declared unsupported by the adapter';
  const missing = (def.requires ?? []).filter((capability) => options.capabilities?.[capability] !== true);
  if (missing.length > 0) return `needs capability ${missing.join(' + ')}`;
  return undefined;
}

export function planSuite(options: StorageSuiteOptions<TestName>): SuitePlan {
  const declaredSkips = new Set<string>(options.skip ?? []);
  const known = new Set<string>(CASE_NAMES);
  const plan: SuitePlan = {
    run: [],
    skipped: [],
    unknownSkips: [...declaredSkips].filter((name) => !known.has(name)),
  };
  for (const group of CASE_GROUPS) {
    for (const def of group.cases as readonly CaseDef<TestName>[]) {
      const reason = skipReason(def, options, declaredSkips);
      if (reason === undefined) plan.run.push(def.name);
      else plan.skipped.push({ name: def.name, reason });
    }
  }
  return plan;
}

/**
 * Registers the storage conformance suite with the caller's runner. Every case gets a fresh,
 * empty factory from `options.createFactory()`; skipped cases are registered as skipped
 * (or, when the runner has no `it.skip`, as passing placeholders that say why).
 */
export function storageConformanceSuite(api: TestApi, options: StorageSuiteOptions<TestName>): void {
  const declaredSkips = new Set<string>(options.skip ?? []);
  const plan = planSuite(options);
  api.describe(`storage conformance: ${options.name}`, () => {
    api.it('suite: the skip list names only known cases', async () => {
      api.expect(plan.unknownSkips).toEqual([]);
    });
    for (const group of CASE_GROUPS as readonly CaseGroup<TestName>[]) {
      api.describe(group.title, () => {
        for (const def of group.cases) {
          const reason = skipReason(def, options, declaredSkips);
          if (reason === undefined) {
            api.it(def.name, () => runCase(def, api, options), options.timeout);
          } else if (typeof api.it.skip === 'function') {
            api.it.skip(`${def.name} (skipped: ${reason})`, () => undefined);
          } else {
            api.it(`${def.name} (skipped: ${reason})`, async () => undefined);
          }
        }
      });
    }
  });
}
