import { claimCases } from './cases/claims';
import { executionCases } from './cases/execution';
import { logsRerunCases } from './cases/logs-rerun';
import { recoveryCases } from './cases/recovery';
import { retryCases } from './cases/retries';
import { schedulingCases } from './cases/scheduling';
import { wiringCases } from './cases/wiring';
import { runQueueCase } from './harness';
import type { TestApi } from '../types';
import type { QueueCaseDef, QueueCaseGroup, QueueGroupCaseName, QueueSuiteOptions } from './types';

export * from './types';
export { shareStorage, type SharedStorageFactory } from './shared-storage';
export { QUEUE_JOB_MODEL, QUEUE_JOB_PAYLOAD } from './harness';
export { STALE_JOB_ERRMSG } from './cases/recovery';
export * from './fault-suite';
export * from './fault-worker';

/** Every queue group, in registration order. */
export const QUEUE_CASE_GROUPS = [
  wiringCases,
  executionCases,
  retryCases,
  schedulingCases,
  recoveryCases,
  logsRerunCases,
  claimCases,
] as const;

/** The name of every queue case; a `skip` list is type-checked against it. */
export type QueueCaseName = QueueGroupCaseName<(typeof QUEUE_CASE_GROUPS)[number]>;

export const QUEUE_CASE_NAMES: readonly QueueCaseName[] = QUEUE_CASE_GROUPS.flatMap((group) =>
  (group.cases as readonly QueueCaseDef<QueueCaseName>[]).map((def) => def.name),
);

export interface QueueSuitePlan {
  run: QueueCaseName[];
  skipped: Array<{ name: QueueCaseName; reason: string }>;
  /** Names in `skip` that are not cases (possible from untyped callers). */
  unknownSkips: string[];
}

function skipReason(def: QueueCaseDef<QueueCaseName>, options: QueueSuiteOptions<QueueCaseName>): string | undefined {
  if (options.skip?.includes(def.name)) return 'declared unsupported by the queue';
  const missing = (def.requires ?? []).filter((capability) => options.capabilities?.[capability] !== true);
  if (missing.length > 0) return `needs capability ${missing.join(' + ')}`;
  return undefined;
}

/** What a run with these options does: the declared feature matrix. */
export function planQueueSuite(options: QueueSuiteOptions<QueueCaseName>): QueueSuitePlan {
  const known = new Set<string>(QUEUE_CASE_NAMES);
  const plan: QueueSuitePlan = { run: [], skipped: [], unknownSkips: (options.skip ?? []).filter((name) => !known.has(name)) };
  for (const group of QUEUE_CASE_GROUPS as readonly QueueCaseGroup<QueueCaseName>[]) {
    for (const def of group.cases) {
      const reason = skipReason(def, options);
      if (reason === undefined) plan.run.push(def.name);
      else plan.skipped.push({ name: def.name, reason });
    }
  }
  return plan;
}

/**
 * Registers the queue conformance suite with the caller's runner. Every case gets a fresh
 * storage from `options.createStorageFactory()` and builds its engines, job models and queues
 * through the public API; skipped cases are registered as skipped, with the reason.
 */
export function queueConformanceSuite(api: TestApi, options: QueueSuiteOptions<QueueCaseName>): void {
  const plan = planQueueSuite(options);
  const timeout = options.timeout ?? 60_000;
  api.describe(`queue conformance: ${options.name}`, () => {
    api.it('suite: the skip list names only known cases', async () => {
      api.expect(plan.unknownSkips).toEqual([]);
    });
    for (const group of QUEUE_CASE_GROUPS as readonly QueueCaseGroup<QueueCaseName>[]) {
      api.describe(group.title, () => {
        for (const def of group.cases) {
          const reason = skipReason(def, options);
          if (reason === undefined) api.it(def.name, () => runQueueCase(def, api.expect, options), timeout);
          else if (typeof api.it.skip === 'function') api.it.skip(`${def.name} (skipped: ${reason})`, () => undefined);
          else api.it(`${def.name} (skipped: ${reason})`, async () => undefined);
        }
      });
    }
  });
}
