// Job queue benchmark: the in-process (simple) queue on memory, disk and PostgreSQL storage.
//   round trips  calls on the job model's storage and blob store from one trivial job's create to
//                its `completed` write with its log flushed (the consumer idle before and after)
//   latency      create → completed, one job at a time with an idle consumer (p50/p99)
//   throughput   jobs/s for a batch created up front, consumer concurrency 1 and 4
//   raw          PostgreSQL only: the same number of write transactions per job (as counted above)
//                done by hand on postgres.js (BEGIN; INSERT meta; INSERT revision; COMMIT), as jobs/s
//
// Run: pnpm bench:jobs (from the repository root); needs PostgreSQL on 127.0.0.1:5432 for the
//      PostgreSQL rows (BENCH_JOBS_PG=0 skips them).
// Sizes: BENCH_JOBS (default 300) jobs per throughput batch, BENCH_JOBS_LATENCY (default 200).
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const postgres = require('postgres');
const { SpecStar, jobSchema } = require('@specstar/core');
const { DiskStorageFactory } = require('@specstar/storage-disk');
const { PostgresStorageFactory } = require('@specstar/storage-postgres');

const JOBS = Number(process.env.BENCH_JOBS ?? 300);
const LATENCY_JOBS = Number(process.env.BENCH_JOBS_LATENCY ?? 200);
const WITH_PG = process.env.BENCH_JOBS_PG !== '0';
const BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';

const TaskSchema = jobSchema({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });

/** Counts calls on an object's methods; `onCommit` sees every storage commit (to notice `completed`). */
function counting(target, counter, onCommit) {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const member = Reflect.get(obj, key, receiver);
      if (typeof member !== 'function' || key === 'constructor') return member;
      return function (...args) {
        if (key !== 'close' && key !== 'capabilities') counter.calls++;
        if (key === 'commit' && onCommit) {
          counter.commits++;
          return member.apply(obj, args).then((result) => {
            onCommit(args[0]);
            return result;
          });
        }
        return member.apply(obj, args);
      };
    },
  });
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A registry with one job model over `factory`, its storage and blob store counted. */
async function setup(factory, counter) {
  const waiters = new Map();
  const finished = new Set();
  const spec = new SpecStar({ storageFactory: factory, defaultUser: 'bench' });
  const blobStore = counting(spec.getBlobStore(), counter);
  // The job model's blob store is the registry's; count document writes through it.
  spec.getBlobStore = () => blobStore;
  const storage = counting(factory.build('task'), counter, (write) => {
    if (write.meta.indexed_data?.status !== 'completed') return;
    const resolve = waiters.get(write.meta.resource_id);
    if (resolve) resolve();
    else finished.add(write.meta.resource_id); // completed before anyone waited
  });
  const rm = spec.addModel(TaskSchema, { name: 'task', storage, jobHandler: async (job, ctx) => ctx.info(`n=${job.data.payload.n}`) });
  const completed = (id) => (finished.delete(id) ? Promise.resolve() : new Promise((resolve) => waiters.set(id, resolve)));
  // A long poll interval: an idle consumer is woken by the create, as in an app that creates its own jobs.
  await rm.startConsume({ concurrency: 1 });
  return { spec, rm, completed };
}

async function roundTrips(rm, counter, completed) {
  await new Promise((r) => setTimeout(r, 300)); // let the consumer go idle
  counter.calls = 0;
  counter.commits = 0;
  const createdAt = counter.calls;
  const info = await rm.create({ payload: { n: 0 } });
  await completed(info.resource_id);
  await new Promise((r) => setTimeout(r, 20)); // the final log flush and the consumer's next search
  return { calls: counter.calls - createdAt, commits: counter.commits };
}

async function latency(rm, completed) {
  const samples = [];
  for (let i = 0; i < LATENCY_JOBS; i++) {
    const start = process.hrtime.bigint();
    const info = await rm.create({ payload: { n: i } });
    await completed(info.resource_id);
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

async function throughput(rm, completed, concurrency) {
  await rm.stopConsuming();
  const ids = [];
  for (let i = 0; i < JOBS; i++) ids.push((await rm.create({ payload: { n: i } })).resource_id);
  const all = Promise.all(ids.map((id) => completed(id)));
  const start = process.hrtime.bigint();
  await rm.startConsume({ concurrency });
  await all;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await rm.stopConsuming();
  await rm.startConsume({ concurrency: 1 });
  return JOBS / seconds;
}

/** Raw postgres.js: `perJob` three-statement write transactions per job, sequential, as jobs/s. */
async function rawPostgres(sql, perJob) {
  await sql.unsafe('CREATE TABLE raw_meta (id text PRIMARY KEY, rev text NOT NULL, status text, record bytea NOT NULL)');
  await sql.unsafe('CREATE TABLE raw_rev (id text, rev text, data bytea NOT NULL, PRIMARY KEY (id, rev))');
  const start = process.hrtime.bigint();
  for (let i = 0; i < JOBS; i++) {
    const id = `raw:${i}`;
    for (let t = 1; t <= perJob; t++) {
      const data = Buffer.from(JSON.stringify({ payload: { n: i }, status: t === perJob ? 'completed' : 'pending' }));
      await sql.begin((tx) => [
        tx.unsafe('INSERT INTO raw_meta (id, rev, status, record) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET rev = EXCLUDED.rev, status = EXCLUDED.status, record = EXCLUDED.record', [id, `${id}:${t}`, 'x', data], { prepare: true }),
        tx.unsafe('INSERT INTO raw_rev (id, rev, data) VALUES ($1, $2, $3)', [id, `${id}:${t}`, data], { prepare: true }),
      ]);
    }
  }
  return JOBS / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function runStore(label, factory, extra) {
  const counter = { calls: 0, commits: 0 };
  const { spec, rm, completed } = await setup(factory, counter);
  try {
    const trips = await roundTrips(rm, counter, completed);
    const lat = await latency(rm, completed);
    const one = await throughput(rm, completed, 1);
    const four = await throughput(rm, completed, 4);
    const row = { store: label, trips, lat, one, four };
    if (extra) row.raw = await extra(trips.commits);
    return row;
  } finally {
    await spec.close();
  }
}

async function main() {
  const rows = [];
  const { MemoryStorageFactory } = require('@specstar/core');
  rows.push(await runStore('memory', new MemoryStorageFactory()));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-jobs-'));
  try {
    rows.push(await runStore('disk', new DiskStorageFactory(dir)));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  if (WITH_PG) {
    const db = `specstar_bench_jobs_${crypto.randomBytes(4).toString('hex')}`;
    const admin = postgres(`${BASE}/postgres`, { max: 1, onnotice: () => {} });
    await admin.unsafe(`CREATE DATABASE ${db}`);
    const sql = postgres(`${BASE}/${db}`, { max: 4, onnotice: () => {} });
    try {
      const factory = new PostgresStorageFactory({ dsn: `${BASE}/${db}`, max: 4 });
      rows.push(await runStore('postgres', factory, (perJob) => rawPostgres(sql, perJob)));
    } finally {
      await sql.end();
      await admin.unsafe(`DROP DATABASE ${db} WITH (FORCE)`);
      await admin.end();
    }
  }
  print(rows);
}

function print(rows) {
  console.log('\nJobs: the simple queue, create → completed');
  const out = (line) => console.log(line);
  for (const r of rows) {
    const raw = r.raw === undefined ? '' : ` | raw ${r.raw.toFixed(0)} jobs/s, ratio ${(r.one / r.raw).toFixed(2)} (target ≥ 0.25)${r.one / r.raw < 0.25 ? ' MISSED' : ''}`;
    out(
      `${r.store.padEnd(8)} | round trips/job ${r.trips.calls} (${r.trips.commits} commits; target ≤ 8${r.trips.calls > 8 ? ' MISSED' : ''})` +
        ` | create→completed p50 ${r.lat.p50.toFixed(2)} ms p99 ${r.lat.p99.toFixed(2)} ms${r.store === 'memory' ? ` (target p50 ≤ 10${r.lat.p50 > 10 ? ' MISSED' : ''})` : ''}` +
        ` | ${r.one.toFixed(0)} jobs/s (concurrency 1), ${r.four.toFixed(0)} jobs/s (4)${raw}`,
    );
  }
  console.log(`peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
