// Cost against store size: create, get by id and an indexed search (level == 42, sorted by id,
// limit 10) on stores of 10k and 100k resources (and 1M behind BENCH_SIZES_MILLION=1), on disk
// and PostgreSQL. Every store is loaded first, then the sizes are measured in alternating rounds
// through the same loop (harness.js measure); the median round is kept. The ratio is ops/s at a
// size ÷ ops/s at 10k, so ~1 means the operation costs the same whatever the store holds.
//
// Stores are loaded in batches beside the engine (saveRevisions + saveMetas, as a load does):
// every resource gets one revision with resource 0's payload and its own indexed values
// (level = i % 100, so the search matches 1% of the store and returns the first 10).
//
// Run: pnpm --filter @specstar/bench bench:sizes (PostgreSQL on 127.0.0.1:5432, skipped when down)
// Knobs: BENCH_SIZES_MILLION=1 adds 1,000,000; BENCH_SIZES_BACKENDS (default disk,postgres);
// BENCH_SIZES_OPS creates per round (default 300), BENCH_SIZES_READS gets per round (default 2000),
// BENCH_SIZES_SEARCHES per round (default 200), BENCH_SIZES_ROUNDS (default 3), BENCH_PG_DSN_BASE.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');
const postgres = require('postgres');
const { SpecStar, QB } = require('@specstar/core');
const { DiskStorageFactory } = require('@specstar/storage-disk');
const { PostgresStorageFactory } = require('@specstar/storage-postgres');
const { measure, settle } = require('./harness');
const { CharacterSchema, payload } = require('./fixtures');

const SIZES = [10_000, 100_000, ...(process.env.BENCH_SIZES_MILLION === '1' ? [1_000_000] : [])];
const BACKENDS = (process.env.BENCH_SIZES_BACKENDS ?? 'disk,postgres').split(',');
const OPS = Number(process.env.BENCH_SIZES_OPS ?? 300);
const READS = Number(process.env.BENCH_SIZES_READS ?? 2000);
const SEARCHES = Number(process.env.BENCH_SIZES_SEARCHES ?? 200);
const ROUNDS = Number(process.env.BENCH_SIZES_ROUNDS ?? 3);
const PG_BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const PG_DB = `specstar_bench_sizes_${crypto.randomBytes(4).toString('hex')}`;
const BATCH = 5000;
const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };

/** What the run is doing: named if the event loop empties before the run ends (a promise that never settled). */
let doing = 'starting';
process.on('exit', () => {
  if (doing === 'done') return;
  console.error(`bench: the process ran out of work while ${doing}: a storage call never settled`);
  process.exitCode = 1;
});

const idOf = (i) => `hero-${String(i).padStart(8, '0')}`;
const SEARCH = () => QB.field('level').eq(42).sort('resource_id').limit(10);

/** Loads `size` resources: resource 0 through the engine, the rest in batches beside it. */
async function fill(rm, size) {
  await rm.create(payload(0), { ...ctx, resourceId: idOf(0) });
  const storage = rm.storage;
  const meta = await rm.getMeta(idOf(0));
  const first = await storage.getRevision(idOf(0), meta.current_revision_id, meta.schema_version);
  for (let start = 1; start < size; start += BATCH) {
    const revisions = [];
    const metas = [];
    for (let i = start; i < Math.min(size, start + BATCH); i++) {
      const id = idOf(i);
      const uid = `${first.info.uid.slice(0, -8)}${String(i).padStart(8, '0')}`;
      revisions.push({ info: { ...first.info, uid, resource_id: id, revision_id: `${id}:1` }, data: first.data });
      metas.push({ ...meta, resource_id: id, current_revision_id: `${id}:1`, indexed_data: { ...meta.indexed_data, level: i % 100, guild: `guild-${i % 50}` } });
    }
    await storage.saveRevisions(revisions);
    await storage.saveMetas(metas);
  }
}

/** One store per size on the backend, loaded; `open(size)` gives a fresh registry for a size. */
async function loadStores(name, open) {
  const stores = [];
  for (const size of SIZES) {
    const spec = open(size);
    const rm = spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] });
    const started = Date.now();
    doing = `loading ${size} resources on ${name}`;
    await fill(rm, size);
    const found = await rm.searchResources(SEARCH());
    if (found.length !== 10 || found.some((m) => m.indexed_data.level !== 42)) throw new Error(`${name} ${size}: the search found the wrong resources`);
    process.stderr.write(`  ${name}: loaded ${size.toLocaleString('en-US')} resources in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    stores.push({ size, spec, rm, created: 0 });
  }
  return stores;
}

const CASES = {
  create: { n: OPS, run: (store) => store.rm.create(payload(store.created), { ...ctx, resourceId: `new-${store.created++}` }) },
  get: { n: READS, run: (store, i) => store.rm.get(idOf((i * 7919) % store.size)) },
  search: { n: SEARCHES, run: (store) => store.rm.searchResources(SEARCH()) },
};

/** Alternating rounds over the sizes (order rotated each round); the median round per size and case. */
async function measureStores(name, stores) {
  const results = new Map(stores.map((s) => [s.size, { create: [], get: [], search: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = stores.map((_, k) => stores[(k + round) % stores.length]);
    for (const store of order) {
      for (const [kase, { n, run }] of Object.entries(CASES)) {
        settle();
        doing = `measuring ${kase} at ${store.size} on ${name}, round ${round + 1}`;
        results.get(store.size)[kase].push(await measure(n, (i) => run(store, i)));
      }
    }
  }
  const median = (list) => [...list].sort((a, b) => a.ops - b.ops)[Math.floor(list.length / 2)];
  return stores.map((s) => {
    const r = results.get(s.size);
    return { name, size: s.size, create: median(r.create), get: median(r.get), search: median(r.search) };
  });
}

async function diskRows() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-sizes-'));
  const stores = [];
  try {
    stores.push(...(await loadStores('disk', (size) => new SpecStar({ storageFactory: new DiskStorageFactory(path.join(base, String(size))) }))));
    return await measureStores('disk', stores);
  } finally {
    for (const store of stores) await store.spec.close();
    fs.rmSync(base, { recursive: true, force: true });
  }
}

async function postgresRows() {
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`CREATE DATABASE ${PG_DB}`);
  } catch (error) {
    console.log(`PostgreSQL skipped: ${error.message}`);
    await admin.end();
    return [];
  }
  const stores = [];
  try {
    const open = (size) => new SpecStar({ storageFactory: new PostgresStorageFactory({ dsn: `${PG_BASE}/${PG_DB}`, tablePrefix: `s${size}_`, max: 4 }) });
    stores.push(...(await loadStores('postgres', open)));
    const sql = postgres(`${PG_BASE}/${PG_DB}`, { max: 1, onnotice: () => {} });
    await sql.unsafe('ANALYZE');
    await sql.end();
    return await measureStores('postgres', stores);
  } finally {
    for (const store of stores) await store.spec.close();
    await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
    await admin.end();
  }
}

const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const rows = [];
  if (BACKENDS.includes('disk')) rows.push(...(await diskRows()));
  if (BACKENDS.includes('postgres')) rows.push(...(await postgresRows()));

  console.log(`\nCost against store size — ops/s (ratio to the 10k store of the same backend); ${OPS} creates, ${READS} gets, ${SEARCHES} searches per round, ${ROUNDS} rounds, median; node ${process.version}`);
  console.log('backend'.padEnd(10) + 'resources'.padStart(11) + 'create'.padStart(18) + 'get'.padStart(18) + 'search level==42'.padStart(20) + 'search p99 µs'.padStart(15));
  for (const row of rows) {
    const base = rows.find((r) => r.name === row.name && r.size === SIZES[0]);
    const cell = (kase, width) => `${fmt(row[kase].ops)} (${fmt(row[kase].ops / base[kase].ops, 2)})`.padStart(width);
    console.log(row.name.padEnd(10) + fmt(row.size).padStart(11) + cell('create', 18) + cell('get', 18) + cell('search', 20) + fmt(row.search.p99).padStart(15));
  }
  console.log(`peak RSS: ${fmt(process.resourceUsage().maxRSS / 1024)} MiB`);
  doing = 'done';
}

main().catch((error) => {
  doing = 'done';
  console.error(error);
  process.exit(1);
});
