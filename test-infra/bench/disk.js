// Disk-storage benchmark of the engine (@specstar/storage-disk), each case against the raw layers
// it sits on, measured in the same run through the same loop:
//   create / update ↔ JSON encode + write + fdatasync of a new payload file + one INSERT into a
//                     raw better-sqlite3 table (WAL, synchronous=FULL), i.e. the bare durable path
//                     with payload files; creates also against one INSERT carrying the payload
//                     (FULL), the bare durable path with payloads in the row, and ours with every
//                     payload in a file (inline_bytes 0) beside the default (inline up to 64 KiB)
//   get             ↔ SELECT of that row + read of the payload file + JSON decode (ours with its
//                     payload cache, as shipped, and once more with the cache off)
//   search          ↔ SELECT … WHERE level = ? ORDER BY id LIMIT 10 on a real indexed column (level, id)
//                     of the raw table; a range sorted by level, `in`, and a sort with a limit
//                     against the same SELECT shapes on that index, each returning the same rows
// Every write on both sides is durable before the next one starts. Sides alternate in rounds;
// the median round is reported (see harness.js).
//
// Run: pnpm bench:disk (from the repository root)
//      node test-infra/bench/disk.js
// Sizes: BENCH_DISK_OPS (default 400) writes per round, BENCH_DISK_READS (default 5000) gets per
// round, BENCH_DISK_METAS (default 100000) metas in the searched store, BENCH_SEARCHES (40).
// BENCH_DISK_DIR picks the filesystem (default: the OS temp dir); results depend on its fsync cost.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { SpecStar, QB } = require('@specstar/core');
const { rounds, compare, report, atLeast } = require('./harness');
const { CharacterSchema, payload, searchBatch } = require('./fixtures');

const { DiskStorageFactory } = require('@specstar/storage-disk');
const Database = require('better-sqlite3');

const OPS = Number(process.env.BENCH_DISK_OPS ?? 400);
const READS = Number(process.env.BENCH_DISK_READS ?? 5000);
const METAS = Number(process.env.BENCH_DISK_METAS ?? 100_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 40);
const BASE = fs.mkdtempSync(path.join(process.env.BENCH_DISK_DIR ?? os.tmpdir(), 'specstar-bench-disk-'));

const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
let dirs = 0;
function freshDir() {
  const dir = path.join(BASE, String(dirs++));
  fs.mkdirSync(dir);
  return dir;
}

/** The hand-written durable store: a payload file per write and one row per write in SQLite. */
class RawStore {
  constructor(dir) {
    this.dataDir = path.join(dir, 'data');
    fs.mkdirSync(this.dataDir, { recursive: true });
    this.db = new Database(path.join(dir, 'raw.sqlite3'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec('CREATE TABLE IF NOT EXISTS rows (id TEXT PRIMARY KEY, file TEXT NOT NULL, level INTEGER, record TEXT NOT NULL, payload BLOB)');
    this.db.exec('CREATE INDEX IF NOT EXISTS rows_level ON rows (level, id)');
    this.insert = this.db.prepare('INSERT OR REPLACE INTO rows (id, file, level, record) VALUES (?, ?, ?, ?)');
    this.insertInline = this.db.prepare('INSERT OR REPLACE INTO rows (id, file, level, record, payload) VALUES (?, ?, ?, ?, ?)');
    this.select = this.db.prepare('SELECT file, record FROM rows WHERE id = ?');
    this.byLevel = this.db.prepare('SELECT record FROM rows WHERE level = ? ORDER BY id LIMIT 10');
    this.fromLevel = this.db.prepare('SELECT record FROM rows WHERE level >= ? ORDER BY level, id LIMIT 10');
    this.inLevels = this.db.prepare('SELECT record FROM rows WHERE level IN (?, ?) ORDER BY id LIMIT 10');
    this.lowestLevels = this.db.prepare('SELECT record FROM rows ORDER BY level, id LIMIT 10');
    this.files = 0;
  }

  write(id, value) {
    const bytes = Buffer.from(JSON.stringify(value));
    const file = String(this.files++);
    const fd = fs.openSync(path.join(this.dataDir, file), 'wx');
    try {
      fs.writeSync(fd, bytes);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    this.insert.run(id, file, value.level, JSON.stringify({ id, level: value.level, updated: ctx.now.toISOString() }));
  }

  /** The payload in the row: one INSERT, made durable by its WAL sync (FULL). */
  writeInline(id, value) {
    const bytes = Buffer.from(JSON.stringify(value));
    this.insertInline.run(id, '', value.level, JSON.stringify({ id, level: value.level, updated: ctx.now.toISOString() }), bytes);
  }

  read(id) {
    const row = this.select.get(id);
    JSON.parse(row.record);
    return JSON.parse(fs.readFileSync(path.join(this.dataDir, row.file), 'utf8'));
  }

  close() {
    this.db.close();
  }
}

function diskManager(dir, options) {
  const spec = new SpecStar({ storageFactory: new DiskStorageFactory(dir, options) });
  return { spec, rm: spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] }) };
}

async function main() {
  const opened = [];
  const track = (x) => (opened.push(x), x);

  // ---- create: OPS durable creates per round into fresh stores ----------------------------
  const create = await rounds({
    n: OPS,
    setup: (side) => (side === 'raw' ? track(new RawStore(freshDir())) : track(diskManager(freshDir())).rm),
    raw: (i, raw) => raw.write(`character:${i}`, payload(i)),
    ours: (i, rm) => rm.create(payload(i), ctx),
  });
  compare('create (vs write+fsync+INSERT)', create.ours, create.raw, atLeast(0.5));
  const createInRow = await rounds({
    n: OPS,
    setup: (side) => (side === 'raw' ? track(new RawStore(freshDir())) : track(diskManager(freshDir())).rm),
    raw: (i, raw) => raw.writeInline(`character:${i}`, payload(i)),
    ours: (i, rm) => rm.create(payload(i), ctx),
  });
  compare('create (vs INSERT with the payload, FULL)', createInRow.ours, createInRow.raw);
  const createInFiles = await rounds({
    n: OPS,
    setup: (side) => (side === 'raw' ? track(new RawStore(freshDir())) : track(diskManager(freshDir(), { inlineBytes: 0 })).rm),
    raw: (i, raw) => raw.write(`character:${i}`, payload(i)),
    ours: (i, rm) => rm.create(payload(i), ctx),
  });
  compare('create, payloads in files (inline_bytes 0)', createInFiles.ours, createInFiles.raw);

  // ---- a populated store on both sides for get and update ---------------------------------
  const population = Math.max(OPS, 1000);
  const raw = track(new RawStore(freshDir()));
  const populated = freshDir();
  const { rm } = track(diskManager(populated));
  const ids = Array.from({ length: population });
  for (let i = 0; i < population; i++) {
    ids[i] = (await rm.create(payload(i), ctx)).resource_id;
    raw.write(ids[i], payload(i));
  }
  const pick = (i, r) => ids[(i * 7919 + r * 104729) % population];

  const get = await rounds({
    n: READS,
    raw: (i, _, r) => raw.read(pick(i, r)),
    ours: (i, _, r) => rm.get(pick(i, r)),
  });
  compare('get (vs SELECT + file read)', get.ours, get.raw, atLeast(0.6));
  // The same store through a second connection without the payload cache: every get reads its file.
  const { rm: uncached } = track(diskManager(populated, { cacheBytes: 0 }));
  const getUncached = await rounds({
    n: READS,
    raw: (i, _, r) => raw.read(pick(i, r)),
    ours: (i, _, r) => uncached.get(pick(i, r)),
  });
  compare('get, payload cache off', getUncached.ours, getUncached.raw);

  const update = await rounds({
    n: OPS,
    raw: (i, _, r) => raw.write(pick(i, r), payload(i, r + 1)),
    ours: (i, _, r) => rm.update(pick(i, r), payload(i, r + 1), ctx),
  });
  compare('update (vs write+fsync+INSERT)', update.ours, update.raw);

  // ---- search over METAS metas: written in bulk on both sides (one transaction each) ----------
  const searchSide = track(diskManager(freshDir()));
  const storage = searchSide.rm.storage;
  const rawSearch = track(new RawStore(freshDir()));
  const BATCH = 5000;
  for (let start = 0; start < METAS; start += BATCH) {
    const { metas, rows } = searchBatch(start, Math.min(METAS, start + BATCH), ctx.now);
    await storage.saveMetas(metas);
    rawSearch.db.transaction(() => {
      for (const row of rows) rawSearch.insert.run(row.id, String(row.i), row.level, row.record);
    })();
  }
  const k = `${METAS / 1000}k`;
  const eq = await rounds({
    n: SEARCHES,
    raw: () => rawSearch.byLevel.all(42).map((row) => JSON.parse(row.record)),
    ours: () => searchSide.rm.searchResources(QB.field('level').eq(42).sort('resource_id')),
  });
  compare(`search level == 42 (${k}, index)`, eq.ours, eq.raw, atLeast(0.3));
  const parse = (rows) => rows.map((row) => JSON.parse(row.record));
  const range = await rounds({
    n: SEARCHES,
    raw: () => parse(rawSearch.fromLevel.all(98)),
    ours: () => searchSide.rm.searchResources(QB.field('level').gte(98).sort('level')),
  });
  compare(`search level >= 98 sorted by level (${k})`, range.ours, range.raw, atLeast(0.3));
  const inList = await rounds({
    n: SEARCHES,
    raw: () => parse(rawSearch.inLevels.all(3, 42)),
    ours: () => searchSide.rm.searchResources(QB.field('level').in([3, 42]).sort('resource_id')),
  });
  compare(`search level in [3, 42] (${k})`, inList.ours, inList.raw);
  const sorted = await rounds({
    n: SEARCHES,
    raw: () => parse(rawSearch.lowestLevels.all()),
    ours: () => searchSide.rm.searchResources(QB.all().sort('level').limit(10)),
  });
  compare(`sort by level, limit 10 (${k})`, sorted.ours, sorted.raw, atLeast(0.3));

  report(
    `SpecStar disk storage — ${OPS} writes, ${READS} gets and ${SEARCHES} searches per round, ${METAS} metas searched, ` +
      `node ${process.version}, dir ${BASE}`,
  );
  for (const item of opened) {
    if (item instanceof RawStore) item.close();
    else await item.spec.close();
  }
  fs.rmSync(BASE, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  fs.rmSync(BASE, { recursive: true, force: true });
  process.exit(1);
});
