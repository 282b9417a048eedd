import type {
  IMessageQueueFactory,
  IStorageFactory,
  Job,
  JobContext,
  QueueCapabilities,
  Resource,
} from '@specstar/interfaces';
import type { ResourceManager, SpecStar } from '@specstar/core';

/** Settings the suite asks the queue factory for; the rest is the adapter's (URLs, prefixes, delays). */
export interface QueueSettings {
  /** The queue-wide retry limit (default of every factory: 3). */
  maxRetries: number;
}

/**
 * Where queues may legitimately differ (jobs-and-actions §1.3–1.4). The defaults are the simple
 * queue's; a broker adapter states its documented differences here instead of skipping cases.
 */
export interface QueueSemantics {
  /** What a failed job shows while it waits for its next attempt: `pending` (port), `failed` (upstream brokers). */
  retryStatus: 'pending' | 'failed';
  /** The effective retry limit: the job's `max_retries` as is (`job`), or capped by the queue's (`min`, Celery). */
  limitRule: 'job' | 'min';
  /** What a job shows while its initial delay runs: `completed` (core's scheduler), `pending` (delayed delivery by a broker). */
  initialDelayStatus: 'completed' | 'pending';
  /** Run order of waiting jobs: fewest retries then oldest (`retries-then-created`, storage polling), or `created` (FIFO). */
  runOrder: 'retries-then-created' | 'created';
}

export const SIMPLE_QUEUE_SEMANTICS: QueueSemantics = {
  retryStatus: 'pending',
  limitRule: 'job',
  initialDelayStatus: 'completed',
  runOrder: 'retries-then-created',
};

/** Consumer intervals in seconds, as `rm.startConsume()` takes them. */
export interface ConsumeIntervals {
  heartbeatInterval: number;
  recoveryInterval: number;
  logFlushInterval: number;
  pollInterval: number;
}

/** Short enough for a suite that runs in seconds, long enough for a loaded machine. */
export const SUITE_INTERVALS: ConsumeIntervals = {
  heartbeatInterval: 0.2,
  recoveryInterval: 60,
  logFlushInterval: 0.2,
  pollInterval: 0.05,
};

/** A queue capability a case can be gated on (declared in the options, checked against the queue). */
export type QueueCapabilityName = keyof QueueCapabilities;

export interface QueueSuiteOptions<Name extends string = string> {
  /** Shown in the describe block, e.g. 'simple on memory'. */
  name: string;
  /** A fresh, empty storage on every call (one call per case). All engines of a case share it. */
  createStorageFactory(): IStorageFactory | Promise<IStorageFactory>;
  /** Called after each case once everything is closed (drop schemas, remove directories). Default: `factory.close()`. */
  dispose?(factory: IStorageFactory): Promise<void> | void;
  /** The queue under test. Called per job model; `close()`, when it has one, is called after the case. */
  createQueueFactory(settings: QueueSettings): IMessageQueueFactory;
  /** The capabilities the queue claims; checked against `rm.messageQueue.capabilities`, and they gate cases. */
  capabilities?: QueueCapabilities;
  /** Documented differences from the simple queue. */
  semantics?: Partial<QueueSemantics>;
  /** Consumer intervals (seconds); defaults to SUITE_INTERVALS. */
  intervals?: Partial<ConsumeIntervals>;
  /** Cases declared unsupported; registered as skipped, never dropped. */
  skip?: readonly Name[];
  /** Per-case timeout in ms handed to the runner (default 60 000). */
  timeout?: number;
  /** How long one wait for a job state may take, in ms (default 20 000). Not a speed check: a hang guard. */
  waitTimeout?: number;
}

/** One recorded handler invocation. */
export interface HandlerCall {
  resourceId: string;
  /** 1 for the first invocation of this job, 2 for the next … */
  attempt: number;
  /** `Date.now()` when the handler was entered. */
  at: number;
  /** The job's data as the handler received it (a copy). */
  data: Job;
}

export type SuiteHandler = (job: Resource<Job>, ctx: JobContext, call: HandlerCall) => unknown;

export interface RigOptions {
  /** The handler; recorded in `rig.calls` before it runs. Default: returns nothing. */
  handler?: SuiteHandler;
  /** Registered as `jobHandlerFactory`, beside `handler` when both are given (wrapped so its handler is recorded too). */
  handlerFactory?: () => SuiteHandler | Promise<SuiteHandler>;
  /** No handler and no factory: the model gets no queue. */
  noHandler?: boolean;
  /** `messageQueueFactory: null` (queue explicitly disabled). */
  disableQueue?: boolean;
  /** The queue's `maxRetries` (default 3). */
  maxRetries?: number;
  /** The artifact schema of the job model (default: any JSON value). */
  artifact?: Record<string, unknown>;
  /** Wraps the queue factory (e.g. to watch `put`). */
  wrapFactory?(factory: IMessageQueueFactory): IMessageQueueFactory;
}

/** The manager of a job model. */
export type JobManager = ResourceManager<Job>;

/** A SpecStar on the case's storage with the job model registered. */
export interface JobRig {
  spec: SpecStar;
  rm: JobManager;
  /** Every handler invocation of this rig, in order. */
  calls: HandlerCall[];
  /** Creates a job with `payload` and extra job fields; returns its id. */
  create(payload?: Record<string, unknown>, fields?: Partial<Job>): Promise<string>;
  /** `rm.startConsume()` with the suite's intervals, overridable. */
  start(options?: Partial<ConsumeIntervals> & { concurrency?: number }): Promise<void>;
  /** Calls of one job. */
  callsOf(resourceId: string): HandlerCall[];
}

/** A latch a handler waits on; opened by the case (and by clean-up, so no consumer hangs). */
export interface Gate {
  /** Resolves when opened, or when `signal` aborts. */
  wait(signal?: AbortSignal): Promise<void>;
  open(): void;
}

/** One revision of a job, for history assertions. */
export interface TrailEntry {
  status: string;
  revision: string;
  retries: number;
  errmsg: string | null;
}

export interface QueueCaseContext {
  expect: any;
  semantics: QueueSemantics;
  intervals: ConsumeIntervals;
  declared: QueueCapabilities;
  /** A new SpecStar on the case's storage (shared by every rig of the case) with the job model. */
  rig(options?: RigOptions): JobRig;
  /** A new SpecStar on the case's storage with a plain (non-job) model registered. */
  plainModel(): ResourceManager;
  gate(): Gate;
  /** Polls `probe` until it returns something other than undefined/false; fails after waitTimeout naming `what`. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T>;
  /** Waits until the job satisfies `predicate`; returns it. */
  waitForJob(rm: JobManager, resourceId: string, what: string, predicate: (job: Resource<Job>) => boolean): Promise<Resource<Job>>;
  /** Each revision of the job, oldest first. */
  trail(rm: JobManager, resourceId: string): Promise<TrailEntry[]>;
  sleep(seconds: number): Promise<void>;
}

/** One conformance case; `requires` gates it on declared capabilities. */
export interface QueueCaseDef<Name extends string = string> {
  name: Name;
  requires?: readonly QueueCapabilityName[];
  run(ctx: QueueCaseContext): Promise<void>;
}

export interface QueueCaseGroup<Name extends string = string> {
  title: string;
  cases: readonly QueueCaseDef<Name>[];
}

export function defineQueueGroup<const Name extends string>(title: string, cases: readonly QueueCaseDef<Name>[]): QueueCaseGroup<Name> {
  return { title, cases };
}

export type QueueGroupCaseName<G> = G extends QueueCaseGroup<infer N> ? N : never;
