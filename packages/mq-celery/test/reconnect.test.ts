/**
 * The consumer keeps going by itself when the broker side changes under it: its queue deleted
 * (the broker cancels the consumer; it declares the queue again and subscribes), its connection
 * dropped (it reconnects with backoff and subscribes again). Jobs put afterwards complete, and
 * a put to a queue deleted meanwhile declares it again instead of losing the message.
 */
import { MemoryStorageFactory, SpecStar, jobSchema } from '@specstar/core';
import type { Job, Resource } from '@specstar/interfaces';
import { CeleryMessageQueueFactory } from '../src';
import { AMQP_URL, deleteQueues, describeBroker, freshPrefix, messageCount, watchWarnings, withChannel } from './broker';

jest.setTimeout(60_000);

const MODEL = 'reconnect-job';

async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeBroker('reconnect', () => {
  let prefix: string;
  let factory: CeleryMessageQueueFactory;
  let spec: SpecStar;
  let warnings: string[];

  beforeEach(() => {
    prefix = freshPrefix();
    warnings = watchWarnings();
    factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix });
    spec = new SpecStar({ storageFactory: new MemoryStorageFactory(), messageQueueFactory: factory, defaultUser: 'alice' });
  });

  afterEach(async () => {
    await spec.close();
    await factory.close();
    jest.restoreAllMocks();
    await deleteQueues([`${prefix}${MODEL}`]);
  });

  function model() {
    const calls: string[] = [];
    const rm = spec.addModel<Job>(jobSchema({ type: 'object' }), { name: MODEL, jobHandler: (job: Resource<Job>) => void calls.push(job.info.resource_id) });
    const completed = (id: string) => until(`job ${id} completed`, async () => (await rm.get(id)).data.status === 'completed');
    return { rm, calls, completed, queue: factory.queueName(MODEL) };
  }

  it('a queue deleted under a running consumer is declared again; jobs put afterwards complete', async () => {
    const { rm, calls, completed, queue } = model();
    await rm.startConsume();
    const first = (await rm.create({ payload: {} })).resource_id;
    await completed(first);
    await withChannel((channel) => channel.deleteQueue(queue));
    const second = (await rm.create({ payload: {} })).resource_id;
    await completed(second);
    expect(calls).toEqual([first, second]);
  });

  it('a put to a queue deleted while nobody consumes declares it again: the message waits there', async () => {
    const { rm, queue } = model();
    await rm.create({ payload: {} });
    await withChannel((channel) => channel.deleteQueue(queue));
    await rm.create({ payload: {} });
    expect(await messageCount(queue)).toBe(1);
  });

  it('a dropped connection: the consumer reconnects by itself and jobs put afterwards complete', async () => {
    const { rm, calls, completed } = model();
    await rm.startConsume();
    const first = (await rm.create({ payload: {} })).resource_id;
    await completed(first);
    // A network failure: the socket goes away without an AMQP close.
    const link = (factory as unknown as { link: { model: { connection: { stream: { destroy(error: Error): void } } } | undefined } }).link;
    link.model!.connection.stream.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    const second = (await rm.create({ payload: {} })).resource_id;
    await completed(second);
    expect(calls).toEqual([first, second]);
    expect(warnings.some((text) => text.includes('consuming again'))).toBe(true);
  });
});
