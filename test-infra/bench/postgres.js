// PostgreSQL benchmark of the engine (@specstar/storage-postgres), each case against raw
// postgres.js on the same server, measured in the same run through the same loop:
//   create / update ↔ the transaction a create costs done by hand: BEGIN; INSERT meta row;
//                     INSERT revision row; COMMIT (prepared statements, one pool)
//   get             ↔ SELECT of the revision row by key + JSON decode
//   search / list   ↔ SELECT … WHERE level = $1 ORDER BY id LIMIT 10 on an indexed column (level, id);
//                     a range sorted by level, `in`, and a sort with a limit against the same
//                     SELECT shapes on that index, each returning the same rows
// Sides alternate in rounds; the median round is reported (see harness.js).
//
// Run: pnpm bench:postgres (from the repository root) — needs PostgreSQL on 127.0.0.1:5432
//      node test-infra/bench/postgres.js
// Sizes: BENCH_PG_OPS (default 500) writes per round, BENCH_PG_READS (default 3000) gets per
// round, BENCH_PG_METAS (default 100000) metas in the searched store, BENCH_SEARCHES (40).
// BENCH_PG_DSN_BASE (default postgres://postgres@127.0.0.1:5432) picks the server; the run
// creates and drops its own database.
'use strict';
const crypto = require('node:crypto');
const postgres = require('postgres');
const { SpecStar, QB } = require('@specstar/core');
const { PostgresStorageFactory } = require('@specstar/storage-postgres');
const { rounds, compare, report, atLeast } = require('./harness');
const { CharacterSchema, payload, searchBatch } = require('./fixtures');

const OPS = Number(process.env.BENCH_PG_OPS ?? 500);
const READS = Number(process.env.BENCH_PG_READS ?? 3000);
const METAS = Number(process.env.BENCH_PG_METAS ?? 100_000);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 40);
const BASE = process.env.BENCH_PG_DSN_BASE ?? 'postgres://postgres@127.0.0.1:5432';
const DB = `specstar_bench_${crypto.randomBytes(4).toString('hex')}`;
const DSN = `${BASE}/${DB}`;
const POOL = 4;

const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
let tables = 0;

/** The hand-written store: a meta row and a revision row per write, in one transaction. */
class RawStore {
  constructor(sql) {
    this.sql = sql;
    this.name = `raw${tables++}`;
  }

  async init() {
    await this.sql.unsafe(`CREATE TABLE ${this.name}_meta (id text PRIMARY KEY, rev text NOT NULL, level int, record bytea NOT NULL)`);
    await this.sql.unsafe(`CREATE INDEX ON ${this.name}_meta (level, id)`);
    await this.sql.unsafe(`CREATE TABLE ${this.name}_rev (id text, rev text, data bytea NOT NULL, PRIMARY KEY (id, rev))`);
    return this;
  }

  write(id, rev, value) {
    const data = Buffer.from(JSON.stringify(value));
    const record = Buffer.from(JSON.stringify({ id, rev, level: value.level, updated: ctx.now.toISOString() }));
    return this.sql.begin((tx) => [
      tx.unsafe(`INSERT INTO ${this.name}_meta (id, rev, level, record) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET rev = EXCLUDED.rev, level = EXCLUDED.level, record = EXCLUDED.record`, [id, rev, value.level, record], { prepare: true }),
      tx.unsafe(`INSERT INTO ${this.name}_rev (id, rev, data) VALUES ($1, $2, $3)`, [id, rev, data], { prepare: true }),
    ]);
  }

  async read(id, rev) {
    const [row] = await this.sql.unsafe(`SELECT data FROM ${this.name}_rev WHERE id = $1 AND rev = $2`, [id, rev], { prepare: true });
    return JSON.parse(row.data.toString('utf8'));
  }

  async byLevel(level) {
    return this.records(`SELECT record FROM ${this.name}_meta WHERE level = $1 ORDER BY id LIMIT 10`, [level]);
  }

  async fromLevel(level) {
    return this.records(`SELECT record FROM ${this.name}_meta WHERE level >= $1 ORDER BY level, id LIMIT 10`, [level]);
  }

  async inLevels(a, b) {
    return this.records(`SELECT record FROM ${this.name}_meta WHERE level IN ($1, $2) ORDER BY id LIMIT 10`, [a, b]);
  }

  async lowestLevels() {
    return this.records(`SELECT record FROM ${this.name}_meta ORDER BY level, id LIMIT 10`, []);
  }

  async records(text, values) {
    const rows = await this.sql.unsafe(text, values, { prepare: true });
    return rows.map((row) => JSON.parse(row.record.toString('utf8')));
  }
}

function pgManager() {
  const spec = new SpecStar({ storageFactory: new PostgresStorageFactory({ dsn: DSN, tablePrefix: `s${tables++}_`, max: POOL }) });
  return { spec, rm: spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] }) };
}

async function main() {
  const admin = postgres(`${BASE}/postgres`, { max: 1, onnotice: () => {} });
  await admin.unsafe(`CREATE DATABASE ${DB}`);
  await admin.end();
  const sql = postgres(DSN, { max: POOL, onnotice: () => {} });
  const opened = [];
  try {
    // ---- create: OPS creates per round into fresh tables ------------------------------------
    const create = await rounds({
      n: OPS,
      setup: async (side) => {
        if (side === 'raw') return new RawStore(sql).init();
        const manager = pgManager();
        opened.push(manager);
        await manager.rm.storage.ready();
        return manager.rm;
      },
      raw: (i, raw) => raw.write(`character:${i}`, `character:${i}:1`, payload(i)),
      ours: (i, rm) => rm.create(payload(i), ctx),
    });
    compare('create (vs BEGIN + 2 INSERT + COMMIT)', create.ours, create.raw, atLeast(0.5));

    // ---- a populated store on both sides for get and update -----------------------------------
    const population = Math.max(OPS, 1000);
    const raw = await new RawStore(sql).init();
    const manager = pgManager();
    opened.push(manager);
    const { rm } = manager;
    const ids = Array.from({ length: population });
    for (let i = 0; i < population; i++) {
      ids[i] = (await rm.create(payload(i), ctx)).resource_id;
      await raw.write(ids[i], `${ids[i]}:1`, payload(i));
    }
    const pick = (i, r) => ids[(i * 7919 + r * 104729) % population];

    const get = await rounds({
      n: READS,
      raw: (i, _, r) => {
        const id = pick(i, r);
        return raw.read(id, `${id}:1`);
      },
      ours: (i, _, r) => rm.get(pick(i, r)),
    });
    compare('get (vs SELECT by key)', get.ours, get.raw, atLeast(0.6));

    let revision = 1;
    const update = await rounds({
      n: OPS,
      setup: () => {
        revision += 1;
        return revision;
      },
      raw: (i, rev, r) => {
        const id = pick(i, r);
        return raw.write(id, `${id}:u${rev}:${i}`, payload(i, r + 1));
      },
      ours: (i, _, r) => rm.update(pick(i, r), payload(i, r + 100 + i), ctx),
    });
    compare('update (vs BEGIN + 2 INSERT + COMMIT)', update.ours, update.raw);

    // ---- search and list over METAS metas, written in bulk on both sides -----------------------
    const searchSide = pgManager();
    opened.push(searchSide);
    const storage = searchSide.rm.storage;
    const rawSearch = await new RawStore(sql).init();
    const BATCH = 5000;
    for (let start = 0; start < METAS; start += BATCH) {
      const { metas, rows } = searchBatch(start, Math.min(METAS, start + BATCH), ctx.now);
      await storage.saveMetas(metas);
      await sql.unsafe(
        `INSERT INTO ${rawSearch.name}_meta (id, rev, level, record) SELECT id, id || ':1', level, convert_to(record, 'UTF8') FROM unnest($1::text[], $2::int[], $3::text[]) AS t(id, level, record)`,
        [rows.map((row) => row.id), rows.map((row) => row.level), rows.map((row) => row.record)],
      );
    }
    await sql.unsafe('ANALYZE');
    const k = `${METAS / 1000}k`;
    const search = await rounds({
      n: SEARCHES,
      raw: () => rawSearch.byLevel(42),
      ours: () => searchSide.rm.searchResources(QB.field('level').eq(42).sort('resource_id')),
    });
    compare(`search level == 42 (${k}, index)`, search.ours, search.raw, atLeast(0.6));
    const list = await rounds({
      n: SEARCHES,
      raw: () => rawSearch.byLevel(42),
      ours: () => searchSide.rm.listResources(QB.field('level').eq(42).sort('resource_id'), { returns: ['meta'] }),
    });
    compare(`list level == 42, meta only (${k})`, list.ours, list.raw, atLeast(0.6));
    const range = await rounds({
      n: SEARCHES,
      raw: () => rawSearch.fromLevel(98),
      ours: () => searchSide.rm.searchResources(QB.field('level').gte(98).sort('level')),
    });
    compare(`search level >= 98 sorted by level (${k})`, range.ours, range.raw, atLeast(0.6));
    const inList = await rounds({
      n: SEARCHES,
      raw: () => rawSearch.inLevels(3, 42),
      ours: () => searchSide.rm.searchResources(QB.field('level').in([3, 42]).sort('resource_id')),
    });
    compare(`search level in [3, 42] (${k})`, inList.ours, inList.raw);
    const sorted = await rounds({
      n: SEARCHES,
      raw: () => rawSearch.lowestLevels(),
      ours: () => searchSide.rm.searchResources(QB.all().sort('level').limit(10)),
    });
    compare(`sort by level, limit 10 (${k})`, sorted.ours, sorted.raw, atLeast(0.6));

    report(`SpecStar PostgreSQL storage — ${OPS} writes, ${READS} gets and ${SEARCHES} searches per round, ${METAS} metas searched, pool ${POOL}, node ${process.version}`);
  } finally {
    for (const item of opened) await item.spec.close();
    await sql.end();
    const again = postgres(`${BASE}/postgres`, { max: 1, onnotice: () => {} });
    await again.unsafe(`DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    await again.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
