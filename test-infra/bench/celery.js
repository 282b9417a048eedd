// Celery queue benchmark: @specstar/mq-celery on RabbitMQ beside the simple queue on the same
// store, with raw amqplib publish + consume of the same Celery messages as the ceiling.
//   latency     create → completed, one job at a time with an idle consumer (p50/p99)
//   throughput  jobs/s for a batch created up front, consumer concurrency 1 and 4
//   raw         amqplib alone: publish on a confirm channel (as the queue does) and consume,
//               acknowledging each, protocol v2 messages with the same headers and body shape;
//               one at a time (p50/p99) and a batch (msgs/s) with the prefetch the queue's
//               consumer uses at concurrency 1 and 4 (4 and 16: Celery's multiplier 4)
//
// Run: pnpm bench:celery (from the repository root); needs RabbitMQ (BENCH_AMQP_URL, default
//      amqp://guest:guest@127.0.0.1:5672//). Sizes: BENCH_CELERY_JOBS (default 300) jobs per
//      throughput batch, BENCH_CELERY_LATENCY (default 200). BENCH_CELERY_DISK=0 skips the disk rows.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const amqp = require('amqplib');
const { SpecStar, MemoryStorageFactory, SimpleMessageQueueFactory, jobSchema } = require('@specstar/core');
const { CeleryMessageQueueFactory } = require('@specstar/mq-celery');
const { DiskStorageFactory } = require('@specstar/storage-disk');

const AMQP_URL = process.env.BENCH_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672//';
const JOBS = Number(process.env.BENCH_CELERY_JOBS ?? 300);
const LATENCY_JOBS = Number(process.env.BENCH_CELERY_LATENCY ?? 200);
const WITH_DISK = process.env.BENCH_CELERY_DISK !== '0';
const MODEL = 'task';

const TaskSchema = jobSchema({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function latencyOf(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

const elapsedMs = (start) => Number(process.hrtime.bigint() - start) / 1e6;

/** The storage of the job model, with every `completed` write reported (how the bench sees a job end). */
function watched(storage, onCompleted) {
  return new Proxy(storage, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver);
      if (key !== 'commit' || typeof member !== 'function') return typeof member === 'function' ? member.bind(target) : member;
      return (write, ...rest) =>
        member.call(target, write, ...rest).then((result) => {
          if (write.meta.indexed_data?.status === 'completed') onCompleted(write.meta.resource_id);
          return result;
        });
    },
  });
}

/** A registry with one job model on `storageFactory` and `queueFactory`; `completed(id)` resolves when the job is written completed. */
function setup(storageFactory, queueFactory) {
  const waiters = new Map();
  const finished = new Set();
  const spec = new SpecStar({ storageFactory, defaultUser: 'bench' });
  const storage = watched(storageFactory.build(MODEL), (id) => {
    const resolve = waiters.get(id);
    if (resolve) {
      waiters.delete(id);
      resolve();
    } else finished.add(id);
  });
  const rm = spec.addModel(TaskSchema, { name: MODEL, storage, messageQueueFactory: queueFactory, jobHandler: async (job, ctx) => ctx.info(`n=${job.data.payload.n}`) });
  const completed = (id) => (finished.delete(id) ? Promise.resolve() : new Promise((resolve) => waiters.set(id, resolve)));
  return { spec, rm, completed };
}

async function latency(rm, completed) {
  await rm.startConsume({ concurrency: 1 });
  await new Promise((resolve) => setTimeout(resolve, 200)); // an idle consumer
  const samples = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const start = process.hrtime.bigint();
    const info = await rm.create({ payload: { n: i } });
    await completed(info.resource_id);
    samples.push(elapsedMs(start));
  }
  await rm.stopConsuming();
  return latencyOf(samples);
}

async function throughput(rm, completed, concurrency) {
  const ids = [];
  for (let i = 0; i < JOBS; i++) ids.push((await rm.create({ payload: { n: i } })).resource_id);
  const all = Promise.all(ids.map((id) => completed(id)));
  const start = process.hrtime.bigint();
  await rm.startConsume({ concurrency });
  await all;
  const seconds = elapsedMs(start) / 1000;
  await rm.stopConsuming();
  return JOBS / seconds;
}

async function runQueue(label, store, storageFactory, queueFactory) {
  const { spec, rm, completed } = setup(storageFactory, queueFactory);
  try {
    const lat = await latency(rm, completed);
    const one = await throughput(rm, completed, 1);
    const four = await throughput(rm, completed, 4);
    return { label, store, lat, one, four };
  } finally {
    await spec.close();
    await queueFactory.close?.();
  }
}

// ---- raw amqplib ---------------------------------------------------------------------------

/** The headers and properties the Celery queue writes, read back from one message it published. */
async function celeryMessageShape(connection, queue) {
  const factory = new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: queue.slice(0, -MODEL.length) });
  const { spec, rm } = setup(new MemoryStorageFactory(), factory);
  await rm.create({ payload: { n: 0 } });
  await spec.close();
  await factory.close();
  const channel = await connection.createChannel();
  const message = await channel.get(queue, { noAck: true });
  await channel.close();
  if (!message) throw new Error('no message to copy the shape from');
  const { headers, correlationId, replyTo, contentType, contentEncoding, deliveryMode, priority } = message.properties;
  return { headers, options: { correlationId, replyTo, contentType, contentEncoding, deliveryMode, priority } };
}

function rawMessage(shape, i) {
  const id = crypto.randomUUID();
  const jobId = `${MODEL}:${id}`;
  const content = Buffer.from(JSON.stringify([[jobId], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]));
  const headers = { ...shape.headers, id, root_id: id, argsrepr: `['${jobId}']` };
  return { content, options: { ...shape.options, headers, correlationId: id, messageId: String(i), mandatory: true } };
}

async function rawAmqp(connection, queue, shape) {
  const publisher = await connection.createConfirmChannel();
  const publish = (i) =>
    new Promise((resolve, reject) => {
      const { content, options } = rawMessage(shape, i);
      publisher.publish('', queue, content, options, (error) => (error ? reject(error instanceof Error ? error : new Error('publish refused')) : resolve()));
    });
  const consumer = await connection.createChannel();

  // One at a time: publish (confirmed) → delivered → acknowledged.
  await consumer.prefetch(1, true);
  let arrived;
  const { consumerTag } = await consumer.consume(queue, (message) => {
    consumer.ack(message);
    arrived?.();
  });
  const samples = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const start = process.hrtime.bigint();
    const delivered = new Promise((resolve) => (arrived = resolve));
    await publish(i);
    await delivered;
    samples.push(elapsedMs(start));
  }
  await consumer.cancel(consumerTag);

  // A batch published up front, then consumed with prefetch N.
  const batch = async (prefetch) => {
    for (let i = 0; i < JOBS; i++) await publish(i);
    let left = JOBS;
    let done;
    const all = new Promise((resolve) => (done = resolve));
    const start = process.hrtime.bigint();
    await consumer.prefetch(prefetch, true);
    const { consumerTag: tag } = await consumer.consume(queue, (message) => {
      consumer.ack(message);
      if (--left === 0) done();
    });
    await all;
    const seconds = elapsedMs(start) / 1000;
    await consumer.cancel(tag);
    return JOBS / seconds;
  };
  // The queue's consumer reserves concurrency × 4 (Celery's prefetch multiplier): the same here.
  const one = await batch(4);
  const four = await batch(16);
  await publisher.close();
  await consumer.close();
  return { lat: latencyOf(samples), one, four };
}

// ---- main ----------------------------------------------------------------------------------

async function main() {
  const prefix = `specstar-bench-${crypto.randomBytes(3).toString('hex')}.`;
  const queue = `${prefix}${MODEL}`;
  const connection = await amqp.connect(AMQP_URL, { noDelay: true });
  const rows = [];
  let raw;
  const dirs = [];
  try {
    const stores = [['memory', () => new MemoryStorageFactory()]];
    if (WITH_DISK) {
      stores.push([
        'disk',
        () => {
          const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-celery-'));
          dirs.push(dir);
          return new DiskStorageFactory(dir);
        },
      ]);
    }
    for (const [store, make] of stores) {
      rows.push(await runQueue('simple', store, make(), new SimpleMessageQueueFactory()));
      rows.push(await runQueue('celery', store, make(), new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix })));
    }
    const shape = await celeryMessageShape(connection, queue);
    raw = await rawAmqp(connection, queue, shape);
  } finally {
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue).catch(() => undefined);
    await channel.deleteExchange(queue).catch(() => undefined);
    await connection.close();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  }
  print(rows, raw);
}

function print(rows, raw) {
  const fixed = (n, digits = 0) => n.toFixed(digits);
  console.log('\nJobs: the Celery queue on RabbitMQ beside the simple queue, create → completed');
  for (const r of rows) {
    const simple = rows.find((other) => other.label === 'simple' && other.store === r.store);
    const vsSimple = r.label === 'celery' ? ` | ÷ simple ${fixed(r.one / simple.one, 2)} (1), ${fixed(r.four / simple.four, 2)} (4)` : '';
    const vsRaw = r.label === 'celery' ? ` | ÷ raw amqplib ${fixed(r.one / raw.one, 2)} (1), ${fixed(r.four / raw.four, 2)} (4)` : '';
    console.log(
      `${r.label.padEnd(6)} on ${r.store.padEnd(6)} | create→completed p50 ${fixed(r.lat.p50, 2)} ms p99 ${fixed(r.lat.p99, 2)} ms` +
        ` | ${fixed(r.one)} jobs/s (concurrency 1), ${fixed(r.four)} jobs/s (4)${vsSimple}${vsRaw}`,
    );
  }
  console.log(
    `raw amqplib (same Celery messages, confirmed publish + consume + ack) | publish→delivered p50 ${fixed(raw.lat.p50, 2)} ms p99 ${fixed(raw.lat.p99, 2)} ms` +
      ` | ${fixed(raw.one)} msgs/s (prefetch 4), ${fixed(raw.four)} msgs/s (16)`,
  );
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
