import type { Resource, RevisionInfo } from './records';

export const TaskStatus = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/**
 * The data of a job resource: the eleven fields of the upstream Job in declaration order, then
 * `next_run_at`, the persisted due time of a delayed or periodic run (null when nothing waits).
 */
export interface Job<T = unknown, D = unknown> {
  payload: T;
  status: TaskStatus;
  errmsg: string | null;
  artifact: D | null;
  retries: number;
  max_retries: number | null;
  periodic_interval_seconds: number | null;
  periodic_max_runs: number | null;
  periodic_runs: number;
  periodic_initial_delay_seconds: number | null;
  last_heartbeat_at: string | null;
  next_run_at?: string | null;
}

/** Log levels of a job's log lines; other level strings are written as given and logged as INFO. */
export type JobLogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/**
 * What a handler gets beside the job: the job's views, its log, its artifact and a signal that
 * aborts when the consumer stops or the job is recovered elsewhere.
 */
export interface JobContext<T = unknown, D = unknown> {
  readonly resourceId: string;
  readonly resource: Resource<Job<T, D>>;
  readonly revisionInfo: RevisionInfo;
  readonly data: Job<T, D>;
  readonly payload: T;
  /** Aborted when the consumer stops (after its grace period) or the job is no longer this worker's. */
  readonly signal: AbortSignal;
  /**
   * Appends `<UTC ISO timestamp> [<LEVEL>] <message>` to the job's log. `level` is one of
   * JobLogLevel (default INFO); another string is written as given.
   */
  log(message: string, level?: string): void;
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** The artifact persisted with `completed` (overwrites `data.artifact`). */
  setArtifact(value: D): void;
  /** Stamps `last_heartbeat_at` now (the runner also does it on an interval). */
  heartbeat(): Promise<void>;
  /** The log lines of this execution so far, joined by "\n". */
  getLogText(): string;
}

/**
 * A job handler: called with the job (status `processing`) and its context. Its return value
 * matters only for periodic jobs: `false` stops the chain. It may set `job.data.artifact` or call
 * `ctx.setArtifact()`; other edits to `job.data` are not persisted.
 */
export type JobHandler<T = unknown, D = unknown> = (job: Resource<Job<T, D>>, ctx: JobContext<T, D>) => unknown;

// Brands survive duplicated package copies, where `instanceof` alone would not match.
const NO_RETRY = Symbol.for('specstar.NoRetry');
const DELAY_RETRY = Symbol.for('specstar.DelayRetry');

function branded(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/** Thrown by a handler: fail the job now, without the remaining retries. */
export class NoRetry extends Error {
  readonly [NO_RETRY] = true;
  constructor(message = 'Job failed without retry') {
    super(message);
    this.name = 'NoRetry';
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, NO_RETRY);
  }
}

/** Thrown by a handler: "not yet" — run the job again after `delaySeconds`, without using a retry. */
export class DelayRetry extends Error {
  readonly [DELAY_RETRY] = true;
  readonly delaySeconds: number;
  constructor(delaySeconds: number) {
    if (!Number.isFinite(delaySeconds) || delaySeconds < 0) throw new TypeError(`DelayRetry needs a non-negative number of seconds, got ${String(delaySeconds)}`);
    super(`Job will be retried after ${delaySeconds} seconds`);
    this.name = 'DelayRetry';
    this.delaySeconds = delaySeconds;
  }
  /** The upstream spelling. */
  get delay_seconds(): number {
    return this.delaySeconds;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    return branded(value, DELAY_RETRY);
  }
}

/** Where a job-mode action sends its client: `202` body. */
export interface JobRedirectInfo {
  job_resource_name: string;
  job_resource_id: string;
  redirect_url: string;
}
