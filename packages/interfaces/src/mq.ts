/**
 * The message-queue contract. Jobs are resources: the job's state lives in the job model's
 * storage, a queue only moves job ids to consumers. Core executes a job (context, heartbeat,
 * log, handler, retry decision, persisted outcome) and hands each queue a `QueueBinding`; a
 * queue decides how ids travel (storage polling, a broker) and when a delivery is acknowledged.
 */
import type { Resource } from './records';
import type { Job } from './jobs';


/**
 * The job model's storage as a queue sees it: reads, the searches polling needs and
 * compare-and-set state changes. Every write is a revision of the job (history stays visible).
 */
export interface JobStore<T = unknown> {
  readonly resourceName: string;
  /** The job, or null when it does not exist or is soft-deleted. */
  get(resourceId: string): Promise<Resource<Job<T>> | null>;
  /** Ids of `pending` jobs in run order (fewest retries first, then oldest), at most `limit`. */
  pendingIds(limit: number): Promise<string[]>;
  /** Ids of waiting jobs (delayed or periodic) whose persisted due time is at or before `now`. */
  dueIds(now: Date, limit: number): Promise<string[]>;
  /**
   * `pending` → `processing` (a draft revision, heartbeat stamped), decided by compare-and-set on
   * the current revision: of two claimants, in any processes sharing the storage, exactly one
   * gets the job; the other gets null. Also null when the job is gone or not `pending`.
   * `requirePending: false` claims whatever state the job is in (broker deliveries, which are
   * themselves the claim); `accept` then has the last say on the state it read (false: not
   * claimed, null).
   */
  claim(resourceId: string, options?: { requirePending?: boolean; accept?: (job: Resource<Job<T>>) => boolean }): Promise<Resource<Job<T>> | null>;
  /** A waiting job whose due time has passed → `pending` (compare-and-set); false when it was not due or someone else did it. */
  release(resourceId: string): Promise<boolean>;
  /** Records a failure the queue saw outside a handler run (e.g. a claim that failed); best effort. */
  fail(resourceId: string, errmsg: string, retries?: number): Promise<void>;
}

/** The persisted result of running one job. */
export type JobOutcome =
  /** Done; nothing follows. */
  | { readonly kind: 'completed' }
  /** Failed with retries left: stored `pending` with `retries`; the queue delivers it again (after its retry delay). */
  | { readonly kind: 'retry'; readonly retries: number; readonly error: string }
  /** Failed for good (retries exhausted or NoRetry). */
  | { readonly kind: 'failed'; readonly retries: number; readonly error: string }
  /** Waits (DelayRetry, periodic interval, initial delay): stored `completed` with `next_run_at = dueAt`. */
  | { readonly kind: 'scheduled'; readonly dueAt: Date; readonly delaySeconds: number }
  /** The job vanished (deleted) before or while running; nothing was written. */
  | { readonly kind: 'skipped' }
  /**
   * Stopped from outside (its consumer's stop ran out of grace period) before it finished:
   * stored `pending` with its retries as they were. The queue hands the delivery back unused —
   * a requeue, never a retry or a dead letter (the port of an upstream interpreter-level abort).
   */
  | { readonly kind: 'interrupted' };

/** How a delivery counts its attempts when the broker, not the stored job, is authoritative. */
export interface DeliveryInfo {
  /** Failures before this delivery (RabbitMQ `x-retry-count`, Celery's retry argument); default: the stored `retries`. */
  readonly retryCount?: number;
  /** The effective retry limit rule: `job` (per-job limit as is, default) or `min` (min of job and queue, Celery). */
  readonly limitRule?: 'job' | 'min';
}

/** What core gives a queue for one job model. */
export interface QueueBinding<T = unknown> {
  readonly resourceName: string;
  readonly jobs: JobStore<T>;
  /**
   * Runs a claimed job to its persisted outcome: context, `Job started`, heartbeat, log flush,
   * handler, retry decision (with the queue's `maxRetries` where the job sets none). A
   * `scheduled` outcome is already handed on (the queue's `schedule()`, or core's scheduler).
   * Never rejects; a failure to persist is reported as `failed`.
   */
  run(job: Resource<Job<T>>, delivery?: DeliveryInfo): Promise<JobOutcome>;
  /** Reports a problem the queue cannot raise to anyone (a broker hiccup, a failed ack). */
  warn(message: string, error?: unknown): void;
}

/** Optional abilities of a queue; core supplies a fallback where one is missing. */
export interface QueueCapabilities {
  /** `pop()` claims the next job without a consumer loop. */
  readonly pop?: boolean;
  /** `schedule()` delivers at a due time by itself (TTL queue, ETA). Without it core's scheduler calls `put()` when due. */
  readonly delayedDelivery?: boolean;
  /** Consumers in several processes sharing the storage or broker never run the same delivery twice at once. */
  readonly crossProcessClaim?: boolean;
  /** `put()` delivers to consumers of other processes too (a broker); without it they find jobs by polling storage. */
  readonly crossProcessDelivery?: boolean;
}

export interface ConsumeOptions {
  /** Jobs run at once by this consumer (default 1). */
  concurrency?: number;
}

/** A queue for the jobs of one model. */
export interface IMessageQueue {
  readonly capabilities: QueueCapabilities;
  /** Failures retried when a job sets no `max_retries` of its own. */
  readonly maxRetries: number;
  /**
   * Delivers a job that exists and is readable, to run now (core has already applied an initial
   * delay: such a job reaches `schedule()` or core's scheduler instead).
   */
  put(resourceId: string): Promise<void>;
  /** Delivers at `dueAt` (capability `delayedDelivery`); the job stays as it is stored meanwhile. */
  schedule?(resourceId: string, dueAt: Date): Promise<void>;
  /** Claims and returns the next job, or null (capability `pop`). The caller runs it via the binding. */
  pop?(): Promise<Resource<Job> | null>;
  /** Starts consuming; resolves once started. Idempotent. */
  start(options?: ConsumeOptions): Promise<void>;
  /** Stops consuming; resolves when the loop and in-flight jobs have ended. Idempotent, safe before start. */
  stop(): Promise<void>;
  /** Releases connections; the queue is not used afterwards. */
  close?(): Promise<void>;
}

/** Builds the queue of one job model; one factory may serve many models (and share a connection). */
export interface IMessageQueueFactory {
  build<T = unknown>(binding: QueueBinding<T>): IMessageQueue;
  close?(): Promise<void>;
}
