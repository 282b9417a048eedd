/**
 * The broker goes away and comes back (rabbitmqctl stop_app / start_app) with jobs waiting in the
 * main, retry and periodic queues, one running and one being put meanwhile: the consumer
 * reconnects by itself and every job runs to its end, none lost, none run twice (invariant 44).
 * Then a job longer than the broker's consumer_timeout.
 *
 * These tests stop a broker, so they run on a node of their own (test/serial/private-broker.ts),
 * never on the shared one, and outside `pnpm test`: `pnpm --filter @specstar/mq-rabbitmq
 * test:broker-restart` (a step of its own in .ci/run).
 */
import type { Job, Resource } from '@specstar/interfaces';
import { sleep, waitUntil } from '../broker';
import { engine, type Engine, type TestJob } from '../engine';
import { PrivateBroker, rabbitmqBinDir } from './private-broker';

const available = rabbitmqBinDir() !== undefined;
if (!available) {
  const message = 'rabbitmq-server is not installed here, so no private broker can be started';
  if (process.env['CI'] === 'true') throw new Error(`${message}. CI=true: the broker restart tests never skip.`);
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED @specstar/mq-rabbitmq broker restart tests: ${message}.`);
}
const describeNode = available ? describe : describe.skip;

/** Resolves when opened; the handler of a `hold` job waits on it. */
function latch(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

const done = (job: Resource<Job>) => job.data.status === 'completed' || job.data.status === 'failed';

describeNode('RabbitMQ restarts (a private broker node)', () => {
  // Handlers waiting on a latch are let go and nodes stopped, even after a test timed out.
  const latches: Array<{ open(): void }> = [];
  afterAll(() => {
    for (const held of latches) held.open();
    PrivateBroker.shutdownAll();
  });

  it('stop_app / start_app with jobs in main, retry and periodic queues: every job runs to its end, once, without a manual restart', async () => {
    const broker = await PrivateBroker.start();
    const release = latch();
    latches.push(release);
    let made: Engine | undefined;
    try {
      made = engine({
        amqpUrl: broker.url,
        queuePrefix: 'restart:',
        retryDelaySeconds: 6,
        waitForBrokerSeconds: 60,
        reconnectMaxDelaySeconds: 0.5,
        handler: async (job: Resource<TestJob>) => {
          const { label } = job.data.payload;
          if (label === 'fail-once' && job.data.retries === 0) throw new Error('first attempt fails');
          if (label === 'hold') await release.wait;
        },
      });
      const { rm, create, waitFor, calls, warnings } = made;
      await rm.startConsume({ concurrency: 1 });
      // Waiting in :retry (6 s) and in :periodic:6s when the broker stops.
      const retrying = await create({ payload: { label: 'fail-once' } });
      const periodic = await create({ payload: { label: 'periodic' }, periodic_interval_seconds: 6, periodic_max_runs: 2 });
      await waitFor(retrying, 'waiting for its retry', (job) => job.data.retries === 1 && job.data.status === 'pending');
      await waitFor(periodic, 'waiting for its second run', (job) => job.data.periodic_runs === 1);
      // Running (it takes the one slot), so the next jobs wait in the main queue.
      const held = await create({ payload: { label: 'hold' } });
      await waitFor(held, 'running', (job) => job.data.status === 'processing');
      const queued: string[] = [];
      for (let n = 0; n < 5; n++) queued.push(await create({ payload: { label: 'quick', n } }));

      broker.stopApp();
      // A put while the broker is away waits for it (up to waitForBrokerSeconds).
      const putWhileAway = create({ payload: { label: 'quick', n: 99 } });
      await sleep(3000);
      broker.startApp();
      const late = await putWhileAway;
      release.open();

      const all = [retrying, periodic, held, late, ...queued];
      for (const id of all) await waitFor(id, 'done', done, 60_000);
      await waitFor(periodic, 'two runs', (job) => job.data.periodic_runs === 2, 60_000);
      for (const id of all) expect({ id, status: (await rm.get(id)).data.status }).toEqual({ id, status: 'completed' });
      await sleep(1000); // room for a stray redelivery to show up
      const runs = (id: string) => calls.filter((call) => call.id === id).length;
      expect({ retrying: runs(retrying), periodic: runs(periodic), held: runs(held), late: runs(late), queued: queued.map(runs) }).toEqual({
        retrying: 2,
        periodic: 2,
        held: 1,
        late: 1,
        queued: [1, 1, 1, 1, 1],
      });
      expect(warnings.some((warning) => warning.includes('connection lost'))).toBe(true);
      expect(warnings.some((warning) => warning.includes('reconnected after'))).toBe(true);
    } finally {
      release.open();
      // Whatever happened above, the node is running again before it is shut down.
      try {
        broker.startApp();
      } catch {
        // Already running.
      }
      await made?.close();
      await broker.shutdown();
    }
  }, 180_000);

  // The broker checks consumer_timeout once a minute, so this takes a little over one.
  it('a job longer than consumer_timeout: the broker closes the consumer channel, consuming resumes, and the job completes once', async () => {
    const broker = await PrivateBroker.start({ config: ['consumer_timeout = 2000'] });
    let made: Engine | undefined;
    const release = latch();
    latches.push(release);
    try {
      made = engine({ amqpUrl: broker.url, queuePrefix: 'timeout:', handler: () => release.wait });
      const { rm, create, waitFor, calls, warnings } = made;
      await rm.startConsume();
      const id = await create();
      await waitUntil('the consumer_timeout', () => warnings.some((warning) => warning.includes('consumer_timeout')), 90_000);
      release.open();
      await waitFor(id, 'completed', (job) => job.data.status === 'completed');
      const after = await create();
      await waitFor(after, 'completed', (job) => job.data.status === 'completed');
      await sleep(1000);
      expect(calls.map((call) => call.id)).toEqual([id, after]);
    } finally {
      release.open();
      await made?.close();
      await broker.shutdown();
    }
  }, 240_000);
});
