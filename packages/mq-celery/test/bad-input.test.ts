/**
 * What an operator or a stray producer can get wrong, on the real broker: an unreachable broker,
 * wrong credentials and a missing vhost are CeleryBrokerErrors naming host and queue (never the
 * password) and leave the job failed with the reason, never silently pending; messages that are
 * not SpecStar job tasks, or name jobs that do not exist, are dropped with a warning naming the
 * queue while the consumer goes on; a handler that always crashes ends its job failed and the
 * consumer goes on.
 */
import { MemoryStorageFactory, SpecStar, jobSchema, type ResourceManager } from '@specstar/core';
import type { Job, Resource } from '@specstar/interfaces';
import { CeleryBrokerError, CeleryMessageQueueFactory, type CeleryQueueOptions } from '../src';
import { encodeTask, newTask } from '../src/protocol';
import { AMQP_URL, deleteQueues, describeBroker, freshPrefix, messageCount, publishRaw, watchWarnings } from './broker';

const MODEL = 'queue-job';
const PAYLOAD = { type: 'object', properties: { n: { type: 'integer' } } } as const;
const SECRET = 'hunter2-secret';

interface Rig {
  rm: ResourceManager<Job>;
  calls: string[];
  queue: string;
}

describeBroker('bad input', () => {
  let prefix: string;
  const cleanUps: Array<() => Promise<unknown>> = [];
  let warnings: string[] = [];

  beforeEach(() => {
    prefix = freshPrefix();
    warnings = watchWarnings();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
    await deleteQueues([`${prefix}${MODEL}`]);
  });

  function rig(options: CeleryQueueOptions, handler: (job: Resource<Job>, factory: CeleryMessageQueueFactory) => unknown = () => undefined): Rig {
    const factory = new CeleryMessageQueueFactory({ queuePrefix: prefix, retryDelaySeconds: 0.1, connectTimeoutSeconds: 5, ...options });
    const spec = new SpecStar({ storageFactory: new MemoryStorageFactory(), messageQueueFactory: factory, defaultUser: 'alice' });
    cleanUps.push(async () => {
      await spec.close();
      await factory.close();
    });
    const calls: string[] = [];
    const rm = spec.addModel<Job>(jobSchema(PAYLOAD), {
      name: MODEL,
      jobHandler: (job: Resource<Job>) => {
        calls.push(job.info.resource_id);
        return handler(job, factory);
      },
    });
    return { rm, calls, queue: factory.queueName(MODEL) };
  }

  async function waitForStatus(rm: Rig['rm'], id: string, status: string): Promise<Resource<Job>> {
    for (let i = 0; i < 400; i++) {
      const job = await rm.get(id);
      if (job.data.status === status) return job;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`job ${id} never became ${status}: ${JSON.stringify((await rm.get(id)).data)}`);
  }

  /** Creating a job through a broker that refuses: the error, and the job as stored afterwards. */
  async function refusedCreate(brokerUrl: string): Promise<{ error: CeleryBrokerError; job: Job; queue: string; rm: Rig['rm'] }> {
    const { rm, queue } = rig({ brokerUrl });
    let error: unknown;
    let id = '';
    try {
      id = (await rm.create({ payload: { n: 1 } })).resource_id;
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CeleryBrokerError);
    const [meta] = await rm.searchResources({ limit: 1 });
    id ||= meta!.resource_id;
    return { error: error as CeleryBrokerError, job: (await rm.get(id)).data, queue, rm };
  }

  it('an unreachable broker: create fails naming host, port and queue, and the job reads failed with the reason (rerun it later)', async () => {
    const { error, job, queue, rm } = await refusedCreate(`amqp://guest:${SECRET}@127.0.0.1:1//`);
    expect(error).toMatchObject({ problem: 'unreachable', host: '127.0.0.1', port: 1, vhost: '/', queue });
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain(queue);
    expect(job).toMatchObject({ status: 'failed', retries: 0 });
    expect(job.errmsg).toContain(queue);
    expect(job.errmsg).toContain('127.0.0.1:1');
    for (const text of [error.message, job.errmsg!]) expect(text).not.toContain(SECRET);
    // Starting a consumer there fails the same way.
    const started = await rm.startConsume().then(() => null, (caught: unknown) => caught);
    expect(started).toBeInstanceOf(CeleryBrokerError);
    expect(started).toMatchObject({ problem: 'unreachable', queue });
    await rm.stopConsuming();
  });

  it('wrong credentials: access refused, naming the user and the broker, never the password', async () => {
    const { error, job, queue } = await refusedCreate(`amqp://guest:${SECRET}@127.0.0.1:5672//`);
    expect(error).toMatchObject({ problem: 'access_refused', host: '127.0.0.1', port: 5672, queue });
    expect(error.message).toContain("user 'guest'");
    expect(error.message).toContain(queue);
    expect(job.status).toBe('failed');
    for (const text of [error.message, job.errmsg!, String((error.cause as Error | undefined)?.message)]) expect(text).not.toContain(SECRET);
  });

  it('a vhost that does not exist: refused, naming the vhost', async () => {
    const { error, job, queue } = await refusedCreate('amqp://guest:guest@127.0.0.1:5672/no-such-vhost');
    expect(error).toMatchObject({ problem: 'vhost_refused', vhost: 'no-such-vhost', queue });
    expect(error.message).toContain("vhost 'no-such-vhost'");
    expect(job.status).toBe('failed');
  });

  it('messages that are not job tasks, name unknown jobs or have expired are dropped with a warning naming the queue; the consumer goes on', async () => {
    const { rm, calls, queue } = rig({ brokerUrl: AMQP_URL });
    const good = (await rm.create({ payload: { n: 1 } })).resource_id; // also declares the queue
    const task = (jobId: string, headers: Record<string, unknown> = {}) => {
      const { content, options } = encodeTask(queue, newTask(jobId));
      return { content, options: { ...options, headers: { ...options.headers, ...headers } } };
    };
    const strays = [
      { content: Buffer.from('not json'), options: task('x').options },
      { content: Buffer.from([0x80, 0x04, 0x95]), options: { ...task('x').options, contentType: 'application/x-python-serialize' } },
      task('x', { task: 'tasks.add' }),
      { content: Buffer.from(JSON.stringify([{ id: 'x' }, {}, {}])), options: task('x').options },
      task('x', { eta: 'tomorrow' }),
      task(`${MODEL}:no-such-job`),
      task(good, { expires: '2020-01-01T00:00:00+00:00' }),
    ];
    await publishRaw(queue, strays);
    const last = (await rm.create({ payload: { n: 2 } })).resource_id;
    await rm.startConsume({ heartbeatInterval: 1 });
    await waitForStatus(rm, last, 'completed');
    await waitForStatus(rm, good, 'completed');
    await rm.stopConsuming();
    expect(calls).toEqual([good, last]);
    expect(await messageCount(queue)).toBe(0);
    const about = warnings.filter((text) => text.includes(`'${queue}'`));
    expect(about).toHaveLength(strays.length);
    expect(about.filter((text) => text.includes('not a SpecStar job task'))).toHaveLength(strays.length - 2);
    expect(about.some((text) => text.includes(`'${MODEL}:no-such-job'`) && text.includes('does not exist'))).toBe(true);
    expect(about.some((text) => text.includes(`'${good}'`) && text.includes('expired'))).toBe(true);
  });

  it('a handler that crashes every time ends its job failed after its retries; the jobs after it complete', async () => {
    const { rm, calls } = rig({ brokerUrl: AMQP_URL, maxRetries: 2 }, (job) => {
      if ((job.data.payload as { n: number }).n === 0) throw new Error('poison');
    });
    const poison = (await rm.create({ payload: { n: 0 } })).resource_id;
    const others = [(await rm.create({ payload: { n: 1 } })).resource_id, (await rm.create({ payload: { n: 2 } })).resource_id];
    await rm.startConsume({ heartbeatInterval: 1 });
    const failed = await waitForStatus(rm, poison, 'failed');
    for (const id of others) await waitForStatus(rm, id, 'completed');
    expect(failed.data).toMatchObject({ retries: 3, errmsg: 'poison' });
    expect(calls.filter((id) => id === poison)).toHaveLength(3);
    const after = (await rm.create({ payload: { n: 3 } })).resource_id;
    await waitForStatus(rm, after, 'completed');
  });

  it('a retry the consumer cannot publish leaves the job failed with the reason, never pending without a message', async () => {
    const { rm, calls } = rig({ brokerUrl: AMQP_URL, publishPatienceSeconds: 0.5 }, async (_job, factory) => {
      await factory.close(); // the connection goes away while the job runs
      throw new Error('first attempt fails');
    });
    const id = (await rm.create({ payload: { n: 1 } })).resource_id;
    await rm.startConsume({ heartbeatInterval: 1 });
    const failed = await waitForStatus(rm, id, 'failed');
    expect(failed.data.retries).toBe(1);
    expect(failed.data.errmsg).toContain('Could not publish retry 1');
    expect(failed.data.errmsg).toContain(`'${prefix}${MODEL}'`);
    expect(calls).toEqual([id]);
    expect(warnings.some((text) => text.includes(id) && text.includes('marked failed'))).toBe(true);
  });
});
