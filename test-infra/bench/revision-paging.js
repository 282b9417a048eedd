// Revision-list paging: the first page (10 infos, newest first) of a resource with 10,000
// revisions against the same page of a resource with 10, on memory, disk and PostgreSQL, through
// the same loop. The ratio is ops/s at 10,000 ÷ ops/s at 10: ~1 means the page costs the same
// whatever the history's length. The full list (rm.listRevisions, what revision-list loaded
// before cursors) at 10,000 is printed beside it for scale.
//
// Run: node --expose-gc test-infra/bench/revision-paging.js (PostgreSQL on 127.0.0.1:5432, skipped when down)
// Sizes: BENCH_PAGING_REVISIONS (default 10000), BENCH_PAGING_READS pages per round (default 300, and
// 5000 on memory, where a page takes microseconds and 300 calls measure the JIT's warm-up, not the page);
// BENCH_PAGING_BACKENDS (default memory,disk,postgres) picks the backends.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const postgres = require('postgres');
const { SpecStar } = require('@specstar/core');
const { DiskStorageFactory } = require('@specstar/storage-disk');
const { PostgresStorageFactory } = require('@specstar/storage-postgres');
const { rounds, measure, compare, report, atLeast } = require('./harness');
const { CharacterSchema, payload } = require('./fixtures');

const LONG = Number(process.env.BENCH_PAGING_REVISIONS ?? 10_000);
const readsFor = (name) => Number(process.env.BENCH_PAGING_READS ?? (name === 'memory' ? 5000 : 300));
const BACKENDS = new Set((process.env.BENCH_PAGING_BACKENDS ?? 'memory,disk,postgres').split(','));
const PG_BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const PG_DB = `specstar_bench_paging_${process.pid}`;
const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };

/** A resource with `count` revisions: the first through the engine, the rest written in batches beside it. */
async function history(rm, count) {
  const { resource_id: id } = await rm.create(payload(0), ctx);
  const storage = rm.storage;
  const meta = await rm.getMeta(id);
  const first = await storage.getRevision(id, meta.current_revision_id, meta.schema_version);
  for (let start = 2; start <= count; start += 1000) {
    const batch = [];
    for (let n = start; n <= Math.min(count, start + 999); n++) {
      const info = { ...first.info, uid: `${first.info.uid.slice(0, -8)}${String(n).padStart(8, '0')}`, revision_id: `${id}:${n}`, parent_revision_id: `${id}:${n - 1}` };
      batch.push({ info, data: first.data });
    }
    await storage.saveRevisions(batch);
  }
  await storage.saveMetas([{ ...meta, current_revision_id: `${id}:${count}`, total_revision_count: count }]);
  return id;
}

async function backend(name, spec) {
  const rm = spec.addModel(CharacterSchema, { indexedFields: ['level'] });
  const short = await history(rm, 10);
  const long = await history(rm, LONG);
  const page = (id) => rm.listRevisionsPage(id, { limit: 10 });
  if ((await page(long)).revisions[0].revision_id !== `${long}:${LONG}`) throw new Error(`${name}: the first page is not the newest`);
  const result = await rounds({ n: readsFor(name), raw: () => page(short), ours: () => page(long) });
  compare(`${name}: first page ${LONG} ÷ 10`, result.ours, result.raw, atLeast(0.5));
  const full = await measure(3, () => rm.listRevisions(long));
  console.log(`${name}: full list of ${LONG} infos (the uncursored path): ${full.p50.toFixed(0)} µs p50; first page at ${LONG}: ${result.ours.p50.toFixed(0)} µs, at 10: ${result.raw.p50.toFixed(0)} µs`);
  await spec.close();
}

async function pgUp() {
  const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`CREATE DATABASE ${PG_DB}`);
    return true;
  } catch (error) {
    console.log(`PostgreSQL skipped: ${error.message}`);
    return false;
  } finally {
    await admin.end();
  }
}

async function diskBackend() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-bench-paging-'));
  try {
    await backend('disk', new SpecStar({ storageFactory: new DiskStorageFactory(dir) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (BACKENDS.has('memory')) await backend('memory', new SpecStar());
  if (BACKENDS.has('disk')) await diskBackend();
  if (BACKENDS.has('postgres') && (await pgUp())) {
    try {
      await backend('postgres', new SpecStar({ storageFactory: new PostgresStorageFactory({ dsn: `${PG_BASE}/${PG_DB}` }) }));
    } finally {
      const admin = postgres(`${PG_BASE}/postgres`, { max: 1, onnotice: () => {} });
      await admin.unsafe(`DROP DATABASE IF EXISTS ${PG_DB} WITH (FORCE)`);
      await admin.end();
    }
  }
  report(`revision-list first page (limit 10, newest first) at ${LONG} revisions ÷ at 10`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
