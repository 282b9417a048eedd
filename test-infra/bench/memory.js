// Memory-storage benchmark of the engine, each case against its raw layer in the same run:
//   create/update  ↔ encode + decode + Map.set of the same payload (JSON, and msgpackr)
//   get            ↔ Map.get + decode
//   search         ↔ a hand-written filter over a Map of the same metas
// Sides alternate in rounds from a settled heap; the median round is reported.
// Sizes: BENCH_RESOURCES (default 100000) live resources, BENCH_OPS (default 20000) per round.
'use strict';
const { Packr } = require('msgpackr');
const { SpecStar, QB } = require('@specstar/core');
const { rounds, compare, report, atLeast, atMostSlower } = require('./harness');
const { CharacterSchema, payload } = require('./fixtures');

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const OPS = Math.min(Number(process.env.BENCH_OPS ?? 20_000), RESOURCES);
const SEARCHES = Number(process.env.BENCH_SEARCHES ?? 40);
// Cases with a target take the median of more rounds: a garbage-collection cycle landing in one
// round moves that round by ±10%, and the verdict should not hinge on where it lands.
const TARGET_ROUNDS = 9;


const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
const newManager = () => new SpecStar().addModel(CharacterSchema, { indexedFields: ['level', 'guild'] });
const json = {
  write: (map, key, value) => {
    const bytes = Buffer.from(JSON.stringify(value));
    JSON.parse(bytes.toString('utf8'));
    map.set(key, bytes);
  },
  read: (map, key) => JSON.parse(map.get(key).toString('utf8')),
};

async function main() {
  const packr = new Packr({ useRecords: false });

  // ---- create: OPS creates per round into fresh state ----------------------------------
  const create = await rounds({
    rounds: TARGET_ROUNDS,
    n: OPS,
    setup: (side) => (side === 'raw' ? new Map() : newManager()),
    raw: (i, map) => json.write(map, `character:${i}`, payload(i)),
    ours: (i, rm) => rm.create(payload(i), ctx),
  });
  compare('create (vs JSON enc+dec+Map.set)', create.ours, create.raw, atLeast(0.5));
  const createPack = await rounds({
    rounds: 3,
    n: OPS,
    setup: (side) => (side === 'raw' ? new Map() : newManager()),
    raw: (i, map) => {
      const bytes = packr.pack(payload(i));
      packr.unpack(bytes);
      map.set(`character:${i}`, bytes);
    },
    ours: (i, rm) => rm.create(payload(i), ctx),
  });
  compare('create (vs msgpackr enc+dec+set)', createPack.ours, createPack.raw);

  // ---- a populated store: RESOURCES live resources on both sides -------------------------
  const rm = newManager();
  const ids = Array.from({ length: RESOURCES });
  const rawStore = new Map();
  for (let i = 0; i < RESOURCES; i++) {
    ids[i] = (await rm.create(payload(i), ctx)).resource_id;
    json.write(rawStore, ids[i], payload(i));
  }
  const pick = (i, r) => (i * 7919 + r * 104729) % RESOURCES; // spread over the whole store

  const get = await rounds({
    rounds: TARGET_ROUNDS,
    n: OPS,
    raw: (i, _, r) => json.read(rawStore, ids[pick(i, r)]),
    ours: (i, _, r) => rm.get(ids[pick(i, r)]),
  });
  compare('get (vs Map.get + JSON decode)', get.ours, get.raw, atLeast(0.5));

  const update = await rounds({
    n: OPS,
    raw: (i, _, r) => json.write(rawStore, ids[pick(i, r)], payload(pick(i, r), r + 1)),
    ours: (i, _, r) => rm.update(ids[pick(i, r)], payload(pick(i, r), r + 1), ctx),
  });
  compare('update (vs JSON enc+dec+Map.set)', update.ours, update.raw);

  // ---- search: the raw side filters the very Map of metas the memory store holds (reached
  // through private fields, for the bench only), first page of 10 in creation order.
  const metas = rm.storage.metas.metas;
  if (!(metas instanceof Map) || metas.size !== RESOURCES) throw new Error('bench: cannot reach the memory store map');
  const handFilter = (predicate, limit) => {
    const out = [];
    for (const meta of metas.values()) if (predicate(meta.indexed_data)) out.push(meta);
    return out.slice(0, limit);
  };
  const k = `${RESOURCES / 1000}k`;
  const eq = await rounds({
    n: SEARCHES,
    raw: () => handFilter((d) => d.level === 42, 10),
    ours: () => rm.searchResources(QB.field('level').eq(42)),
  });
  compare(`search level == 42 (${k}, index)`, eq.ours, eq.raw, atMostSlower(2));
  const mixed = await rounds({
    n: SEARCHES,
    raw: () => handFilter((d) => d.level >= 90 && d.guild === 'guild-7', 10),
    ours: () => rm.searchResources(QB.field('level').gte(90).and(QB.field('guild').eq('guild-7'))),
  });
  compare(`search level>=90 & guild (${k})`, mixed.ours, mixed.raw, atMostSlower(2));
  const scan = await rounds({
    n: SEARCHES,
    raw: () => handFilter((d) => d.level >= 95, 10),
    ours: () => rm.searchResources(QB.field('level').gte(95)),
  });
  compare(`search level >= 95 (${k}, full scan)`, scan.ours, scan.raw, atMostSlower(2));

  report(`SpecStar memory storage — ${RESOURCES} live resources, ${OPS} ops and ${SEARCHES} searches per round, node ${process.version}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
