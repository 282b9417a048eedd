/**
 * What a Python SpecStar process sharing the broker sees: queue names and argument tables
 * (invariants 55, 56), message bodies, properties and headers (23, 57), the retry delay (24).
 */
import { NoRetry } from '@specstar/interfaces';
import { describeBroker, freshPrefix, listQueues, waitUntil } from './broker';
import { brokerSuite, type Engine } from './engine';

const FIVE_HUNDRED = 500;

describeBroker('RabbitMQ wire format', () => {
  const { raw, open } = brokerSuite();

  it('start() declares main, :dead and :retry, durable, with the retry TTL typed as pika types it', async () => {
    const prefix = freshPrefix();
    const { rm } = open({ queuePrefix: prefix, retryDelaySeconds: 7 });
    expect(listQueues(prefix)).toEqual([]);
    await rm.startConsume();
    const main = `${prefix}test_job`;
    expect(listQueues(prefix).map(({ name, durable, arguments: args }) => ({ name, durable, args }))).toEqual([
      { name: main, durable: true, args: [] },
      { name: `${main}:dead`, durable: true, args: [] },
      {
        name: `${main}:retry`,
        durable: true,
        args: expect.arrayContaining([
          ['x-message-ttl', 'signedint', 7000],
          ['x-dead-letter-exchange', 'longstr', ''],
          ['x-dead-letter-routing-key', 'longstr', main],
        ]),
      },
    ]);
    expect(listQueues(`${main}:retry`)[0]?.arguments).toHaveLength(3);
  });

  it('the first put() declares the same three queues and publishes the bare id, persistent, without content type or headers', async () => {
    const prefix = freshPrefix();
    const { create } = open({ queuePrefix: prefix, model: 'generate-article-job' });
    const id = await create();
    const main = `${prefix}generate_article_job`;
    expect(listQueues(prefix).map((queue) => queue.name)).toEqual([main, `${main}:dead`, `${main}:retry`]);
    const [message, more] = await raw().drain(main);
    expect(more).toBeUndefined();
    expect(message!.content.toString('utf8')).toBe(id);
    expect(message!.fields).toMatchObject({ exchange: '', routingKey: main });
    expect(message!.properties).toMatchObject({ deliveryMode: 2, contentType: undefined, contentEncoding: undefined });
    expect(message!.properties.headers ?? {}).toEqual({});
  });

  // Delays long enough that a loaded machine cannot let the TTL run out before the test drains the queues.
  it('a delay of N s goes through {main}:periodic:{N}s (TTL N s, dead-lettered to main), one queue per N, no headers', async () => {
    const prefix = freshPrefix();
    const { create, rm } = open({ queuePrefix: prefix });
    const fiveMinutes = await create({ periodic_initial_delay_seconds: 300 });
    const sevenMinutes = await create({ periodic_initial_delay_seconds: 420 });
    const main = `${prefix}test_job`;
    const periodic = listQueues(`${main}:periodic:`);
    expect(periodic.map(({ name, arguments: args }) => ({ name, args: [...args].sort((a, b) => a[0].localeCompare(b[0])) }))).toEqual([
      { name: `${main}:periodic:300s`, args: [['x-dead-letter-exchange', 'longstr', ''], ['x-dead-letter-routing-key', 'longstr', main], ['x-message-ttl', 'signedint', 300000]] },
      { name: `${main}:periodic:420s`, args: [['x-dead-letter-exchange', 'longstr', ''], ['x-dead-letter-routing-key', 'longstr', main], ['x-message-ttl', 'signedint', 420000]] },
    ]);
    const [delayed] = await raw().drain(`${main}:periodic:300s`);
    expect(delayed!.content.toString()).toBe(fiveMinutes);
    expect(delayed!.properties).toMatchObject({ deliveryMode: 2 });
    expect(delayed!.properties.headers ?? {}).toEqual({});
    expect((await raw().drain(`${main}:periodic:420s`)).map((m) => m.content.toString())).toEqual([sevenMinutes]);
    // While it waits for its first run the job reads pending (invariant 36, RabbitMQ).
    expect((await rm.get(fiveMinutes)).data.status).toBe('pending');
    expect(await raw().count(main)).toBe(0);
  });

  it('a failure with retries left goes to :retry with x-retry-count n+1 and the first 500 characters of the error; the stored errmsg is whole', async () => {
    const prefix = freshPrefix();
    const message = `${'x'.repeat(FIVE_HUNDRED)}-and-more`;
    const { create, rm, waitFor, calls } = open({ queuePrefix: prefix, retryDelaySeconds: 600, handler: () => Promise.reject(new Error(message)) });
    const id = await create();
    await rm.startConsume();
    const job = await waitFor(id, 'pending after one failure', (j) => j.data.retries === 1);
    expect(job.data).toMatchObject({ status: 'pending', errmsg: message });
    const main = `${prefix}test_job`;
    const [retry] = await waitUntil('the retry message', async () => (await raw().count(`${main}:retry`)) === 1 && raw().drain(`${main}:retry`));
    expect(retry!.content.toString()).toBe(id);
    expect(retry!.properties.headers).toEqual({ 'x-retry-count': 1, 'x-last-error': message.slice(0, FIVE_HUNDRED) });
    expect(retry!.properties.deliveryMode).toBe(2);
    expect(await raw().count(`${main}:dead`)).toBe(0);
    expect(calls).toHaveLength(1);
  });

  it('NoRetry goes to :dead once, never to :retry (invariant 18)', async () => {
    const prefix = freshPrefix();
    const { create, rm, waitFor } = open({ queuePrefix: prefix, retryDelaySeconds: 600, handler: () => Promise.reject(new NoRetry('bad payload')) });
    const id = await create();
    await rm.startConsume();
    await waitFor(id, 'failed', (j) => j.data.status === 'failed');
    const main = `${prefix}test_job`;
    const dead = await waitUntil('the dead message', async () => (await raw().count(`${main}:dead`)) === 1 && raw().drain(`${main}:dead`));
    expect(dead.map((m) => [m.content.toString(), m.properties.headers])).toEqual([[id, { 'x-retry-count': 0, 'x-last-error': 'bad payload' }]]);
    expect(await raw().count(`${main}:retry`)).toBe(0);
    expect((await rm.get(id)).data).toMatchObject({ status: 'failed', retries: 1, errmsg: 'bad payload' });
  });

  it('x-retry-count written as a string by another producer is read; at the limit the message goes to :dead with the count unchanged', async () => {
    const prefix = freshPrefix();
    const { create, rm, waitFor, calls } = open({ queuePrefix: prefix, maxRetries: 3, handler: () => Promise.reject(new Error('still broken')) });
    const id = await create();
    const main = `${prefix}test_job`;
    await raw().drain(main); // drop our own message; publish the one a Python retry would deliver
    raw().publish(main, id, { 'x-retry-count': '3', 'x-last-error': 'earlier' });
    await rm.startConsume();
    const job = await waitFor(id, 'failed', (j) => j.data.status === 'failed');
    expect(job.data).toMatchObject({ retries: 4, errmsg: 'still broken' });
    expect(calls.map((call) => call.retries)).toEqual([0]);
    const dead = await waitUntil('the dead message', async () => (await raw().count(`${main}:dead`)) === 1 && raw().drain(`${main}:dead`));
    expect(dead[0]!.properties.headers).toMatchObject({ 'x-retry-count': 3, 'x-last-error': 'still broken' });
  });

  it('the next attempt comes no earlier than retry_delay_seconds after the failure (invariant 24)', async () => {
    const prefix = freshPrefix();
    const failedAt: number[] = [];
    const { create, rm, waitFor, calls } = open({
      queuePrefix: prefix,
      retryDelaySeconds: 1,
      handler: (job) => {
        if (job.data.retries > 0) return undefined;
        failedAt.push(Date.now());
        throw new Error('first try fails');
      },
    });
    const id = await create();
    await rm.startConsume();
    await waitFor(id, 'completed', (j) => j.data.status === 'completed');
    expect(calls).toHaveLength(2);
    expect(calls[1]!.at - failedAt[0]!).toBeGreaterThanOrEqual(1000);
  });

  it('a job published by another producer (bare id, persistent, no headers) runs', async () => {
    const prefix = freshPrefix();
    const { rm, waitFor } = open({ queuePrefix: prefix, waitForBrokerSeconds: 0 });
    await rm.startConsume();
    // Stored by an API process that does not publish (as a Python producer would have done).
    const id = await storeWithoutPublishing(rm);
    raw().publish(`${prefix}test_job`, id);
    await waitFor(id, 'completed', (j) => j.data.status === 'completed');
  });
});

/** Stores a pending job through the manager of a model whose queue is not consulted (no put). */
async function storeWithoutPublishing(rm: Engine['rm']): Promise<string> {
  const queue = rm.messageQueue!;
  const put = queue.put.bind(queue);
  queue.put = () => Promise.resolve();
  try {
    return (await rm.create({ payload: { n: 2 } })).resource_id;
  } finally {
    queue.put = put;
  }
}
