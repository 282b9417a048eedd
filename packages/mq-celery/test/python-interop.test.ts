/**
 * Interoperability with the real Python Celery (Debian's python3-celery) on the real broker:
 * a job put from Node is received by a Python Celery worker as `{queue}.process_job` with the
 * expected args, retries and eta; and tasks Python's `send_task` published are run by the Node
 * consumer, honouring their eta, their retry count and the stop marker.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryStorageFactory, SpecStar, jobSchema } from '@specstar/core';
import type { Job, Resource } from '@specstar/interfaces';
import { shareStorage } from '@specstar/testkit';
import { CeleryMessageQueueFactory, STOP_MARKER } from '../src';
import { BrokerLink } from '../src/link';
import { TaskPublisher } from '../src/publisher';
import { AMQP_URL, deleteQueues, freshPrefix, messageCount, watchWarnings } from './broker';
import { describePythonCelery, pythonSendTask, startPythonWorker, type PythonWorker } from './python-celery';

jest.setTimeout(120_000);

const MODEL = 'interop-job';
const PAYLOAD = { type: 'object', properties: { n: { type: 'integer' } } } as const;

interface Recorded {
  task: string;
  id: string;
  root_id: string | null;
  args: unknown[];
  kwargs: Record<string, unknown>;
  retries: number;
  eta: string | null;
  routing_key: string;
  resource_id: string;
  retry_count: number;
  ran_at: number;
}

async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describePythonCelery('Python Celery interop', () => {
  let prefix: string;
  let queue: string;
  let dir: string;
  const cleanUps: Array<() => unknown> = [];

  beforeEach(() => {
    prefix = freshPrefix();
    queue = `${prefix}${MODEL}`;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-celery-interop-'));
  });

  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
    await deleteQueues([queue]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a Python worker receives jobs from Node as {queue}.process_job with args [id], [id, n] for a retry, and an eta for a delay', async () => {
    const record = path.join(dir, 'record.jsonl');
    const recorded = (): Recorded[] => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded) : []);
    const worker: PythonWorker = await startPythonWorker(queue, record, AMQP_URL);
    cleanUps.push(() => worker.stop());

    const factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix });
    const spec = new SpecStar({ storageFactory: new MemoryStorageFactory(), messageQueueFactory: factory, defaultUser: 'interop' });
    cleanUps.push(async () => {
      await spec.close();
      await factory.close();
    });
    const rm = spec.addModel<Job>(jobSchema(PAYLOAD), { name: MODEL, jobHandler: () => undefined });

    const now = (await rm.create({ payload: { n: 1 } })).resource_id;
    const first = await waitFor('the first task in Python', () => recorded().find((line) => line.resource_id === now));
    expect(first).toMatchObject({ task: `${queue}.process_job`, args: [now], kwargs: {}, retries: 0, eta: null, routing_key: queue, retry_count: 0 });

    const before = Date.now();
    const delayed = (await rm.create({ payload: { n: 2 }, periodic_initial_delay_seconds: 2 })).resource_id;
    const late = await waitFor('the delayed task in Python', () => recorded().find((line) => line.resource_id === delayed));
    expect(late).toMatchObject({ task: `${queue}.process_job`, args: [delayed], retries: 0 });
    expect(Date.parse(late.eta!)).toBeGreaterThanOrEqual(before + 2000);
    expect(late.ran_at * 1000).toBeGreaterThanOrEqual(Date.parse(late.eta!));

    // The message a failed attempt publishes: the same task id, one more retry in the header and the args.
    const link = new BrokerLink({ broker: factory.settings.broker, connectTimeoutMs: 10_000 });
    cleanUps.push(() => link.close());
    await new TaskPublisher(link, queue).publish({ taskId: first.id, rootId: first.root_id ?? first.id, parentId: null, jobId: now, retryCount: 1, eta: null });
    const retried = await waitFor('the retry in Python', () => recorded().find((line) => line.resource_id === now && line.retries === 1));
    expect(retried).toMatchObject({ id: first.id, args: [now, 1], retries: 1, retry_count: 1 });
  });

  it("the Node consumer runs tasks Python's send_task published: eta honoured, the retry count read from the message, the stop marker ignored", async () => {
    const warnings = watchWarnings();
    cleanUps.push(() => jest.restoreAllMocks());

    const shared = shareStorage(new MemoryStorageFactory());
    cleanUps.push(() => shared.closeAll());
    // The producer side stores jobs without a queue (Python publishes their tasks).
    const producer = new SpecStar({ storageFactory: shared.factory, messageQueueFactory: null, defaultUser: 'interop' });
    const jobs = producer.addModel<Job>(jobSchema(PAYLOAD), { name: MODEL });
    const calls: Array<{ id: string; at: number; retries: number }> = [];
    const factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix, maxRetries: 2, retryDelaySeconds: 0.2 });
    const consumer = new SpecStar({ storageFactory: shared.factory, messageQueueFactory: factory, defaultUser: 'interop' });
    cleanUps.push(async () => {
      await consumer.close();
      await factory.close();
      await producer.close();
    });
    const rm = consumer.addModel<Job>(jobSchema(PAYLOAD), {
      name: MODEL,
      jobHandler: (job: Resource<Job>) => {
        calls.push({ id: job.info.resource_id, at: Date.now(), retries: job.data.retries });
        if ((job.data.payload as { n: number }).n === 2) throw new Error('always fails');
      },
    });

    const onTime = (await jobs.create({ payload: { n: 1 } })).resource_id;
    const failing = (await jobs.create({ payload: { n: 2 } })).resource_id;
    pythonSendTask(AMQP_URL, queue, [STOP_MARKER]);
    const sent = pythonSendTask(AMQP_URL, queue, [onTime], 2);
    pythonSendTask(AMQP_URL, queue, [failing, 1]);
    expect(sent.eta).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$/));

    await rm.startConsume({ heartbeatInterval: 1 });
    const done = await waitFor('the eta task to complete', async () => {
      const job = await rm.get(onTime);
      return job.data.status === 'completed' && job;
    });
    expect(done.data).toMatchObject({ status: 'completed', retries: 0, errmsg: null });
    const ranAt = calls.filter((call) => call.id === onTime).map((call) => call.at);
    expect(ranAt).toHaveLength(1);
    expect(ranAt[0]).toBeGreaterThanOrEqual(Date.parse(sent.eta!));

    // Sent as retry 1 of a queue allowing 2: one attempt more (retry 2), then failed with retries 3.
    const failed = await waitFor('the failing task to give up', async () => {
      const job = await rm.get(failing);
      return job.data.status === 'failed' && job;
    });
    expect(failed.data).toMatchObject({ status: 'failed', retries: 3, errmsg: 'always fails' });
    expect(calls.filter((call) => call.id === failing).map((call) => call.retries)).toEqual([0, 2]);

    await rm.stopConsuming();
    expect(await messageCount(queue)).toBe(0);
    expect(calls.map((call) => call.id)).not.toContain(STOP_MARKER);
    expect(warnings.filter((text) => text.includes(queue))).toEqual([]);
  });
});
