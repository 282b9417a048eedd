/**
 * Delays travel as Celery's `eta` and survive what a consumer goes through: a held message whose
 * consumer is killed goes back to the broker and runs on the next consumer at its eta, once; one
 * due later than the hold limit is published again and still runs once, at its eta; a consumer
 * that stops gives held messages back.
 */
import * as path from 'node:path';
import { MemoryStorageFactory, SpecStar, jobSchema } from '@specstar/core';
import type { Job, Resource } from '@specstar/interfaces';
import { startWorkerProcess } from '@specstar/testkit';
import { CeleryMessageQueueFactory, type CeleryQueueOptions } from '../src';
import { TaskPublisher } from '../src/publisher';
import { AMQP_URL, deleteQueues, describeBroker, freshPrefix, messageCount, withChannel } from './broker';

jest.setTimeout(60_000);

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const HOLDER = path.join(__dirname, 'fixtures', 'eta-holder.ts');
const MODEL = 'eta-job';

async function until<T>(what: string, probe: () => Promise<T | false> | T | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeBroker('eta', () => {
  let prefix: string;
  const cleanUps: Array<() => Promise<unknown>> = [];

  beforeEach(() => {
    prefix = freshPrefix();
  });

  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
    await deleteQueues([`${prefix}${MODEL}`]);
  });

  function rig(options: CeleryQueueOptions = {}) {
    const factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix, ...options });
    const spec = new SpecStar({ storageFactory: new MemoryStorageFactory(), messageQueueFactory: factory, defaultUser: 'alice' });
    cleanUps.push(async () => {
      await spec.close();
      await factory.close();
    });
    const calls: Array<{ id: string; at: number }> = [];
    const rm = spec.addModel<Job>(jobSchema({ type: 'object' }), { name: MODEL, jobHandler: (job: Resource<Job>) => void calls.push({ id: job.info.resource_id, at: Date.now() }) });
    const completed = (id: string) => until(`job ${id} completed`, async () => (await rm.get(id)).data.status === 'completed');
    return { rm, calls, completed, queue: factory.queueName(MODEL) };
  }

  it('a consumer killed while it holds a delayed task: the broker gives it to the next consumer, which runs it once at its eta', async () => {
    const { rm, calls, completed, queue } = rig();
    const holder = startWorkerProcess(HOLDER, [AMQP_URL, prefix, MODEL], { nodeArgs: ['-r', REGISTER] });
    const kill = async (): Promise<void> => {
      const pid = holder.lines.find((line) => typeof line['pid'] === 'number')?.['pid'] as number | undefined;
      if (pid === undefined) return;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        return; // already gone
      }
      await holder.exit.catch(() => undefined);
    };
    cleanUps.push(kill);
    await holder.said('consuming');
    const before = Date.now();
    const id = (await rm.create({ payload: {}, periodic_initial_delay_seconds: 3 })).resource_id;
    // Delivered to the holder (no longer ready in the queue), held there unacknowledged.
    await until('the holder to take the task', async () => (await messageCount(queue)) === 0);
    await kill();
    expect((await holder.exit).code).toBeNull();
    await until('the task back in the queue', async () => (await messageCount(queue)) === 1);
    expect((await rm.get(id)).data.status).toBe('pending');

    await rm.startConsume();
    await completed(id);
    expect(calls.map((call) => call.id)).toEqual([id]);
    expect(calls[0]!.at - before).toBeGreaterThanOrEqual(3000);
    expect(holder.lines.some((line) => 'ran' in line)).toBe(false);
  });

  it('a task due later than the hold limit is published again while it waits, and runs once at its eta', async () => {
    const { rm, calls, completed, queue } = rig({ etaHoldSeconds: 0.5 });
    const republished = jest.spyOn(TaskPublisher.prototype, 'republish');
    cleanUps.push(async () => republished.mockRestore());
    await rm.startConsume();
    const before = Date.now();
    const id = (await rm.create({ payload: {}, periodic_initial_delay_seconds: 2 })).resource_id;
    await completed(id);
    expect(calls.map((call) => call.id)).toEqual([id]);
    expect(calls[0]!.at - before).toBeGreaterThanOrEqual(2000);
    // Held 0.5 s at a time: published again about three times before it was due.
    expect(republished.mock.calls.length).toBeGreaterThanOrEqual(2);
    await rm.stopConsuming();
    expect(await messageCount(queue)).toBe(0);
  });

  it('stopConsuming gives held tasks back to the queue; a consumer started later runs them at their eta', async () => {
    const first = rig();
    await first.rm.startConsume();
    const before = Date.now();
    const id = (await first.rm.create({ payload: {}, periodic_initial_delay_seconds: 2 })).resource_id;
    await until('the consumer to take the task', async () => (await messageCount(first.queue)) === 0);
    await first.rm.stopConsuming();
    expect(await messageCount(first.queue)).toBe(1);
    await first.rm.startConsume();
    await first.completed(id);
    expect(first.calls.map((call) => call.id)).toEqual([id]);
    expect(first.calls[0]!.at - before).toBeGreaterThanOrEqual(2000);
  });

  it('a failed attempt re-issues its task as Celery retries do: args [id, n+1], retries n+1, eta retry_delay_seconds later (invariant 25)', async () => {
    const factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix, retryDelaySeconds: 60 });
    const spec = new SpecStar({ storageFactory: new MemoryStorageFactory(), messageQueueFactory: factory, defaultUser: 'alice' });
    cleanUps.push(async () => {
      await spec.close();
      await factory.close();
    });
    let failedAt = 0;
    const rm = spec.addModel<Job>(jobSchema({ type: 'object' }), {
      name: MODEL,
      jobHandler: () => {
        failedAt = Date.now();
        throw new Error('first attempt fails');
      },
    });
    await rm.startConsume();
    const id = (await rm.create({ payload: {} })).resource_id;
    await until('the failure to be stored', async () => (await rm.get(id)).data.retries === 1);
    // The retry waits 60 s held by this consumer; stopping gives it back, where it can be read as sent.
    await until('the consumer to hold the retry', async () => (await messageCount(factory.queueName(MODEL))) === 0);
    await rm.stopConsuming();
    const message = await withChannel((channel) => channel.get(factory.queueName(MODEL), { noAck: true }));
    if (message === false) throw new Error('no retry task in the queue');
    const headers = message.properties.headers as Record<string, unknown>;
    const [args] = JSON.parse(message.content.toString('utf8')) as [unknown[], Record<string, unknown>, unknown];
    expect(headers['task']).toBe(`${factory.queueName(MODEL)}.process_job`);
    expect(args).toEqual([id, 1]);
    expect(headers['retries']).toBe(1);
    const eta = Date.parse(String(headers['eta']));
    expect(eta - failedAt).toBeGreaterThanOrEqual(59_000);
    expect(eta - failedAt).toBeLessThanOrEqual(65_000);
  });
});
