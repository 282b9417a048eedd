// Memory-storage benchmark of the engine (issue: create/get/update/search on 100k resources),
// each against the raw layer in the same run:
//   create/update  ↔ encode + decode + Map.set of the same payload (JSON, and msgpackr)
//   get            ↔ Map.get + decode
//   search         ↔ a hand-written filter over a Map of the same metas
// Sizes: BENCH_RESOURCES (default 100000), BENCH_OPS (default 20000).
'use strict';
const { Packr } = require('msgpackr');
const { SpecStar, QB } = require('@specstar/core');
const { measure, compare, report, atLeast, atMostSlower } = require('./harness');

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 100_000);
const OPS = Math.min(Number(process.env.BENCH_OPS ?? 20_000), RESOURCES);
const SEARCH_RUNS = Number(process.env.BENCH_SEARCH_RUNS ?? 50);

const CharacterSchema = {
  title: 'Character',
  type: 'object',
  properties: {
    name: { type: 'string' },
    level: { type: 'integer', default: 1 },
    guild: { type: 'string' },
    tags: { type: 'array', items: { type: 'string' } },
    stats: { type: 'object', properties: { str: { type: 'integer' }, dex: { type: 'integer' } } },
  },
  required: ['name'],
};

const payload = (i, bump = 0) => ({
  name: `hero-${i}`,
  level: (i + bump) % 100,
  guild: `guild-${i % 50}`,
  tags: ['warrior', i % 2 ? 'odd' : 'even'],
  stats: { str: i % 20, dex: i % 17 },
});

async function main() {
  const ctx = { user: 'bench', now: new Date('2025-01-01T00:00:00.000Z') };
  const spec = new SpecStar();
  const rm = spec.addModel(CharacterSchema, { indexedFields: ['level', 'guild'] });
  const packr = new Packr({ useRecords: false });
  const ids = new Array(RESOURCES);

  // ---- create -------------------------------------------------------------------------
  const rawJson = new Map();
  const rawCreateJson = await measure(RESOURCES, (i) => {
    const bytes = Buffer.from(JSON.stringify(payload(i)));
    JSON.parse(bytes.toString('utf8'));
    rawJson.set(`character:${i}`, bytes);
  });
  const rawPack = new Map();
  const rawCreatePack = await measure(RESOURCES, (i) => {
    const bytes = packr.pack(payload(i));
    packr.unpack(bytes);
    rawPack.set(`character:${i}`, bytes);
  });
  const oursCreate = await measure(RESOURCES, async (i) => {
    ids[i] = (await rm.create(payload(i), ctx)).resource_id;
  });
  compare('create (vs JSON enc+dec+Map.set)', oursCreate, rawCreateJson, atLeast(0.5));
  compare('create (vs msgpackr enc+dec+set)', oursCreate, rawCreatePack);

  // ---- get ----------------------------------------------------------------------------
  const pick = (i) => (i * 7919) % RESOURCES; // spread reads over the whole store
  const rawGet = await measure(OPS, (i) => JSON.parse(rawJson.get(`character:${pick(i)}`).toString('utf8')));
  const oursGet = await measure(OPS, (i) => rm.get(ids[pick(i)]));
  compare('get (vs Map.get + JSON decode)', oursGet, rawGet, atLeast(0.5));

  // ---- update -------------------------------------------------------------------------
  const rawUpdate = await measure(OPS, (i) => {
    const bytes = Buffer.from(JSON.stringify(payload(pick(i), 1)));
    JSON.parse(bytes.toString('utf8'));
    rawJson.set(`character:${pick(i)}:2`, bytes);
  });
  const oursUpdate = await measure(OPS, (i) => rm.update(ids[pick(i)], payload(pick(i), 1), ctx));
  compare('update (vs JSON enc+dec+Map.set)', oursUpdate, rawUpdate);

  // ---- search on an indexed field -------------------------------------------------------
  // The raw side filters the very metas the engine holds, in creation order, first page of 10.
  const metas = new Map();
  for (const meta of await rm.searchResources({ limit: RESOURCES })) metas.set(meta.resource_id, meta);
  const handFilter = (predicate, limit) => {
    const out = [];
    for (const meta of metas.values()) if (predicate(meta.indexed_data)) out.push(meta);
    return out.slice(0, limit);
  };
  const rawEq = await measure(SEARCH_RUNS, () => handFilter((d) => d.level === 42, 10));
  const oursEq = await measure(SEARCH_RUNS, () => rm.searchResources(QB.field('level').eq(42)));
  compare(`search level == 42 (${RESOURCES / 1000}k)`, oursEq, rawEq, atMostSlower(2));
  const rawRange = await measure(SEARCH_RUNS, () => handFilter((d) => d.level >= 90 && d.guild === 'guild-7', 10));
  const oursRange = await measure(SEARCH_RUNS, () =>
    rm.searchResources(QB.field('level').gte(90).and(QB.field('guild').eq('guild-7'))),
  );
  compare(`search level>=90 & guild (${RESOURCES / 1000}k)`, oursRange, rawRange, atMostSlower(2));

  report(`SpecStar memory storage — ${RESOURCES} resources, ${OPS} get/update ops, ${SEARCH_RUNS} searches, node ${process.version}`);
  await spec.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
