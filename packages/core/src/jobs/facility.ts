import { inspect } from 'node:util';
import {
  ConfigurationError,
  JobStateError,
  TaskStatus,
  type ConsumeOptions,
  type DeliveryInfo,
  type IBlobStore,
  type IMessageQueue,
  type IMessageQueueFactory,
  type Job,
  type JobHandler,
  type JobOutcome,
  type QueueBinding,
  type Resource,
  type RevisionInfo,
} from '@specstar/interfaces';
import type { WriteContext } from '../manager/types';
import type { ResourceManager } from '../manager';
import { DueScheduler } from './due-scheduler';
import { ManagerJobStore } from './job-store';
import { initialDelaySeconds } from './job-rules';
import { getJobLog, putJobLog } from './log-documents';
import { recoverStaleJobs } from './recovery';
import { JobRunner, type RunTimings } from './runner';

/** Consumer settings; intervals in seconds. */
export interface StartConsumeOptions extends ConsumeOptions {
  /** Heartbeat of a running job (default 5); stale recovery at start uses three of them. */
  heartbeatInterval?: number;
  /** How often stale jobs are looked for while consuming (default 60). */
  recoveryInterval?: number;
  /** How often a running job's log is written (default 10); it is always written when the run ends. */
  logFlushInterval?: number;
}

export interface StopConsumingOptions {
  /**
   * Seconds running jobs get to end by themselves (default 30). Then their `ctx.signal` aborts
   * and the stop waits for them to end: one that throws goes back to `pending` (no retry used)
   * for the next consumer; one that returns is recorded as its result says.
   */
  gracePeriod?: number;
}

export type JobHandlerFactory<T = unknown> = () => JobHandler<T> | Promise<JobHandler<T>>;

export interface JobFacilityOptions<T> {
  manager: ResourceManager<Job<T>>;
  factory: IMessageQueueFactory;
  handler?: JobHandler<T>;
  /** Wins over `handler`; called once, on the first job. */
  handlerFactory?: JobHandlerFactory<T>;
  blobStore: () => IBlobStore | undefined;
}

function seconds(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) {
    throw new ConfigurationError(`${name} must be a positive number of seconds, got ${String(value)}`);
  }
  return value * 1000;
}

/** The grace period in ms; a ConfigurationError for anything but a non-negative number of seconds. */
export function gracePeriodMs(value: number | undefined): number {
  if (value === undefined) return 30_000;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new ConfigurationError(`gracePeriod must be a non-negative number of seconds, got ${String(value)}`);
  }
  return value * 1000;
}

function warn(message: string, error?: unknown): void {
  const detail = error === undefined ? '' : `: ${error instanceof Error ? error.message : inspect(error)}`;
  process.emitWarning(`${message}${detail}`, { code: 'SPECSTAR_JOBS' });
}

/**
 * Everything a job model's manager needs for its queue: the job store view, the queue built by
 * the model's factory, the runner, core's scheduler for queues without delayed delivery, stale
 * recovery, logs and rerun.
 */
export class JobFacility<T = unknown> {
  readonly store: ManagerJobStore<T>;
  readonly queue: IMessageQueue;
  private readonly runner: JobRunner<T>;
  private readonly scheduler: DueScheduler;
  private readonly blobStore: () => IBlobStore | undefined;
  private timings: RunTimings = { heartbeatMs: 5000, logFlushMs: 10_000 };
  private consuming = false;
  private recoveryTimer: NodeJS.Timeout | undefined;

  constructor(options: JobFacilityOptions<T>) {
    this.store = new ManagerJobStore(options.manager);
    this.blobStore = options.blobStore;
    const binding: QueueBinding<T> = {
      resourceName: options.manager.name,
      jobs: this.store,
      run: (job, delivery) => this.run(job, delivery),
      warn,
    };
    this.queue = options.factory.build(binding);
    this.runner = new JobRunner<T>({
      store: this.store,
      handler: lazyHandler(options),
      maxRetries: this.queue.maxRetries,
      timings: () => this.timings,
      flushLog: async (id, text) => {
        const store = this.blobStore();
        if (store) await putJobLog(store, id, text);
      },
      warn,
    });
    this.scheduler = new DueScheduler(this.store, (id) => this.queue.put(id), warn);
  }

  private get ownsDelays(): boolean {
    return this.queue.capabilities.delayedDelivery === true && this.queue.schedule !== undefined;
  }

  private async run(job: Resource<Job<T>>, delivery?: DeliveryInfo): Promise<JobOutcome> {
    const outcome = await this.runner.run(job, delivery);
    if (outcome.kind === 'scheduled') await this.scheduleAt(job.info.resource_id, outcome.dueAt);
    return outcome;
  }

  private async scheduleAt(resourceId: string, dueAt: Date): Promise<void> {
    if (this.ownsDelays) await this.queue.schedule!(resourceId, dueAt);
    else this.scheduler.note(dueAt);
  }

  /**
   * The state a new or rerun job is stored in. A job with an initial delay that core's scheduler
   * holds is stored waiting (`completed` with its due time, the upstream simple queue's view)
   * in the same write that creates it, so no consumer can see it `pending` and run it early.
   * A queue with its own delayed delivery keeps it `pending`.
   */
  initialState(job: Job<T>): Job<T> {
    const delay = initialDelaySeconds(job);
    if (delay === 0 || this.ownsDelays || job.status !== TaskStatus.PENDING) return job;
    return { ...job, status: TaskStatus.COMPLETED, next_run_at: new Date(Date.now() + delay * 1000).toISOString() };
  }

  /** Hands a stored job (after create and rerun) to the queue: now, or at its due time. */
  async enqueue(resourceId: string, job: Job<T>): Promise<void> {
    if (job.status === TaskStatus.COMPLETED && job.next_run_at) {
      this.scheduler.note(new Date(job.next_run_at));
      return;
    }
    if (job.status !== TaskStatus.PENDING) return;
    const delay = initialDelaySeconds(job);
    if (delay > 0 && this.ownsDelays) return this.queue.schedule!(resourceId, new Date(Date.now() + delay * 1000));
    return this.queue.put(resourceId);
  }

  async startConsume(options: StartConsumeOptions = {}): Promise<void> {
    const heartbeatMs = seconds('heartbeatInterval', options.heartbeatInterval, 5);
    const recoveryMs = seconds('recoveryInterval', options.recoveryInterval, 60);
    const logFlushMs = seconds('logFlushInterval', options.logFlushInterval, 10);
    if (this.consuming) return;
    this.consuming = true;
    this.timings = { heartbeatMs, logFlushMs };
    const staleAfter = (3 * heartbeatMs) / 1000;
    await this.recoverStaleJobs(staleAfter);
    this.recoveryTimer = setInterval(() => void this.recoverStaleJobs(staleAfter), recoveryMs);
    this.recoveryTimer.unref();
    if (!this.ownsDelays) this.scheduler.start(Math.min(1000, recoveryMs));
    try {
      await this.queue.start({ concurrency: options.concurrency });
    } catch (error) {
      // A queue that cannot start (its broker is down) leaves nothing running; a later call tries again.
      await this.stopConsuming().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Idempotent; resolves when the consumer loop and its in-flight jobs have ended. Jobs still
   * running after the grace period have their signal aborted, and are then waited for.
   */
  async stopConsuming(options: StopConsumingOptions = {}): Promise<void> {
    const graceMs = gracePeriodMs(options.gracePeriod);
    this.consuming = false;
    clearInterval(this.recoveryTimer);
    this.recoveryTimer = undefined;
    await this.scheduler.stop();
    const stopped = this.queue.stop();
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace over'>((resolve) => {
      timer = setTimeout(() => resolve('grace over'), graceMs);
    });
    try {
      if ((await Promise.race([stopped, graceOver])) === 'grace over') this.runner.interrupt();
      await stopped;
    } finally {
      clearTimeout(timer);
    }
  }

  recoverStaleJobs(timeoutSeconds: number): Promise<string[]> {
    if (typeof timeoutSeconds !== 'number' || !(timeoutSeconds >= 0)) {
      throw new ConfigurationError(`heartbeat timeout must be a non-negative number of seconds, got ${String(timeoutSeconds)}`);
    }
    return recoverStaleJobs(this.store, timeoutSeconds);
  }

  async getLogs(resourceId: string): Promise<string | null> {
    const store = this.blobStore();
    return store ? getJobLog(store, resourceId) : null;
  }

  /** A completed or failed job back to `pending` (retries, error and artifact cleared), then enqueued. */
  async rerun(resourceId: string, context: WriteContext = {}): Promise<RevisionInfo> {
    const manager = this.store.manager;
    const job = await manager.get(resourceId);
    const status = job.data.status;
    if (status === TaskStatus.PENDING || status === TaskStatus.PROCESSING) throw new JobStateError(resourceId, status);
    const data = this.initialState({ ...job.data, status: TaskStatus.PENDING, retries: 0, errmsg: null, artifact: null, next_run_at: null });
    const info = await manager.update(resourceId, data, { ...context, expectRevisionId: job.info.revision_id });
    await this.enqueue(resourceId, data);
    return info;
  }

  async close(): Promise<void> {
    await this.stopConsuming();
    await this.queue.close?.();
  }
}

/** The handler, or the factory's handler built once on first use (a factory that throws is tried again by the next job). */
function lazyHandler<T>(options: JobFacilityOptions<T>): () => Promise<JobHandler<T>> {
  const { handler, handlerFactory } = options;
  if (handlerFactory === undefined) {
    const ready = Promise.resolve(handler as JobHandler<T>);
    return () => ready;
  }
  let built: Promise<JobHandler<T>> | undefined;
  return () => {
    built ??= Promise.resolve()
      .then(handlerFactory)
      .then((made) => {
        if (typeof made !== 'function') throw new ConfigurationError('jobHandlerFactory must return a function (job, ctx) => …');
        return made;
      })
      .catch((error: unknown) => {
        built = undefined;
        throw error;
      });
    return built;
  };
}
