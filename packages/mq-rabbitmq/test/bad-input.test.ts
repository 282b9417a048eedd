/**
 * Bad input and a broker that is away or refuses: typed errors naming host and queue (never the
 * password), jobs recorded instead of orphaned, messages kept in `:dead`, the consumer going on.
 */
import { DelayRetry } from '@specstar/interfaces';
import { BrokerAccessError, BrokerUnavailableError, QueueArgumentMismatchError } from '../src';
import { AMQP_URL, describeBroker, freshPrefix, waitUntil } from './broker';
import { brokerSuite, engine, type Engine } from './engine';

const SECRET = 's3cr3t-Pa55';
const broker = new URL(AMQP_URL);
const HOST = `${broker.hostname}:${broker.port || 5672}`;
/** The test broker with another password. */
const WRONG_PASSWORD_URL = `amqp://${broker.username || 'guest'}:${SECRET}@${HOST}/`;

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('a broker that cannot be reached', () => {
  const engines: Engine[] = [];
  afterEach(async () => {
    for (const made of engines.splice(0)) await made.close();
  });

  it('building the model needs no broker; create() fails with BrokerUnavailableError naming host and queue, and the job is stored failed, not pending', async () => {
    const made = engine({ amqpUrl: `amqp://app:${SECRET}@127.0.0.1:1/`, queuePrefix: 'unreachable:', waitForBrokerSeconds: 0.3 });
    engines.push(made);
    const error = await rejection(made.create());
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(error).toMatchObject({ code: 'broker_unavailable', host: '127.0.0.1:1', vhost: '/', queue: 'unreachable:test_job' });
    expect(error.message).toContain("Queue 'unreachable:test_job'");
    expect(error.message).toContain('127.0.0.1:1');
    expect(error.message).toContain('connection refused');
    expect(error.message).not.toContain(SECRET);
    const [meta] = await made.rm.searchResources({ limit: 10 });
    const job = await made.rm.get(meta!.resource_id);
    expect(job.data.status).toBe('failed');
    expect(job.data.errmsg).toMatch(/^Not queued: .*127\.0\.0\.1:1.*Rerun the job once the broker is reachable\.$/);
    expect(job.data.errmsg).not.toContain(SECRET);
  });

  it('startConsume() fails the same way, naming host and queue', async () => {
    const made = engine({ amqpUrl: `amqp://app:${SECRET}@127.0.0.1:1/`, queuePrefix: 'unreachable:', waitForBrokerSeconds: 0.3 });
    engines.push(made);
    const error = await rejection(made.rm.startConsume());
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(error.message).toContain("Queue 'unreachable:test_job'");
    expect(error.message).not.toContain(SECRET);
    await made.rm.stopConsuming();
  });

  it('a host name that does not resolve says so', async () => {
    const made = engine({ amqpUrl: `amqp://app:${SECRET}@no-such-host.invalid/`, waitForBrokerSeconds: 0 });
    engines.push(made);
    const error = await rejection(made.create());
    expect(error.message).toContain("the host name 'no-such-host.invalid' does not resolve");
    expect(error.message).not.toContain(SECRET);
  });
});

describeBroker('a broker that refuses or holds other settings', () => {
  const { raw, open } = brokerSuite();

  // The waits below are long on purpose: a refusal must fail at once, not after the wait (the
  // test's own timeout would end it first).
  it('wrong credentials: BrokerAccessError at once, naming host and user, never the password', async () => {
    const made = open({ amqpUrl: WRONG_PASSWORD_URL, queuePrefix: freshPrefix(), waitForBrokerSeconds: 120 });
    const error = await rejection(made.create());
    expect(error).toBeInstanceOf(BrokerAccessError);
    expect(error).toMatchObject({ code: 'broker_access_refused', reason: 'credentials', host: HOST });
    expect(error.message).toContain(HOST);
    expect(error.message).toContain('test_job');
    expect(error.message).not.toContain(SECRET);
    expect(await rejection(made.rm.startConsume())).toBeInstanceOf(BrokerAccessError);
    await made.rm.stopConsuming();
  }, 20_000);

  it('a vhost that does not exist: BrokerAccessError naming it', async () => {
    const made = open({ amqpUrl: `${AMQP_URL.replace(/\/[^/]*$/, '')}/no-such-vhost`, queuePrefix: freshPrefix(), waitForBrokerSeconds: 120 });
    const error = await rejection(made.create());
    expect(error).toMatchObject({ code: 'broker_access_refused', reason: 'vhost', vhost: 'no-such-vhost' });
    expect(error.message).toContain("vhost 'no-such-vhost'");
  }, 20_000);

  it('queues declared by Python (pika types the TTL as a signed 32-bit int) are accepted as they are', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    await raw().channel.assertQueue(main, { durable: true });
    await raw().channel.assertQueue(`${main}:dead`, { durable: true });
    await raw().channel.assertQueue(`${main}:retry`, { durable: true, arguments: { 'x-message-ttl': { '!': 'int', value: 10_000 }, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': main } });
    const { rm, create, waitFor } = open({ queuePrefix: prefix });
    await rm.startConsume();
    const id = await create();
    await waitFor(id, 'completed', (job) => job.data.status === 'completed');
  });

  it('a :retry queue with another TTL: start and create fail with QueueArgumentMismatchError naming queue, argument and both values', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    await raw().channel.assertQueue(`${main}:retry`, { durable: true, arguments: { 'x-message-ttl': 5000, 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': main } });
    const made = open({ queuePrefix: prefix, retryDelaySeconds: 10 });
    const started = await rejection(made.rm.startConsume());
    expect(started).toBeInstanceOf(QueueArgumentMismatchError);
    expect(started).toMatchObject({ queue: `${main}:retry`, argument: 'x-message-ttl', existing: '5000', declared: '10000' });
    expect(started.message).toContain(`'${main}:retry'`);
    await made.rm.stopConsuming();
    const created = await rejection(made.create());
    expect(created).toBeInstanceOf(QueueArgumentMismatchError);
    const [meta] = await made.rm.searchResources({ limit: 1 });
    expect((await made.rm.get(meta!.resource_id)).data.errmsg).toContain('x-message-ttl');
  });

  it('messages that carry no job id go to :dead with the reason; the consumer goes on', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    const { rm, create, waitFor, warnings } = open({ queuePrefix: prefix });
    const seen: string[] = [];
    await rm.startConsume();
    raw().publish(main, 'TestJob:does-not-exist');
    raw().publish(main, Buffer.from([0xc3, 0x28, 0xff]));
    raw().publish(main, '');
    const id = await create();
    await waitFor(id, 'completed', (job) => job.data.status === 'completed');
    const dead = await waitUntil('three dead messages', async () => (await raw().count(`${main}:dead`)) === 3 && raw().drain(`${main}:dead`));
    for (const message of dead) seen.push(String(message.properties.headers?.['x-last-error']));
    expect(dead.map((message) => message.content)).toEqual([Buffer.from('TestJob:does-not-exist'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.alloc(0)]);
    expect(seen[0]).toBe(`Queue '${main}': job 'TestJob:does-not-exist' does not exist in 'TestJob' (deleted or never created)`);
    expect(seen[1]).toBe(`Queue '${main}': the message body is not UTF-8 text`);
    expect(seen[2]).toBe(`Queue '${main}': the message body is empty`);
    expect(warnings).toEqual([0, 1, 2].map((n) => `${seen[n]}; moved to '${main}:dead'`));
  });

  it('a poison job that crashes its handler every time ends in :dead and failed; the consumer keeps going', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    const { rm, create, waitFor, calls } = open({
      queuePrefix: prefix,
      maxRetries: 2,
      retryDelaySeconds: 0.2,
      handler: (job) => {
        if (job.data.payload.label === 'poison') throw new TypeError("Cannot read properties of undefined (reading 'x')");
        return undefined;
      },
    });
    await rm.startConsume();
    const poison = await create({ payload: { label: 'poison' } });
    const failed = await waitFor(poison, 'failed', (job) => job.data.status === 'failed');
    expect(failed.data).toMatchObject({ retries: 3, errmsg: "Cannot read properties of undefined (reading 'x')" });
    const dead = await waitUntil('the dead message', async () => (await raw().count(`${main}:dead`)) === 1 && raw().drain(`${main}:dead`));
    expect(dead[0]!.properties.headers).toMatchObject({ 'x-retry-count': 2 });
    const fine = await create();
    await waitFor(fine, 'completed', (job) => job.data.status === 'completed');
    expect(calls.filter((call) => call.id === poison)).toHaveLength(3);
  });

  it('a delivery whose follow-up publish fails for a passing reason goes back to the queue (requeue, not :dead) and runs again (invariant 45)', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    const { rm, create, waitFor, calls, warnings } = open({
      queuePrefix: prefix,
      handler: (job) => (job.data.retries === 0 && calls.length === 1 ? Promise.reject(new DelayRetry(1)) : undefined),
    });
    const queue = rm.messageQueue!;
    const schedule = queue.schedule!.bind(queue);
    let refusals = 0;
    queue.schedule = (id, dueAt) => (refusals++ === 0 ? Promise.reject(new Error('connection reset while publishing')) : schedule(id, dueAt));
    await rm.startConsume();
    const id = await create();
    await waitFor(id, 'completed', (job) => job.data.status === 'completed' && calls.length === 2);
    expect(refusals).toBe(1);
    expect(warnings.some((warning) => warning.includes('goes back to the queue'))).toBe(true);
    expect(await raw().count(`${main}:dead`)).toBe(0);
  });

  it('a job interrupted by stopConsuming (grace period over) goes back to the main queue unused: a requeue, nothing in :retry or :dead (invariant 45)', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    const { rm, create, waitFor, calls } = open({
      queuePrefix: prefix,
      // The first run waits on nothing but its signal; the next one completes.
      handler: (_job, ctx) => (calls.length === 1 ? new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error))) : undefined),
    });
    await rm.startConsume();
    const id = await create();
    await waitUntil('the first run', () => calls.length === 1);
    await rm.stopConsuming({ gracePeriod: 0.2 });
    expect((await rm.get(id)).data).toMatchObject({ status: 'pending', retries: 0 });
    await waitUntil('the message back in the main queue', async () => (await raw().count(main)) === 1);
    expect(await raw().count(`${main}:retry`)).toBe(0);
    expect(await raw().count(`${main}:dead`)).toBe(0);
    await rm.startConsume();
    await waitFor(id, 'completed on the next start', (job) => job.data.status === 'completed');
    expect(calls).toHaveLength(2);
  });

  it('a delay queue held with other arguments: the job is failed with the reason, its message kept in :dead, no endless redelivery', async () => {
    const prefix = freshPrefix();
    const main = `${prefix}test_job`;
    await raw().channel.assertQueue(`${main}:periodic:3s`, { durable: true, arguments: { 'x-message-ttl': 1000 } });
    const { rm, create, waitFor, calls } = open({ queuePrefix: prefix, handler: () => Promise.reject(new DelayRetry(3)) });
    await rm.startConsume();
    const id = await create();
    const job = await waitFor(id, 'failed', (j) => j.data.status === 'failed');
    expect(job.data.errmsg).toContain(`Could not schedule the next run: RabbitMQ queue '${main}:periodic:3s'`);
    expect(job.data.errmsg).toContain('x-message-ttl');
    await waitUntil('the dead message', async () => (await raw().count(`${main}:dead`)) === 1);
    expect(calls).toHaveLength(1);
  });
});
