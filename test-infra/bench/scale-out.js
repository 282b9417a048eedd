// Scale-out benchmark: GET by id from two server processes behind one port against one process,
// measured in the same run. The processes are workers of node's `cluster` (the primary hands
// each accepted connection to a worker in turn; autocannon's keep-alive connections are accepted
// once, so the hand-off costs nothing per request). Each worker runs mount() on express over:
//   memory   — every worker loads the same BENCH_SCALE_RESOURCES characters (same ids)
//   postgres — one database shared by every worker, loaded once before they start
//   bare     — a bare express route answering a fixed envelope: what the machine itself allows
// The ratio is req/s with 2 workers ÷ req/s with 1. Both cases share the machine's cores with
// autocannon (this process) and, for postgres, with the database server; the cores each of them
// used during the run are printed beside it (postgres: every postgres process of the machine).
// Node 20 has no `reusePort` listen option, so `cluster` is how two processes share a port here.
//
// Run: pnpm --filter @specstar/bench bench:scale-out (PostgreSQL on 127.0.0.1:5432, skipped when down)
// Knobs: BENCH_SCALE_DURATION (s, default 5), BENCH_SCALE_WARMUP (s, default 1), BENCH_SCALE_CONNECTIONS
// (default 10), BENCH_SCALE_ROUNDS (default 3, the median is kept), BENCH_SCALE_RESOURCES (default 1000),
// BENCH_SCALE_BACKENDS (default bare,memory,postgres), BENCH_PG_DSN_BASE.
'use strict';
const cluster = require('node:cluster');
const fs = require('node:fs');
const net = require('node:net');
const crypto = require('node:crypto');
const { CharacterSchema, payload } = require('./fixtures');

const DURATION = Number(process.env.BENCH_SCALE_DURATION ?? 5);
const WARMUP = Number(process.env.BENCH_SCALE_WARMUP ?? 1);
const CONNECTIONS = Number(process.env.BENCH_SCALE_CONNECTIONS ?? 10);
const ROUNDS = Number(process.env.BENCH_SCALE_ROUNDS ?? 3);
const RESOURCES = Number(process.env.BENCH_SCALE_RESOURCES ?? 1000);
const BACKENDS = (process.env.BENCH_SCALE_BACKENDS ?? 'bare,memory,postgres').split(',');
const PG_BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';
// Workers evaluate this module again: they take the primary's database name from the environment.
const PG_DB = process.env.SCALE_PG_DB ?? `specstar_bench_scale_${crypto.randomBytes(4).toString('hex')}`;
const HOST = '127.0.0.1';
const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
const TARGETS = { memory: 1.6, postgres: 1.15 };

const idOf = (i) => `hero-${i}`;

/** One SpecStar registry on the backend, with the benchmark's model. */
function registry(backend) {
  const { SpecStar } = require('@specstar/core');
  const options = {};
  if (backend === 'postgres') {
    const { PostgresStorageFactory } = require('@specstar/storage-postgres');
    options.storageFactory = new PostgresStorageFactory({ dsn: `${PG_BASE}/${PG_DB}`, max: 4 });
  }
  const spec = new SpecStar(options);
  return { spec, rm: spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] }) };
}

async function load(rm) {
  for (let i = 0; i < RESOURCES; i++) await rm.create(payload(i), { ...ctx, resourceId: idOf(i) });
}

// ------------------------------------------------------------------------- a worker

async function serve(backend, port) {
  const express = require('express');
  const app = express();
  if (backend === 'bare') {
    const envelope = { data: payload(0), revision_info: { revision_id: `${idOf(0)}:1` }, meta: { resource_id: idOf(0) } };
    app.get('/character/:id', (_req, res) => res.json(envelope));
  } else {
    const { mount } = require('@specstar/http-express');
    const { spec, rm } = registry(backend);
    if (backend === 'memory') await load(rm);
    mount(app, spec, { docs: false });
  }
  app.listen(port, HOST, () => process.send({ ready: true }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send({ cpu: cpuSeconds(process.cpuUsage()) });
  });
}

const cpuSeconds = ({ user, system }) => (user + system) / 1e6;

/** CPU ticks of each postgres process of the machine, by pid (Linux /proc; empty elsewhere). */
function databaseTicks() {
  const ticks = new Map();
  for (const pid of fs.existsSync('/proc') ? fs.readdirSync('/proc') : []) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(pid, Number(fields[11]) + Number(fields[12])); // utime, stime
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks;
}

/** CPU seconds postgres used between two snapshots (processes that ended meanwhile are not counted). */
function databaseSeconds(before, after) {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return ticks / 100; // USER_HZ
}

// ------------------------------------------------------------------------- the primary

function freePort() {
  return new Promise((resolve) => {
    const probe = net.createServer().listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Forks `count` workers on one port and resolves once all of them listen. */
async function startWorkers(backend, count) {
  const port = await freePort();
  const workers = Array.from({ length: count }, () => cluster.fork({ SCALE_BACKEND: backend, SCALE_PORT: String(port), SCALE_PG_DB: PG_DB }));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('exit', (code) => reject(new Error(`bench: a ${backend} worker exited early (${code})`)));
        }),
    ),
  );
  for (const worker of workers) worker.removeAllListeners('exit');
  return { url: `http://${HOST}:${port}`, workers };
}

async function stopWorkers({ workers }) {
  await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('exit', resolve).kill())));
}

/** CPU seconds the workers have used so far, summed. */
async function workersCpu({ workers }) {
  const each = await Promise.all(workers.map((worker) => new Promise((resolve) => worker.once('message', (m) => resolve(m.cpu)).send('cpu'))));
  return each.reduce((a, b) => a + b, 0);
}

async function measure(backend, count) {
  const autocannon = require('autocannon');
  const server = await startWorkers(backend, count);
  let i = 0;
  const requests = [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/character/${idOf(i++ % RESOURCES)}` }) }];
  const settings = { url: server.url, connections: CONNECTIONS, pipelining: 1, timeout: 10, requests };
  try {
    if (WARMUP > 0) await autocannon({ ...settings, duration: WARMUP });
    // Cores busy during the run: the servers', and this process's (autocannon) beside them.
    const [serversBefore, clientBefore, databaseBefore] = [await workersCpu(server), process.cpuUsage(), databaseTicks()];
    const result = await autocannon({ ...settings, duration: DURATION });
    const client = cpuSeconds(process.cpuUsage(clientBefore)) / result.duration;
    const database = databaseSeconds(databaseBefore, databaseTicks()) / result.duration;
    const servers = ((await workersCpu(server)) - serversBefore) / result.duration;
    return { rps: result.requests.total / result.duration, p99: result.latency.p99, failed: result.non2xx + result.errors + result.timeouts, servers, client, database };
  } finally {
    await stopWorkers(server);
  }
}

async function pgUp() {
  const postgres = require('postgres');
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`CREATE DATABASE ${PG_DB}`);
  } catch (error) {
    console.log(`PostgreSQL skipped: ${error.message}`);
    return false;
  } finally {
    await admin.end();
  }
  const { spec, rm } = registry('postgres');
  await load(rm);
  await spec.close();
  return true;
}

async function pgDrop() {
  const postgres = require('postgres');
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
  await admin.end();
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (list) => [...list].sort((a, b) => a.rps - b.rps)[Math.floor(list.length / 2)];

async function main() {
  cluster.setupPrimary({ exec: __filename, silent: false });
  const rows = [];
  let pg = false;
  try {
    for (const backend of BACKENDS) {
      if (backend === 'postgres' && !(pg = await pgUp())) continue;
      const runs = { 1: [], 2: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const count of round % 2 === 0 ? [1, 2] : [2, 1]) runs[count].push(await measure(backend, count));
      }
      const one = median(runs[1]);
      const two = median(runs[2]);
      rows.push({ backend, one, two, ratio: two.rps / one.rps, failed: [...runs[1], ...runs[2]].reduce((n, r) => n + r.failed, 0) });
      process.stderr.write(`  ${backend}: ${fmt(two.rps)} vs ${fmt(one.rps)} req/s\n`);
    }
  } finally {
    if (pg) await pgDrop();
  }

  console.log(
    `\nGET by id from 2 server processes (cluster) vs 1 — ${CONNECTIONS} connections, ${DURATION} s (+${WARMUP} s warm-up), ` +
      `${ROUNDS} round(s), median; ${require('node:os').availableParallelism()} cores shared with autocannon; node ${process.version}`,
  );
  console.log('storage'.padEnd(12) + '2 procs req/s'.padStart(15) + '1 proc req/s'.padStart(14) + 'ratio'.padStart(8) + '  target'.padEnd(16) + 'p99 ms 2/1'.padStart(12) + 'server cores 2/1'.padStart(18) + 'client cores 2/1'.padStart(18) + 'postgres cores 2/1'.padStart(20));
  for (const r of rows) {
    const target = TARGETS[r.backend];
    const verdict = target === undefined ? '  (ceiling)' : `  >= ${target}x ${r.ratio >= target ? 'ok' : 'MISSED'}`;
    console.log(
      r.backend.padEnd(12) +
        fmt(r.two.rps).padStart(15) +
        fmt(r.one.rps).padStart(14) +
        fmt(r.ratio, 2).padStart(8) +
        verdict.padEnd(16) +
        `${fmt(r.two.p99)}/${fmt(r.one.p99)}`.padStart(12) +
        `${fmt(r.two.servers, 2)}/${fmt(r.one.servers, 2)}`.padStart(18) +
        `${fmt(r.two.client, 2)}/${fmt(r.one.client, 2)}`.padStart(18) +
        (r.backend === 'postgres' ? `${fmt(r.two.database, 2)}/${fmt(r.one.database, 2)}` : '').padStart(20) +
        (r.failed > 0 ? `  (${r.failed} failed requests: INVALID)` : ''),
    );
  }
  if (rows.some((r) => r.failed > 0)) process.exitCode = 1;
}

if (cluster.isWorker) {
  serve(process.env.SCALE_BACKEND, Number(process.env.SCALE_PORT)).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
