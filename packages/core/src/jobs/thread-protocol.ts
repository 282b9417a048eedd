/** Messages between a job handler running in a worker thread and the consumer that started it. */

/** What the worker is started with (`workerData`). */
export interface ThreadJobStart {
  /** The module whose export is the handler: an absolute path, or a URL's href. */
  moduleSpecifier: string;
  exportName: string;
  job: unknown;
}

/** A thrown value carried across the thread boundary, with the brands the retry decision reads. */
export interface ThreadError {
  kind: 'no-retry' | 'delay-retry' | 'error' | 'value';
  message: string;
  name?: string;
  delaySeconds?: number;
}

export type WorkerToConsumer =
  | { type: 'log'; message: string; level: string }
  | { type: 'artifact'; value: unknown }
  | { type: 'heartbeat' }
  | { type: 'done'; result: unknown; artifact: unknown }
  | { type: 'failed'; error: ThreadError };

export type ConsumerToWorker = { type: 'abort' };
