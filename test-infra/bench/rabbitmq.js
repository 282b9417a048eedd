// RabbitMQ job queue benchmark: @specstar/mq-rabbitmq beside the simple queue on the same (memory)
// store, and raw amqplib moving the same bodies as the ceiling.
//   latency     create → completed, one job at a time with an idle consumer (p50/p99); raw: one
//               confirmed publish of a bare id → its delivery to a consumer that acks it
//   throughput  jobs/s with the consumer running while jobs are created one after another (each
//               create awaits its put, as an API process does), until the last is completed;
//               consumer concurrency 1 and 4. Raw: the same number of confirmed publishes of the
//               same bodies, consumed and acked at prefetch 1 and 4, until the last ack
//
// Run: pnpm bench:rabbitmq (from the repository root); needs RabbitMQ on 127.0.0.1:5672 (guest)
//      or BENCH_AMQP_URL. Sizes: BENCH_RMQ_JOBS (default 2000) per throughput run,
//      BENCH_RMQ_LATENCY (default 300). Every queue it declares starts with `specstar-bench-`
//      and is deleted at the end.
'use strict';
const crypto = require('node:crypto');
const amqp = require('amqplib');
const { SpecStar, jobSchema, MemoryStorageFactory, SimpleMessageQueueFactory } = require('@specstar/core');
const { RabbitMQMessageQueueFactory } = require('@specstar/mq-rabbitmq');

const URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const JOBS = Number(process.env.BENCH_RMQ_JOBS ?? 2000);
const LATENCY_JOBS = Number(process.env.BENCH_RMQ_LATENCY ?? 300);
const PREFIX = `specstar-bench-${crypto.randomBytes(3).toString('hex')}:`;
const TaskSchema = jobSchema({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const seconds = (start) => Number(process.hrtime.bigint() - start) / 1e9;

/**
 * A registry with one job model on `queueFactory` over a memory store whose commits are watched,
 * so a job counts as done the moment its `completed` write lands.
 */
function setup(queueFactory) {
  const waiters = new Map();
  const finished = new Set();
  const storageFactory = new MemoryStorageFactory();
  const spec = new SpecStar({ storageFactory, defaultUser: 'bench' });
  const inner = storageFactory.build('task');
  const storage = new Proxy(inner, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver);
      if (key !== 'commit' || typeof member !== 'function') return typeof member === 'function' ? member.bind(target) : member;
      return async (write, ...rest) => {
        const result = await member.call(target, write, ...rest);
        if (write.meta.indexed_data?.status === 'completed') {
          const resolve = waiters.get(write.meta.resource_id);
          if (resolve) resolve();
          else finished.add(write.meta.resource_id);
        }
        return result;
      };
    },
  });
  const rm = spec.addModel(TaskSchema, { name: 'task', storage, messageQueueFactory: queueFactory, jobHandler: async () => undefined });
  const completed = (id) => (finished.delete(id) ? Promise.resolve() : new Promise((resolve) => waiters.set(id, resolve)));
  return { spec, rm, completed };
}

async function jobLatency(rm, completed) {
  await rm.startConsume({ concurrency: 1 });
  await new Promise((r) => setTimeout(r, 300)); // the consumer goes idle
  const samples = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const start = process.hrtime.bigint();
    const info = await rm.create({ payload: { n: i } });
    await completed(info.resource_id);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  await rm.stopConsuming();
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function jobThroughput(rm, completed, concurrency) {
  await rm.startConsume({ concurrency });
  const start = process.hrtime.bigint();
  const done = [];
  for (let i = 0; i < JOBS; i++) done.push(completed((await rm.create({ payload: { n: i } })).resource_id));
  await Promise.all(done);
  const rate = JOBS / seconds(start);
  await rm.stopConsuming();
  return rate;
}

async function runQueue(label, makeFactory) {
  const factory = makeFactory();
  const { spec, rm, completed } = setup(factory);
  try {
    const latency = await jobLatency(rm, completed);
    const one = await jobThroughput(rm, completed, 1);
    const four = await jobThroughput(rm, completed, 4);
    return { label, latency, one, four };
  } finally {
    await spec.close();
    await factory.close?.();
  }
}

/** Raw amqplib: confirmed publishes of bare ids to a durable queue, consumed with manual acks. */
async function runRaw() {
  // noDelay as the adapter sets it: without it Nagle's algorithm holds small frames back.
  const model = await amqp.connect(URL, { noDelay: true });
  const queue = `${PREFIX}raw`;
  const publisher = await model.createConfirmChannel();
  const publish = (body) => new Promise((resolve, reject) => publisher.sendToQueue(queue, body, { persistent: true, mandatory: true }, (error) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve())));
  await publisher.assertQueue(queue, { durable: true });
  const bodies = Array.from({ length: Math.max(JOBS, LATENCY_JOBS) }, () => Buffer.from(`task:${crypto.randomUUID()}`));

  async function consumer(prefetch, onMessage) {
    const channel = await model.createChannel();
    await channel.prefetch(prefetch);
    const { consumerTag } = await channel.consume(queue, (message) => {
      channel.ack(message);
      onMessage(message.content.toString('utf8'));
    });
    return async () => {
      await channel.cancel(consumerTag);
      await channel.close();
    };
  }

  try {
    // Latency: one message at a time through an idle consumer.
    let arrived;
    const stopLatency = await consumer(1, () => arrived());
    const samples = [];
    for (let i = 0; i < LATENCY_JOBS; i++) {
      const start = process.hrtime.bigint();
      const got = new Promise((resolve) => (arrived = resolve));
      await publish(bodies[i]);
      await got;
      samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    await stopLatency();
    samples.sort((a, b) => a - b);

    const throughput = async (prefetch) => {
      let left = JOBS;
      let allDone;
      const all = new Promise((resolve) => (allDone = resolve));
      const stop = await consumer(prefetch, () => --left === 0 && allDone());
      const start = process.hrtime.bigint();
      for (let i = 0; i < JOBS; i++) await publish(bodies[i]);
      await all;
      const rate = JOBS / seconds(start);
      await stop();
      return rate;
    };
    return { label: 'raw amqplib', latency: { p50: percentile(samples, 50), p99: percentile(samples, 99) }, one: await throughput(1), four: await throughput(4) };
  } finally {
    await publisher.deleteQueue(queue).catch(() => undefined);
    await model.close();
  }
}

async function deleteBenchQueues() {
  const model = await amqp.connect(URL);
  const channel = await model.createChannel();
  for (const suffix of ['task', 'task:dead', 'task:retry']) await channel.deleteQueue(`${PREFIX}${suffix}`);
  await model.close();
}

async function main() {
  const rows = [];
  rows.push(await runQueue('simple', () => new SimpleMessageQueueFactory()));
  try {
    rows.push(await runQueue('rabbitmq', () => new RabbitMQMessageQueueFactory({ amqpUrl: URL, queuePrefix: PREFIX })));
    rows.push(await runRaw());
  } finally {
    await deleteBenchQueues();
  }
  print(rows);
}

function print(rows) {
  const raw = rows.find((row) => row.label === 'raw amqplib');
  const ours = rows.find((row) => row.label === 'rabbitmq');
  console.log(`\nJobs on RabbitMQ (${URL.replace(/:[^:@/]*@/, ':***@')}), memory store; ${JOBS} jobs per throughput run, ${LATENCY_JOBS} for latency`);
  console.log('queue'.padEnd(13) + 'create→completed p50 / p99 ms'.padStart(32) + 'jobs/s (1)'.padStart(13) + 'jobs/s (4)'.padStart(13));
  for (const row of rows) {
    console.log(row.label.padEnd(13) + `${row.latency.p50.toFixed(2)} / ${row.latency.p99.toFixed(2)}`.padStart(32) + row.one.toFixed(0).padStart(13) + row.four.toFixed(0).padStart(13));
  }
  for (const [name, key] of [['concurrency 1', 'one'], ['concurrency 4', 'four']]) {
    const ratio = ours[key] / raw[key];
    console.log(`rabbitmq ÷ raw amqplib, ${name}: ${ratio.toFixed(2)} (target ≥ 0.50${ratio < 0.5 ? ' MISSED' : ''})`);
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
