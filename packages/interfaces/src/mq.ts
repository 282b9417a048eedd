import type { Resource } from './records';

export const TaskStatus = {
  PENDING: 'pending',
  PROCESSING: 'processing',
  COMPLETED: 'completed',
  FAILED: 'failed',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

/** The data of a job resource. */
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
}

/** A queue over job resources of one model. Jobs are resources; the queue moves their ids. */
export interface IMessageQueue<T = unknown> {
  /** Enqueue an already created job resource. */
  put(resourceId: string): Promise<Resource<Job<T>>>;
  pop(): Promise<Resource<Job<T>> | null>;
  complete(resourceId: string, result?: unknown): Promise<Resource<Job<T>>>;
  fail(resourceId: string, error: string): Promise<Resource<Job<T>>>;
  /** Mark PROCESSING jobs whose heartbeat is older than the timeout as failed; their ids. */
  recoverStaleJobs(heartbeatTimeoutSeconds: number): Promise<string[]>;
  startConsume(options?: { block?: boolean }): Promise<void>;
  stopConsuming(): Promise<void>;
  getLogs?(resourceId: string): Promise<string | null>;
  close?(): Promise<void>;
}

/** The manager-facing view a queue needs: typed as unknown here to keep layering one-way. */
export type JobHandler<T = unknown> = (job: Resource<Job<T>>) => unknown;

export interface IMessageQueueFactory {
  /** Returns a builder the manager calls with itself once constructed. */
  build<T = unknown>(handler: JobHandler<T>): (resourceManager: unknown) => IMessageQueue<T>;
  close?(): Promise<void>;
}
