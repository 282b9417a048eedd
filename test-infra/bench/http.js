// HTTP benchmark: SpecStar's routes (mount() on express, memory storage) against a bare express
// route that parses the same request and answers the same JSON, measured in the same run.
//   POST create  ↔ express.json() + res.json(<a RevisionInfo>)
//   GET by id    ↔ res.json(<an envelope>)
//   GET list qb  ↔ res.json(<the same page>)      (qb filter over BENCH_HTTP_RESOURCES resources)
//   GET count qb ↔ res.json(<the same count>)
//   PATCH        ↔ express.json() + res.json(<a RevisionInfo>)
// Each server runs in its own child process (fresh per case, side and round) on 127.0.0.1;
// autocannon drives it from this process with the same connections, duration and warm-up on both
// sides. Sides alternate in order; with several rounds the median round is kept.
// Knobs: BENCH_HTTP_DURATION (s, default 5), BENCH_HTTP_WARMUP (s, default 1),
// BENCH_HTTP_CONNECTIONS (default 10), BENCH_HTTP_ROUNDS (default 1), BENCH_HTTP_RESOURCES (default 1000).
'use strict';
const { CharacterSchema, payload } = require('./fixtures');
const { JSON_HEADERS, knob, listen, startServer, stopServer, measureServer, median, fmt, entry } = require('./http-bench');

const DURATION = knob('BENCH_HTTP_DURATION', 5);
const WARMUP = knob('BENCH_HTTP_WARMUP', 1, { min: 0 });
const CONNECTIONS = knob('BENCH_HTTP_CONNECTIONS', 10, { integer: true });
const ROUNDS = knob('BENCH_HTTP_ROUNDS', 1, { integer: true });
const RESOURCES = knob('BENCH_HTTP_RESOURCES', 1000, { integer: true });


const QB_FILTER = "QB['level'] >= 90";

// ------------------------------------------------------------------------- server processes

/** Child: SpecStar on express with RESOURCES characters, or the bare routes answering `samples`. */
async function serve(side) {
  const express = require('express');
  const app = express();
  let ids = [];
  if (side === 'ours') {
    const { SpecStar } = require('@specstar/core');
    const { mount } = require('@specstar/http-express');
    const spec = new SpecStar();
    const rm = spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] });
    for (let i = 0; i < RESOURCES; i++) ids.push((await rm.create(payload(i), { user: 'bench' })).resource_id);
    mount(app, spec, { docs: false });
  } else {
    const samples = await new Promise((resolve) => process.once('message', (m) => resolve(m.samples)));
    // Precomputed bodies; express still serialises them per request, as it does for ours.
    const body = (text) => JSON.parse(text);
    const [created, envelope, page, count, patched] = [samples.create, samples.get, samples.list, samples.count, samples.patch].map(body);
    app.post('/character', express.json(), (_req, res) => res.json(created));
    app.get('/character/count', (_req, res) => res.json(count));
    app.get('/character', (_req, res) => res.set('X-Has-More', 'true').json(page));
    app.get('/character/:id', (_req, res) => res.json(envelope));
    app.patch('/character/:id', express.json(), (_req, res) => res.json(patched));
    ids = samples.ids;
  }
  listen(app, ids);
}

// ------------------------------------------------------------------------- the cases

/** autocannon request sequences; `ids` are the resources of the server under test. */
const CASES = [
  {
    name: 'POST create',
    target: 0.5,
    requests: () => [{ method: 'POST', path: '/character', headers: JSON_HEADERS, body: JSON.stringify(payload(7)) }],
  },
  {
    name: 'GET by id',
    target: 0.7,
    requests: (ids) => {
      let i = 0;
      return [{ method: 'GET', setupRequest: (req) => {
            req.path = `/character/${ids[i++ % ids.length]}`;
            return req;
          }, }];
    },
  },
  {
    name: `GET list qb (${RESOURCES} resources)`,
    requests: () => [{ method: 'GET', path: `/character?qb=${encodeURIComponent(QB_FILTER)}` }],
  },
  {
    name: 'GET count qb',
    requests: () => [{ method: 'GET', path: `/character/count?qb=${encodeURIComponent(QB_FILTER)}` }],
  },
  {
    name: 'PATCH (RFC 6902)',
    target: 0.5,
    requests: (ids) => {
      let i = 0;
      return [
        {
          method: 'PATCH',
          headers: JSON_HEADERS,
          setupRequest: (req) => {
            const n = i++;
            // Every patch changes the value, so every request writes a revision.
            const value = (Math.floor(n / ids.length) % 99) + 100;
            req.path = `/character/${ids[n % ids.length]}`;
            req.body = JSON.stringify([{ op: 'replace', path: '/level', value }]);
            return req;
          },
        },
      ];
    },
  },
];

/** One response per case from a SpecStar server, for the bare server to answer verbatim. */
async function captureSamples() {
  const server = await startServer(__filename, 'ours');
  const id = server.ids[0];
  const call = async (method, path, body) => {
    const res = await fetch(server.url + path, { method, headers: body ? JSON_HEADERS : undefined, body: body && JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`bench: ${method} ${path} answered ${res.status}: ${await res.text()}`);
    return res.text();
  };
  const samples = {
    get: await call('GET', `/character/${id}`),
    list: await call('GET', `/character?qb=${encodeURIComponent(QB_FILTER)}`),
    count: await call('GET', `/character/count?qb=${encodeURIComponent(QB_FILTER)}`),
    create: await call('POST', '/character', payload(7)),
    patch: await call('PATCH', `/character/${id}`, [{ op: 'replace', path: '/level', value: 100 }]),
    ids: server.ids,
  };
  await stopServer(server);
  return samples;
}

function measure(side, kase, samples) {
  const load = { connections: CONNECTIONS, duration: DURATION, warmup: WARMUP, requests: kase.requests };
  return measureServer(__filename, side, { samples: side === 'bare' ? samples : undefined }, load);
}

async function main() {
  process.stderr.write(`measuring ${CASES.length} cases × 2 sides × ${ROUNDS} round(s) of ${DURATION} s…\n`);
  const samples = await captureSamples();
  const rows = [];
  for (const [index, kase] of CASES.entries()) {
    const runs = { ours: [], bare: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order = (index + round) % 2 === 0 ? ['bare', 'ours'] : ['ours', 'bare'];
      for (const side of order) runs[side].push(await measure(side, kase, samples));
    }
    const ours = median(runs.ours);
    const bare = median(runs.bare);
    const peak = (side) => Math.max(...runs[side].map((r) => r.rssMiB));
    rows.push({ kase, ours, bare, ratio: ours.rps / bare.rps, oursRss: peak('ours'), bareRss: peak('bare') });
    process.stderr.write(`  ${kase.name}: ${fmt(ours.rps)} vs ${fmt(bare.rps)} req/s\n`);
  }

  console.log(
    `\nSpecStar over HTTP (express ${require('express/package.json').version}, memory storage) vs bare express — ` +
      `${CONNECTIONS} connections, ${DURATION} s per side (+${WARMUP} s warm-up), ${ROUNDS} round(s), node ${process.version}`,
  );
  console.log(
    'case'.padEnd(30) +
      'ours req/s'.padStart(12) +
      'bare req/s'.padStart(12) +
      'ratio'.padStart(8) +
      '  target'.padEnd(16) +
      'ours p50/p99 ms'.padStart(17) +
      'bare p50/p99 ms'.padStart(17) +
      'ours/bare RSS MiB'.padStart(19),
  );
  let missed = 0;
  for (const r of rows) {
    const failed = r.ours.failed + r.bare.failed;
    let target = '';
    if (r.kase.target !== undefined) {
      const ok = r.ratio >= r.kase.target;
      if (!ok) missed++;
      target = `>= ${Math.round(r.kase.target * 100)}% ${ok ? 'ok' : 'MISSED'}`;
    }
    console.log(
      r.kase.name.padEnd(30) +
        fmt(r.ours.rps).padStart(12) +
        fmt(r.bare.rps).padStart(12) +
        fmt(r.ratio, 2).padStart(8) +
        ('  ' + target).padEnd(16) +
        `${fmt(r.ours.p50, 1)}/${fmt(r.ours.p99, 1)}`.padStart(17) +
        `${fmt(r.bare.p50, 1)}/${fmt(r.bare.p99, 1)}`.padStart(17) +
        `${fmt(r.oursRss)}/${fmt(r.bareRss)}`.padStart(19) +
        (failed > 0 ? `  (${failed} failed requests: INVALID)` : ''),
    );
  }
  const peakOurs = Math.max(...rows.map((r) => r.oursRss));
  const peakBare = Math.max(...rows.map((r) => r.bareRss));
  console.log(`peak RSS of a server process: ours ${fmt(peakOurs)} MiB, bare ${fmt(peakBare)} MiB`);
  if (rows.some((r) => r.ours.failed + r.bare.failed > 0)) process.exitCode = 1;
  if (missed > 0) console.log(`${missed} target(s) missed`);
}

entry(main, serve);
