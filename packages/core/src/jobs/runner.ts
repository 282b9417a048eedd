import { DelayRetry, NoRetry, TaskStatus, type DeliveryInfo, type Job, type JobHandler, type JobOutcome, type Resource } from '@specstar/interfaces';
import { errorText } from './error-text';
import { ExecutionContext } from './job-context';
import type { ManagerJobStore } from './job-store';
import { isPeriodic, retryLimit } from './job-rules';

/** Intervals of one execution's timers, in milliseconds. */
export interface RunTimings {
  heartbeatMs: number;
  logFlushMs: number;
}

export interface RunnerSettings<T> {
  store: ManagerJobStore<T>;
  /** The handler, resolved lazily (a jobHandlerFactory is called on the first job). */
  handler: () => Promise<JobHandler<T>>;
  maxRetries: number;
  timings: () => RunTimings;
  /** Replaces the job's log text (nothing when there is no blob store). */
  flushLog: (resourceId: string, text: string) => Promise<void>;
  warn: (message: string, error?: unknown) => void;
}

/** The errmsg and log line of a run interrupted by its consumer's stop. */
export const INTERRUPTED = 'Job interrupted: the consumer stopped';

const dueIn = (now: Date, seconds: number): Date => new Date(now.getTime() + seconds * 1000);

/**
 * Runs one claimed job to its persisted outcome: context and `Job started`, heartbeat and log
 * flush timers, the handler, then the write its result calls for (completed, the next periodic
 * run, a delayed retry, a retry or a final failure). Never rejects.
 */
export class JobRunner<T = unknown> {
  /** Executions under way, for a stopping consumer to interrupt. */
  private readonly active = new Set<ExecutionContext<T>>();
  /** Executions whose signal a stopping consumer aborted. */
  private readonly interrupted = new WeakSet<ExecutionContext<T>>();

  constructor(private readonly settings: RunnerSettings<T>) {}

  /**
   * Aborts the signal of every execution under way (the consumer is stopping and its grace
   * period is over). One that then throws goes back to `pending` without using a retry.
   * Returns how many were interrupted.
   */
  interrupt(): number {
    for (const ctx of this.active) {
      this.interrupted.add(ctx);
      ctx.controller.abort(Object.assign(new Error(INTERRUPTED), { name: 'AbortError' }));
    }
    return this.active.size;
  }

  async run(claimed: Resource<Job<T>>, delivery: DeliveryInfo = {}): Promise<JobOutcome> {
    const { store } = this.settings;
    const id = claimed.info.resource_id;
    // Handlers may edit the job they get; only the artifact survives, so keep the claimed state apart.
    const base: Resource<Job<T>> = { info: claimed.info, data: structuredClone(claimed.data) };
    const ctx: ExecutionContext<T> = new ExecutionContext(claimed, () => this.beat(ctx, base));
    const timings = this.settings.timings();
    const heartbeat = setInterval(() => void this.beat(ctx, base), timings.heartbeatMs);
    const flusher = setInterval(() => void this.flush(ctx), timings.logFlushMs);
    heartbeat.unref();
    flusher.unref();
    this.active.add(ctx);
    ctx.log('Job started');
    try {
      let result: unknown;
      try {
        const handler = await this.settings.handler();
        result = await handler(claimed, ctx);
      } catch (error) {
        return await this.afterError(base, ctx, error, delivery);
      }
      return await this.afterSuccess(base, ctx, result);
    } catch (error) {
      // Persisting the outcome failed: record a failure if the store lets us, never throw.
      this.settings.warn(`Job '${id}' of '${store.resourceName}': could not store its outcome`, error);
      try {
        await store.fail(id, errorText(error));
      } catch (again) {
        this.settings.warn(`Job '${id}' of '${store.resourceName}': could not mark it failed`, again);
      }
      return { kind: 'failed', retries: base.data.retries, error: errorText(error) };
    } finally {
      this.active.delete(ctx);
      clearInterval(heartbeat);
      clearInterval(flusher);
      ctx.controller.abort();
      await this.flush(ctx);
    }
  }

  private async afterSuccess(base: Resource<Job<T>>, ctx: ExecutionContext<T>, result: unknown): Promise<JobOutcome> {
    ctx.log('Job completed');
    const job = base.data;
    const done: Partial<Job<T>> = { status: TaskStatus.COMPLETED, errmsg: null, artifact: ctx.data.artifact ?? job.artifact, next_run_at: null };
    if (!isPeriodic(job)) return this.write(ctx, base, done, { kind: 'completed' });
    const runs = job.periodic_runs + 1;
    const goOn = result !== false && (job.periodic_max_runs === null || runs < job.periodic_max_runs);
    if (!goOn) return this.write(ctx, base, { ...done, periodic_runs: runs }, { kind: 'completed' });
    const seconds = job.periodic_interval_seconds as number;
    const dueAt = dueIn(new Date(), seconds);
    return this.write(ctx, base, { ...done, periodic_runs: runs, retries: 0, next_run_at: dueAt.toISOString() }, { kind: 'scheduled', dueAt, delaySeconds: seconds });
  }

  private async afterError(base: Resource<Job<T>>, ctx: ExecutionContext<T>, error: unknown, delivery: DeliveryInfo): Promise<JobOutcome> {
    if (error instanceof DelayRetry) {
      ctx.log(`Job delayed retry: ${error.delaySeconds}s`);
      const dueAt = dueIn(new Date(), error.delaySeconds);
      const fields: Partial<Job<T>> = { status: TaskStatus.COMPLETED, errmsg: null, retries: 0, next_run_at: dueAt.toISOString() };
      return this.write(ctx, base, fields, { kind: 'scheduled', dueAt, delaySeconds: error.delaySeconds });
    }
    if (this.interrupted.has(ctx) && !(error instanceof NoRetry)) {
      // Stopped from outside, not failed: the next consumer runs it again, with its retries intact.
      ctx.log(`${INTERRUPTED}; back to pending`, 'WARNING');
      const retries = delivery.retryCount ?? base.data.retries;
      return this.write(ctx, base, { status: TaskStatus.PENDING, errmsg: INTERRUPTED, retries, next_run_at: null }, { kind: 'interrupted' });
    }
    const message = errorText(error);
    ctx.log(`Job error: ${message}`, 'ERROR');
    const retries = (delivery.retryCount ?? base.data.retries) + 1;
    const limit = retryLimit(base.data, this.settings.maxRetries, delivery.limitRule);
    if (!(error instanceof NoRetry) && retries <= limit) {
      ctx.log(`Retrying (${retries}/${limit})`, 'WARNING');
      return this.write(ctx, base, { status: TaskStatus.PENDING, errmsg: message, retries, next_run_at: null }, { kind: 'retry', retries, error: message });
    }
    ctx.log(`Job failed permanently: ${message}`, 'ERROR');
    return this.write(ctx, base, { status: TaskStatus.FAILED, errmsg: message, retries, next_run_at: null }, { kind: 'failed', retries, error: message });
  }

  /**
   * Writes the outcome over the claimed state, after the run's log. When someone changed the job
   * meanwhile (stale recovery marked it failed, a rerun), the finished run still records its
   * outcome over what is there now; a job deleted meanwhile is left alone.
   */
  private async write(ctx: ExecutionContext<T>, base: Resource<Job<T>>, fields: Partial<Job<T>>, outcome: JobOutcome): Promise<JobOutcome> {
    const { store } = this.settings;
    // The log first: a reader who sees the outcome finds the whole log of the run.
    await this.flush(ctx);
    if ((await store.change(base, fields)) !== null) return outcome;
    const now = await store.get(base.info.resource_id);
    if (!now) return { kind: 'skipped' };
    await store.change(now, fields, false);
    return outcome;
  }

  /** One heartbeat tick; errors are swallowed. A job that is no longer processing aborts the handler's signal. */
  private async beat(ctx: ExecutionContext<T>, base: Resource<Job<T>>): Promise<void> {
    try {
      const stamped = await this.settings.store.heartbeat(ctx.resourceId);
      if (!stamped) ctx.controller.abort();
      else base.data.last_heartbeat_at = new Date().toISOString();
    } catch {
      // A failed tick is retried on the next one.
    }
  }

  private async flush(ctx: ExecutionContext<T>): Promise<void> {
    const text = ctx.takeUnflushed();
    if (text === null) return;
    try {
      await this.settings.flushLog(ctx.resourceId, text);
    } catch (error) {
      this.settings.warn(`Job '${ctx.resourceId}': could not write its log`, error);
    }
  }
}
