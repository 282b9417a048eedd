import { extname, join, resolve } from 'node:path';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { ConfigurationError, DelayRetry, NoRetry, type Job, type JobContext, type JobHandler, type Resource } from '@specstar/interfaces';
import type { ThreadError, ThreadJobStart, WorkerToConsumer } from './thread-protocol';

export interface ThreadHandlerOptions {
  /** The module export that is the handler (default `default`). */
  exportName?: string;
  /** Memory limits of each worker (Node's `ResourceLimits`). */
  resourceLimits?: ResourceLimits;
}

// The worker script sits beside this file (.js when built; .ts when the sources run through a loader).
const WORKER_FILE = join(__dirname, `thread-worker${extname(__filename)}`);

function rethrow(error: ThreadError): never {
  if (error.kind === 'delay-retry') throw new DelayRetry(error.delaySeconds ?? 0);
  if (error.kind === 'no-retry') throw new NoRetry(error.message);
  if (error.kind === 'value') throw error.message; // the handler threw a non-Error: keep it one
  const rebuilt = new Error(error.message);
  if (error.name) rebuilt.name = error.name;
  throw rebuilt;
}

/**
 * A job handler that runs a module's export in a worker thread, one worker per run, so a
 * CPU-bound handler cannot starve the consumer's heartbeat, log flushes or an HTTP server in the
 * same process. The export is called as `(job, ctx)`; `ctx.log…`, `setArtifact` and `heartbeat`
 * reach the real context as messages, and `ctx.signal` aborts when the run is abandoned (the
 * worker is terminated if it does not end by itself). The job and the handler's result must be
 * structured-cloneable.
 *
 *   spec.addModel(jobSchema(P), { jobHandler: threadJobHandler(require.resolve('./render-job')) })
 */
export function threadJobHandler<T = unknown, D = unknown>(modulePath: string | URL, options: ThreadHandlerOptions = {}): JobHandler<T, D> {
  const moduleSpecifier = modulePath instanceof URL ? modulePath.href : resolve(modulePath);
  const exportName = options.exportName ?? 'default';
  if (typeof exportName !== 'string' || exportName === '') throw new ConfigurationError('threadJobHandler: exportName must be a non-empty string');
  return (job: Resource<Job<T, D>>, ctx: JobContext<T, D>) => runInWorker(moduleSpecifier, exportName, job, ctx, options.resourceLimits);
}

function runInWorker<T, D>(moduleSpecifier: string, exportName: string, job: Resource<Job<T, D>>, ctx: JobContext<T, D>, resourceLimits?: ResourceLimits): Promise<unknown> {
  const start: ThreadJobStart = { moduleSpecifier, exportName, job };
  const worker = new Worker(WORKER_FILE, { workerData: start, ...(resourceLimits && { resourceLimits }) });
  return new Promise<unknown>((resolvePromise, reject) => {
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      ctx.signal.removeEventListener('abort', onAbort);
      fn();
      void worker.terminate();
    };
    const onAbort = (): void => {
      worker.postMessage({ type: 'abort' });
      // A handler that ignores the signal is stopped after a grace period.
      setTimeout(() => finish(() => reject(new Error('Job handler aborted'))), 5000).unref();
    };
    ctx.signal.addEventListener('abort', onAbort);
    worker.on('message', (message: WorkerToConsumer) => {
      switch (message.type) {
        case 'log':
          ctx.log(message.message, message.level);
          return;
        case 'artifact':
          ctx.setArtifact(message.value as D);
          return;
        case 'heartbeat':
          void ctx.heartbeat();
          return;
        case 'done':
          if (message.artifact !== undefined && message.artifact !== null) ctx.setArtifact(message.artifact as D);
          finish(() => resolvePromise(message.result));
          return;
        case 'failed':
          finish(() => {
            try {
              rethrow(message.error);
            } catch (error) {
              // oxlint-disable-next-line typescript/prefer-promise-reject-errors -- a non-Error thrown by the handler stays what it was.
              reject(error);
            }
          });
      }
    });
    worker.on('error', (error) => finish(() => reject(error)));
    worker.on('exit', (code) => finish(() => reject(new Error(`Job handler worker exited with code ${code}`))));
  });
}
