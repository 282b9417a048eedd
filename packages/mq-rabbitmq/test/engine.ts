/** A SpecStar on memory storage with one job model on a RabbitMQ factory, for the broker tests. */
import { jobSchema, MemoryStorageFactory, SpecStar, type ResourceManager } from '@specstar/core';
import type { IStorageFactory, Job, JobContext, Resource } from '@specstar/interfaces';
import { RabbitMQMessageQueueFactory, type RabbitMQQueueOptions } from '../src';
import { AMQP_URL, deleteTestQueues, RawBroker, waitUntil } from './broker';

export type TestJob = Job<{ n?: number; label?: string }>;

export interface Call {
  id: string;
  at: number;
  retries: number;
}

export interface Engine {
  spec: SpecStar;
  rm: ResourceManager<TestJob>;
  factory: RabbitMQMessageQueueFactory;
  calls: Call[];
  warnings: string[];
  create(fields?: Partial<TestJob>): Promise<string>;
  waitFor(id: string, what: string, predicate: (job: Resource<TestJob>) => boolean, timeoutMs?: number): Promise<Resource<TestJob>>;
  close(): Promise<void>;
}

export interface EngineOptions extends RabbitMQQueueOptions {
  model?: string;
  storageFactory?: IStorageFactory;
  handler?: (job: Resource<TestJob>, ctx: JobContext) => unknown;
}

const PAYLOAD = { type: 'object', properties: { n: { type: 'integer' }, label: { type: 'string' } } } as const;

export function engine(options: EngineOptions = {}): Engine {
  const { model = 'TestJob', storageFactory = new MemoryStorageFactory(), handler, ...queueOptions } = options;
  const warnings: string[] = [];
  const factory = new RabbitMQMessageQueueFactory({ amqpUrl: AMQP_URL, reconnectMaxDelaySeconds: 1, onWarning: (message) => warnings.push(message), ...queueOptions });
  const spec = new SpecStar({ storageFactory, defaultUser: 'tester' });
  const calls: Call[] = [];
  const rm = spec.addModel<TestJob>(jobSchema(PAYLOAD), {
    name: model,
    messageQueueFactory: factory,
    jobHandler: (job: Resource<TestJob>, ctx: JobContext) => {
      calls.push({ id: job.info.resource_id, at: Date.now(), retries: job.data.retries });
      return handler?.(job, ctx);
    },
  });
  return {
    spec,
    rm,
    factory,
    calls,
    warnings,
    async create(fields = {}) {
      return (await rm.create({ payload: { n: 1 }, ...fields })).resource_id;
    },
    waitFor(id, what, predicate, timeoutMs = 20_000) {
      return waitUntil(
        `job ${id}: ${what}`,
        async () => {
          const job = await rm.get(id);
          return predicate(job) ? job : false;
        },
        timeoutMs,
      );
    },
    async close() {
      await spec.close();
      await factory.close();
    },
  };
}

/**
 * The per-describe setup of the broker suites: a raw channel for looking behind the queue's back,
 * and `open()` for engines that are closed after each test; queues are deleted after the suite.
 * Call it inside a `describe`.
 */
export function brokerSuite(): { raw: () => RawBroker; open: (options?: EngineOptions) => Engine } {
  let raw: RawBroker | undefined;
  const engines: Engine[] = [];
  beforeAll(async () => {
    raw = await RawBroker.open();
  });
  afterEach(async () => {
    for (const made of engines.splice(0)) await made.close();
  });
  afterAll(async () => {
    await raw?.close();
    await deleteTestQueues();
  });
  return {
    raw: () => raw ?? fail('the raw broker channel is not open'),
    open: (options) => {
      const made = engine(options);
      engines.push(made);
      return made;
    },
  };
}
