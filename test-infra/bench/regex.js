// Regex search benchmark, two parts:
//  1. Throughput: `regex` searches through the engine (count over BENCH_REGEX_SCAN memory metas)
//     against a hand-written filter running V8's RegExp over the same indexed values, for the
//     patterns the query builder emits (prefix, icontains, anchored like).
//  2. ReDoS: a server (mount() on express, memory storage, BENCH_REGEX_RESOURCES guilds, in its
//     own child process) receives hostile `regex` counts back to back while a second client
//     issues plain GETs by id. Printed: the worst and p99 GET latency under attack against the
//     same client on the idle server. A GET still unanswered when the window closes counts with
//     the time it has waited, so a stalled server shows as ">= window".
// Knobs: BENCH_REGEX_SCAN (default 100000), BENCH_REGEX_SEARCHES (default 20),
// BENCH_REGEX_RESOURCES (default 10000), BENCH_REGEX_DURATION (s per phase, default 5),
// BENCH_REGEX_STORAGE (memory | disk, default memory).
'use strict';
const { fork } = require('node:child_process');
const http = require('node:http');
const { rounds, compare, report } = require('./harness');
const { CharacterSchema, payload } = require('./fixtures');

function knob(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be an integer >= 1, got '${raw}'`);
  return value;
}

const SCAN = knob('BENCH_REGEX_SCAN', 100_000);
const SEARCHES = knob('BENCH_REGEX_SEARCHES', 20);
const RESOURCES = knob('BENCH_REGEX_RESOURCES', 10_000);
const DURATION_MS = knob('BENCH_REGEX_DURATION', 5) * 1000;
const STORAGE = process.env.BENCH_REGEX_STORAGE || 'memory';
if (STORAGE !== 'memory' && STORAGE !== 'disk') throw new RangeError(`BENCH_REGEX_STORAGE must be memory or disk, got '${STORAGE}'`);
const HOST = '127.0.0.1';

// Names that make backtracking engines explode on the patterns below (29 characters each).
const ATTACK_NAMES = [`${'a'.repeat(28)}!`, `${'ab '.repeat(9)}a!`, `${'word '.repeat(5)}abcd!`];
const HOSTILE_QB = [
  'QB["name"].regex("^(a+)+$")',
  "QB.resource_id().regex('^guild:[0-9a-f-]{10}([0-9a-f-]+)+!')",
  'QB["name"].regex("(a|aa)+$")',
  'QB["name"].regex("(a|a?)+$")',
  'QB["name"].regex("(\\\\w+\\\\s?)*$")',
  'QB["name"].regex("^(([a-z])+.)+[A-Z]([a-z])+$")',
];

// ------------------------------------------------------------------------- part 1: throughput

async function throughput() {
  const { SpecStar, QB } = require('@specstar/core');
  const rm = new SpecStar().addModel(CharacterSchema, { indexedFields: ['name'] });
  const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
  for (let i = 0; i < SCAN; i++) await rm.create(payload(i), ctx);
  const metas = [...rm.storage.metas.metas.values()];
  if (metas.length !== SCAN) throw new Error('bench: cannot reach the memory store map');
  const handCount = (re) => {
    let n = 0;
    for (const meta of metas) if (re.test(meta.indexed_data.name)) n++;
    return n;
  };
  const k = `${SCAN / 1000}k`;
  const cases = [
    { name: 'prefix ^hero-12', query: QB.field('name').regex('^hero-12'), re: /^hero-12/ },
    { name: 'icontains O-12', query: QB.field('name').icontains('O-12'), re: /O-12/i },
    { name: 'like hero-_2%3', query: QB.field('name').like('hero-_2%3'), re: /^hero-.2.*3$/ },
    { name: 'alt 7$|^hero-9', query: QB.field('name').regex('7$|^hero-9'), re: /7$|^hero-9/ },
  ];
  for (const { name, query, re } of cases) {
    const expected = handCount(re);
    const got = await rm.count(query);
    if (got !== expected) throw new Error(`bench: ${name} counted ${got}, the hand filter ${expected}`);
    const result = await rounds({ n: SEARCHES, raw: () => handCount(re), ours: () => rm.count(query) });
    compare(`regex ${name} (${k})`, result.ours, result.raw);
  }
  report(`Regex search — count over ${SCAN} memory metas against V8 RegExp over the same values, node ${process.version}`);
}

// ------------------------------------------------------------------------- part 2: ReDoS

const GuildSchema = { title: 'Guild', type: 'object', properties: { name: { type: 'string' } }, required: ['name'] };

/** Child: SpecStar on express with RESOURCES guilds, some named to trip backtracking engines. */
async function serve() {
  const express = require('express');
  const { SpecStar } = require('@specstar/core');
  const { mount } = require('@specstar/http-express');
  let dir;
  const options = {};
  if (STORAGE === 'disk') {
    const { mkdtempSync } = require('node:fs');
    const { tmpdir } = require('node:os');
    const { join } = require('node:path');
    const { DiskStorageFactory } = require('@specstar/storage-disk');
    dir = mkdtempSync(join(tmpdir(), 'specstar-regex-bench-'));
    options.storageFactory = new DiskStorageFactory(dir);
  }
  const spec = new SpecStar(options);
  const rm = spec.addModel(GuildSchema, { indexedFields: ['name'] });
  const ids = [];
  for (let i = 0; i < RESOURCES; i++) {
    const name = i < ATTACK_NAMES.length ? ATTACK_NAMES[i] : `guild-${i}`;
    ids.push((await rm.create({ name }, { user: 'bench' })).resource_id);
  }
  const app = express();
  mount(app, spec, { docs: false });
  const server = app.listen(0, HOST, () => process.send({ port: server.address().port, ids }));
  process.on('disconnect', () => {
    if (dir) require('node:fs').rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
}

function startServer() {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench: the server exited early (${code})`)));
    child.once('message', (m) => resolve({ child, port: m.port, ids: m.ids }));
  });
}

/** One GET on its own keep-alive agent; resolves with the status, or null when aborted. */
function get(agent, port, path, signal) {
  return new Promise((resolve) => {
    const req = http.get({ host: HOST, port, path, agent, signal }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
  });
}

/**
 * Plain GETs by id, one after another, until `deadline`; each latency in ms. The GET in flight
 * when the window closes is counted with what it has waited so far.
 */
async function getLoop(port, ids, deadline, signal) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const latencies = [];
  let failed = 0;
  for (let i = 0; Date.now() < deadline; i++) {
    const start = performance.now();
    const status = await get(agent, port, `/guild/${ids[i % ids.length]}`, signal);
    latencies.push(performance.now() - start);
    if (status === null) break;
    if (status !== 200) failed++;
  }
  agent.destroy();
  return { latencies, failed };
}

/** Hostile counts back to back until `deadline`; statuses tallied, the slowest answer kept (ms). */
async function attackLoop(port, deadline, signal) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const statuses = {};
  let slowest = 0;
  for (let i = 0; Date.now() < deadline; i++) {
    const qb = HOSTILE_QB[i % HOSTILE_QB.length];
    const start = performance.now();
    const status = await get(agent, port, `/guild/count?qb=${encodeURIComponent(qb)}`, signal);
    slowest = Math.max(slowest, performance.now() - start);
    if (status === null) break;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  agent.destroy();
  return { statuses, slowest };
}

async function phase(server, attack) {
  const controller = new AbortController();
  const deadline = Date.now() + DURATION_MS;
  const timer = setTimeout(() => controller.abort(), DURATION_MS + 200);
  const [gets, attacks] = await Promise.all([
    getLoop(server.port, server.ids, deadline, controller.signal),
    attack ? attackLoop(server.port, deadline, controller.signal) : Promise.resolve(null),
  ]);
  clearTimeout(timer);
  const sorted = [...gets.latencies].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return {
    count: sorted.length,
    p50: at(50),
    p99: at(99),
    worst: sorted[sorted.length - 1] ?? 0,
    failed: gets.failed,
    statuses: attacks?.statuses,
    slowestAttack: attacks?.slowest,
  };
}

async function redos() {
  const fmt = (n) => n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  const server = await startServer();
  try {
    // One benign regex count first: the attack is measured on a server that has searched before,
    // not on the engine's first, cold call.
    const warm = await get(new http.Agent(), server.port, `/guild/count?qb=${encodeURIComponent('QB["name"].regex("^guild-\\\\d+$")')}`);
    if (warm !== 200) throw new Error(`bench: the warm-up count answered ${warm}`);
    const idle = await phase(server, false);
    const attacked = await phase(server, true);
    console.log(
      `\nReDoS — plain GETs by id while hostile regex counts run back to back (${RESOURCES} guilds, ${STORAGE} storage, ` +
        `${DURATION_MS / 1000} s per phase, node ${process.version})`,
    );
    console.log('phase'.padEnd(26) + 'GETs'.padStart(8) + 'p50 ms'.padStart(10) + 'p99 ms'.padStart(10) + 'worst ms'.padStart(12) + '  hostile counts by status');
    for (const [name, r] of [['idle server', idle], ['under regex attack', attacked]]) {
      console.log(
        name.padEnd(26) +
          String(r.count).padStart(8) +
          fmt(r.p50).padStart(10) +
          fmt(r.p99).padStart(10) +
          fmt(r.worst).padStart(12) +
          (r.statuses ? `  ${JSON.stringify(r.statuses)}` : '') +
          (r.failed > 0 ? `  (${r.failed} GETs failed)` : ''),
      );
    }
    console.log(
      `worst concurrent-GET latency under the regex attack: ${fmt(attacked.worst)} ms (idle: ${fmt(idle.worst)} ms); ` +
        `slowest hostile count: ${fmt(attacked.slowestAttack)} ms`,
    );
    if (attacked.worst >= DURATION_MS) console.log('the server stalled for the whole window (a GET never answered)');
  } finally {
    // A stalled server never answers again: kill it rather than wait.
    server.child.removeAllListeners('exit');
    server.child.kill('SIGKILL');
  }
}

async function main() {
  await throughput();
  await redos();
}

if (process.argv[2] === '--serve') {
  serve().catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
