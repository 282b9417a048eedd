import { jobSchema, SpecStar } from '@specstar/core';
import type { IMessageQueueFactory, Job, JobContext, JobHandler, Resource } from '@specstar/interfaces';
import { runThenCleanUp } from '../clean-up';
import { shareStorage } from './shared-storage';
import {
  SIMPLE_QUEUE_SEMANTICS,
  SUITE_INTERVALS,
  type Gate,
  type HandlerCall,
  type JobManager,
  type JobRig,
  type QueueCaseContext,
  type QueueCaseDef,
  type QueueSuiteOptions,
  type RigOptions,
  type SuiteHandler,
  type TrailEntry,
} from './types';
import { createGate, sleep, waitFor } from './wait';

/** The job model every case registers. */
export const QUEUE_JOB_MODEL = 'queue-job';
export const QUEUE_JOB_PAYLOAD = {
  type: 'object',
  properties: { n: { type: 'integer' }, label: { type: 'string' } },
} as const;

/** A plain model, for "a non-job model has no queue". */
export const PLAIN_MODEL = 'queue-plain';

/** Wraps a suite handler so every invocation is recorded (a copy of the data as received) first. */
function recorded(calls: HandlerCall[], handler: SuiteHandler): JobHandler {
  return (job: Resource<Job>, ctx: JobContext) => {
    const id = job.info.resource_id;
    const call: HandlerCall = {
      resourceId: id,
      attempt: calls.filter((c) => c.resourceId === id).length + 1,
      at: Date.now(),
      data: structuredClone(job.data),
    };
    calls.push(call);
    return handler(job, ctx, call);
  };
}

/**
 * Runs one queue case on a fresh storage: every rig's SpecStar shares it. Afterwards gates are
 * opened (so no handler keeps a consumer waiting), engines closed, queue factories closed, the
 * storage closed and disposed. A case failure wins over a clean-up failure.
 */
export async function runQueueCase(def: QueueCaseDef, expect: unknown, options: QueueSuiteOptions): Promise<void> {
  const inner = await options.createStorageFactory();
  const shared = shareStorage(inner);
  const specs: SpecStar[] = [];
  const gates: Gate[] = [];
  const queueFactories: IMessageQueueFactory[] = [];
  const semantics = { ...SIMPLE_QUEUE_SEMANTICS, ...options.semantics };
  const intervals = { ...SUITE_INTERVALS, ...options.intervals };
  const waitTimeout = options.waitTimeout ?? 20_000;

  const engine = (): SpecStar => {
    const spec = new SpecStar({ storageFactory: shared.factory, messageQueueFactory: null, defaultUser: 'queue-suite' });
    specs.push(spec);
    return spec;
  };

  const context: QueueCaseContext = {
    expect,
    semantics,
    intervals,
    declared: options.capabilities ?? {},
    rig(rigOptions: RigOptions = {}): JobRig {
      const spec = engine();
      const calls: HandlerCall[] = [];
      let factory: IMessageQueueFactory | null = null;
      if (!rigOptions.disableQueue) {
        factory = options.createQueueFactory({ maxRetries: rigOptions.maxRetries ?? 3 });
        queueFactories.push(factory);
        if (rigOptions.wrapFactory) factory = rigOptions.wrapFactory(factory);
      }
      const { handler, handlerFactory, noHandler } = rigOptions;
      const rm = spec.addModel<Job>(jobSchema(QUEUE_JOB_PAYLOAD, rigOptions.artifact), {
        name: QUEUE_JOB_MODEL,
        messageQueueFactory: factory,
        ...(!noHandler && (handler !== undefined || handlerFactory === undefined) && { jobHandler: recorded(calls, handler ?? (() => undefined)) }),
        ...(!noHandler && handlerFactory !== undefined && { jobHandlerFactory: async () => recorded(calls, await handlerFactory()) }),
      });
      return {
        spec,
        rm,
        calls,
        async create(payload = {}, fields = {}) {
          return (await rm.create({ payload, ...fields })).resource_id;
        },
        start(overrides = {}) {
          return rm.startConsume({ ...intervals, ...overrides });
        },
        callsOf: (id) => calls.filter((call) => call.resourceId === id),
      };
    },
    plainModel() {
      return engine().addModel({ type: 'object', properties: { name: { type: 'string' } } }, { name: PLAIN_MODEL });
    },
    gate() {
      const gate = createGate();
      gates.push(gate);
      return gate;
    },
    waitFor: (what, probe) => waitFor(what, probe, waitTimeout),
    waitForJob(rm, resourceId, what, predicate) {
      return waitFor(
        `job ${resourceId}: ${what}`,
        async () => {
          const job = (await rm.get(resourceId)) as Resource<Job>;
          return predicate(job) ? job : false;
        },
        waitTimeout,
      );
    },
    trail: (rm, resourceId) => trail(rm, resourceId),
    sleep,
  };

  await runThenCleanUp(
    () => def.run(context),
    () => [
      () => gates.forEach((gate) => gate.open()),
      ...specs.map((spec) => () => spec.close()),
      ...queueFactories.map((factory) => () => factory.close?.()),
      () => shared.closeAll(),
      () => (options.dispose ? options.dispose(inner) : inner.close?.()),
    ],
  );
}

/** Each revision of a job, oldest first: its job status, revision status, retries and error. */
export async function trail(rm: JobManager, resourceId: string): Promise<TrailEntry[]> {
  const entries: TrailEntry[] = [];
  for (const info of await rm.listRevisions(resourceId)) {
    const { data } = (await rm.get(resourceId, { revisionId: info.revision_id })) as Resource<Job>;
    entries.push({ status: data.status, revision: info.status, retries: data.retries, errmsg: data.errmsg });
  }
  return entries;
}
