/**
 * The worker-thread side of `threadJobHandler`: loads the handler module, runs it with a
 * context whose calls travel to the consumer as messages, and reports the result or the error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DelayRetry, NoRetry } from '@specstar/interfaces';
import { errorText } from './error-text';
import type { ConsumerToWorker, ThreadError, ThreadJobStart, WorkerToConsumer } from './thread-protocol';

const port = parentPort!;
const start = workerData as ThreadJobStart;
const send = (message: WorkerToConsumer): void => port.postMessage(message);

function describe(error: unknown): ThreadError {
  if (error instanceof DelayRetry) return { kind: 'delay-retry', message: error.message, delaySeconds: error.delaySeconds };
  if (error instanceof NoRetry) return { kind: 'no-retry', message: error.message };
  if (error instanceof Error) return { kind: 'error', message: error.message, name: error.name };
  return { kind: 'value', message: errorText(error) };
}

async function main(): Promise<void> {
  const job = start.job as { info: { resource_id: string }; data: { payload: unknown; artifact: unknown } };
  const aborter = new AbortController();
  port.on('message', (message: ConsumerToWorker) => {
    if (message.type === 'abort') aborter.abort();
  });
  const log = (message: string, level = 'INFO'): void => send({ type: 'log', message: String(message), level });
  const ctx = {
    resourceId: job.info.resource_id,
    resource: job,
    revisionInfo: job.info,
    data: job.data,
    payload: job.data.payload,
    signal: aborter.signal,
    log,
    debug: (message: string) => log(message, 'DEBUG'),
    info: (message: string) => log(message, 'INFO'),
    warning: (message: string) => log(message, 'WARNING'),
    error: (message: string) => log(message, 'ERROR'),
    setArtifact(value: unknown) {
      job.data.artifact = value;
      send({ type: 'artifact', value });
    },
    heartbeat() {
      send({ type: 'heartbeat' });
      return Promise.resolve();
    },
    getLogText: () => '',
  };
  try {
    const loaded = (await import(start.moduleSpecifier)) as Record<string, unknown>;
    const handler = loaded[start.exportName] ?? (loaded.default as Record<string, unknown> | undefined)?.[start.exportName];
    if (typeof handler !== 'function') throw new NoRetry(`${start.moduleSpecifier} has no function export '${start.exportName}'`);
    const result: unknown = await (handler as (j: unknown, c: unknown) => unknown)(job, ctx);
    send({ type: 'done', result, artifact: job.data.artifact });
  } catch (error) {
    send({ type: 'failed', error: describe(error) });
  }
}

void main();
