// Disk storage over HTTP: SpecStar's routes on DiskStorageFactory against the same routes on
// memory storage, a bare express route and plain node file writes, measured in the same run.
//   POST create at 1 / 10 / 64 connections ↔ memory storage; and ↔ the same number of payload
//       write+fdatasync calls issued by plain node, as many at a time as there are connections,
//       and one at a time (the physical limit of durable writes on this disk)
//   GET by id                ↔ a bare express route answering the same envelope
//   GET list qb              ↔ memory storage (qb filter over BENCH_HTTP_RESOURCES resources)
// Servers run in child processes (http-bench.js), fresh per case and side, each on its own
// temporary rootdir. Knobs: BENCH_HTTP_DURATION (s, default 5), BENCH_HTTP_WARMUP (s, default 1),
// BENCH_HTTP_ROUNDS (default 1), BENCH_HTTP_RESOURCES (default 1000).
'use strict';
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const os = require('node:os');
const path = require('node:path');
const { CharacterSchema, payload } = require('./fixtures');
const { JSON_HEADERS, knob, listen, startServer, stopServer, measureServer, median, fmt, entry } = require('./http-bench');

const DURATION = knob('BENCH_HTTP_DURATION', 5);
const WARMUP = knob('BENCH_HTTP_WARMUP', 1, { min: 0 });
const ROUNDS = knob('BENCH_HTTP_ROUNDS', 1, { integer: true });
const RESOURCES = knob('BENCH_HTTP_RESOURCES', 1000, { integer: true });
const POST_CONNECTIONS = [1, 10, 64];
const READ_CONNECTIONS = 10;
const QB_FILTER = "QB['level'] >= 90";
// Seeding creates this many at a time, so a disk server is ready in a few seconds.
const SEED_CONCURRENCY = 16;

// ------------------------------------------------------------------------- server processes

/** Child: SpecStar on disk or memory storage with RESOURCES characters, or bare routes answering `samples`. */
async function serve(side) {
  const express = require('express');
  const app = express();
  if (side === 'bare') {
    const samples = await new Promise((resolve) => process.once('message', (m) => resolve(m.samples)));
    const envelope = JSON.parse(samples.get);
    app.get('/character/:id', (_req, res) => res.json(envelope));
    listen(app, samples.ids);
    return;
  }
  const { SpecStar } = require('@specstar/core');
  const { mount } = require('@specstar/http-express');
  let rootdir;
  let options = {};
  if (side === 'disk') {
    const { DiskStorageFactory } = require('@specstar/storage-disk');
    rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-disk-http-'));
    options = { storageFactory: new DiskStorageFactory(rootdir) };
  }
  const spec = new SpecStar(options);
  const rm = spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] });
  const ids = [];
  let next = 0;
  const seeder = async () => {
    while (next < RESOURCES) ids.push((await rm.create(payload(next++), { user: 'bench' })).resource_id);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, seeder));
  mount(app, spec, { docs: false });
  listen(app, ids, async () => {
    await spec.close();
    if (rootdir !== undefined) fs.rmSync(rootdir, { recursive: true, force: true });
  });
}

// ------------------------------------------------------------------------- raw reference

/**
 * `count` payload files written and fdatasynced by plain node, `concurrency` at a time: what the
 * disk allows for durable writes of this size, with no SQLite, HTTP or engine in the way.
 */
async function rawWrites(count, concurrency) {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'specstar-bench-fsync-'));
  const bytes = Buffer.from(JSON.stringify(payload(7)));
  const latencies = [];
  let next = 0;
  const writer = async () => {
    while (next < count) {
      const t = process.hrtime.bigint();
      const handle = await fsp.open(path.join(dir, String(next++)), 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
  };
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, writer));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await fsp.rm(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  return { rps: count / seconds, p50: at(0.5), p99: at(0.99), failed: 0 };
}

// ------------------------------------------------------------------------- the cases

const createRequests = () => [{ method: 'POST', path: '/character', headers: JSON_HEADERS, body: JSON.stringify(payload(7)) }];

const getRequests = (ids) => {
  let i = 0;
  return [
    {
      method: 'GET',
      setupRequest: (req) => {
        req.path = `/character/${ids[i++ % ids.length]}`;
        return req;
      },
    },
  ];
};

const listRequests = () => [{ method: 'GET', path: `/character?qb=${encodeURIComponent(QB_FILTER)}` }];

/** The bare route's answer: a SpecStar server's own response (the same envelope on every storage). */
async function captureSamples() {
  const server = await startServer(__filename, 'memory');
  const res = await fetch(`${server.url}/character/${server.ids[0]}`);
  if (res.status !== 200) throw new Error(`bench: GET answered ${res.status}`);
  const samples = { get: await res.text(), ids: server.ids };
  await stopServer(server);
  return samples;
}

/** Runs `sides` (side names, alternating order per round) on one load; the median run of each. */
async function sideBySide(sides, load, samples) {
  const runs = Object.fromEntries(sides.map((side) => [side, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      runs[side].push(await measureServer(__filename, side, { samples: side === 'bare' ? samples : undefined }, load));
    }
  }
  return Object.fromEntries(sides.map((side) => [side, median(runs[side])]));
}

const atLeast = (min, minRps) => ({
  text: `>= ${min}${minRps ? ` & ${fmt(minRps)}/s` : ''}`,
  ok: (row) => row.ratio >= min && (minRps === undefined || row.ours.rps >= minRps),
});

async function main() {
  const load = (connections, requests) => ({ connections, duration: DURATION, warmup: WARMUP, requests });
  process.stderr.write(`disk over HTTP: ${POST_CONNECTIONS.length + 2} cases, ${ROUNDS} round(s) of ${DURATION} s per side…\n`);
  const rows = [];
  const row = (name, ours, ref, target) => {
    rows.push({ name, ours, ref, ratio: ours.rps / ref.rps, target });
    process.stderr.write(`  ${name}: ${fmt(ours.rps)} vs ${fmt(ref.rps)}\n`);
  };

  for (const connections of POST_CONNECTIONS) {
    const { disk, memory } = await sideBySide(['disk', 'memory'], load(connections, createRequests));
    const label = `POST create, ${connections} conn`;
    row(`${label}: disk ÷ memory`, disk, memory, connections === 10 ? atLeast(0.3, 1500) : undefined);
    row(`${label}: disk ÷ raw fsync ×${connections}`, disk, await rawWrites(disk.total, connections));
    if (connections > 1) row(`${label}: disk ÷ raw fsync ×1`, disk, await rawWrites(disk.total, 1));
  }

  const samples = await captureSamples();
  const get = await sideBySide(['disk', 'memory', 'bare'], load(READ_CONNECTIONS, getRequests), samples);
  row(`GET by id: disk ÷ bare express`, get.disk, get.bare, atLeast(0.8));
  row(`GET by id: memory ÷ bare express`, get.memory, get.bare);

  const list = await sideBySide(['disk', 'memory'], load(READ_CONNECTIONS, listRequests));
  row(`GET list qb (${RESOURCES}): disk ÷ memory`, list.disk, list.memory, atLeast(0.7));

  console.log(
    `\nSpecStar over HTTP on disk storage (express ${require('express/package.json').version}) — ` +
      `${DURATION} s per side (+${WARMUP} s warm-up), ${ROUNDS} round(s), reads at ${READ_CONNECTIONS} connections, node ${process.version}`,
  );
  console.log(
    'case'.padEnd(44) + 'ours req/s'.padStart(12) + 'ref req/s'.padStart(12) + 'ratio'.padStart(8) + '  target'.padEnd(22) +
      'ours p50/p99 ms'.padStart(17) + 'ref p50/p99 ms'.padStart(17),
  );
  let missed = 0;
  for (const r of rows) {
    let target = '';
    if (r.target !== undefined) {
      const ok = r.target.ok(r);
      if (!ok) missed++;
      target = `${r.target.text} ${ok ? 'ok' : 'MISSED'}`;
    }
    const failed = r.ours.failed + r.ref.failed;
    console.log(
      r.name.padEnd(44) +
        fmt(r.ours.rps).padStart(12) +
        fmt(r.ref.rps).padStart(12) +
        fmt(r.ratio, 2).padStart(8) +
        ('  ' + target).padEnd(22) +
        `${fmt(r.ours.p50, 1)}/${fmt(r.ours.p99, 1)}`.padStart(17) +
        `${fmt(r.ref.p50, 1)}/${fmt(r.ref.p99, 1)}`.padStart(17) +
        (failed > 0 ? `  (${failed} failed requests: INVALID)` : ''),
    );
  }
  if (rows.some((r) => r.ours.failed + r.ref.failed > 0)) process.exitCode = 1;
  if (missed > 0) console.log(`${missed} target(s) missed`);
}

entry(main, serve);
