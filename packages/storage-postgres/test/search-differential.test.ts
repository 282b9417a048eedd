import { countQuery, runQuery } from '@specstar/core';
import type {
  DataSearchCondition,
  DataSearchOperator,
  ResourceMeta,
  ResourceMetaSearchQuery,
  SearchFilter,
  SearchSort,
} from '@specstar/interfaces';
import { META_SORT_KEYS } from '@specstar/interfaces';
import { PostgresMetaStore, parseDsn, tableNames, type Sql } from '../src';
import { openPool } from '../src/connection';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

// Differential test: random metas × random queries, the PostgreSQL push-down against core's
// normative evaluator (runQuery / countQuery) on the very metas the store returns. Operands
// include what SQL cannot decide (regex, NUL and lone-surrogate text, exponent numbers, lists
// and maps), so the mixed path (SQL narrows, the evaluator finishes) is compared too. A fixed
// seed per round makes every failure reproducible.

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Gen {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

// Stored text holds no NUL or unpaired surrogate (PostgreSQL refuses them); operands may.
const STORED_TEXTS = ['', 'a', 'A', 'ab', 'abc', 'b', 'B', 'alice', 'Alice smith', 'é', 'ée', '😀', '\uffff', '\ue000', '%_', '50%_off', '10', '42', '-3', '1.5', '1e-7', 'true', 'null', '[1]', '{"x":1}', '2025-01-01T00:00:00.000Z', '2025-06-01T12:30:00.250Z', 'x"y', "it's", 'back\\slash'];
const TEXTS = [...STORED_TEXTS, 'a\u0000b', '\ud83d', 'e-7', '+21'];
const NUMBERS = [0, 1, 2, 3, 5, 7, 10, 42, -1, -3, 1.5, -2.25, 0.1, 255, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, -1e21, 1.5e-7, 1e-6, 123456789012345680000];
const KEYS = ['a', 'b', 'n', 's', 'l', 'o', 'created_by', 'dotted.key', 'q"k', 'constructor', '__proto__', 'nope'];
const META_PATHS = ['resource_id', 'current_revision_id', 'schema_version', 'total_revision_count', 'created_time', 'updated_time', 'created_by', 'updated_by', 'is_deleted', 'rev_status', 'rev_created_by', 'rev_updated_by', 'rev_created_time', 'rev_updated_time'];
const OPERATORS: DataSearchOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'ends_with', 'in', 'not_in', 'is_null', 'exists', 'isna', 'regex'];
const USERS = ['alice', 'bob', 'carol', 'Dave', ''];
const T0 = Date.UTC(2025, 0, 1);
const REGEXES = ['^a', 'b$', '(?i)^alice', '\\d+', '^[A-Z]', 'é', '.', '^$', 'l{2}', '^\\[', 'true'];

function scalar(g: Gen, stored = false): unknown {
  switch (g.int(5)) {
    case 0:
      return g.pick(stored ? STORED_TEXTS : TEXTS);
    case 1:
      return g.pick(NUMBERS);
    case 2:
      return g.chance(0.5);
    case 3:
      return null;
    default:
      return g.int(12);
  }
}

function jsonValue(g: Gen, depth = 0, stored = false): unknown {
  const roll = g.int(10);
  if (depth < 2 && roll === 0) return Array.from({ length: g.int(4) }, () => jsonValue(g, depth + 1, stored));
  if (depth < 2 && roll === 1) {
    const out: Record<string, unknown> = {};
    for (let i = g.int(3); i > 0; i--) out[g.pick(['x', 'y', 'z', '10', '9', 'a b'])] = jsonValue(g, depth + 1, stored);
    return out;
  }
  return scalar(g, stored);
}

function instant(g: Gen): Date {
  return new Date(T0 + g.int(8) * 1000 + (g.chance(0.2) ? 1 : 0));
}

function randomMeta(g: Gen, index: number): ResourceMeta {
  const id = `${g.pick(['r', 'R', 'item:', 'é'])}${String(index).padStart(2, '0')}`;
  const count = 1 + g.int(4);
  const meta: ResourceMeta = {
    current_revision_id: `${id}:${count}`,
    resource_id: id,
    schema_version: g.pick([null, 'v1', 'v2', 'v10']),
    total_revision_count: count,
    created_time: instant(g),
    updated_time: instant(g),
    created_by: g.pick(USERS),
    updated_by: g.pick(USERS),
    is_deleted: g.chance(0.3),
  };
  const rev = g.int(4);
  if (rev > 0) {
    const loose = meta as unknown as Record<string, unknown>;
    // 1: a current meta; 2: rev_* explicitly null (hand-made); 3: a mix
    loose['rev_status'] = rev === 2 ? null : g.pick(['draft', 'stable']);
    loose['rev_created_by'] = rev === 2 ? null : g.pick(USERS);
    loose['rev_updated_by'] = rev === 3 && g.chance(0.5) ? null : g.pick(USERS);
    loose['rev_created_time'] = rev === 2 ? null : instant(g);
    loose['rev_updated_time'] = rev === 3 && g.chance(0.5) ? null : instant(g);
  }
  const shape = g.int(10);
  if (shape === 0) return meta; // no indexed_data at all
  if (shape === 1) {
    (meta as unknown as Record<string, unknown>)['indexed_data'] = null;
    return meta;
  }
  const data: Record<string, unknown> = {};
  for (const key of KEYS) {
    // defineProperty, so "__proto__" is an own key as JSON.parse would make it
    if (key !== 'nope' && g.chance(0.75)) Object.defineProperty(data, key, { value: jsonValue(g, 0, true), enumerable: true, writable: true, configurable: true });
  }
  meta.indexed_data = data;
  return meta;
}

function operand(g: Gen, op: string, path: string): unknown {
  if (op === 'exists' || op === 'isna' || op === 'is_null') return g.pick([true, false, 1, 0, 'yes', '', null, [], [1]]);
  if (op === 'regex') return g.pick(REGEXES);
  if (op === 'in' || op === 'not_in') {
    if (g.chance(0.1)) return scalar(g);
    return Array.from({ length: g.int(4) }, () => (g.chance(0.15) ? jsonValue(g, 1) : path.endsWith('_time') ? instant(g) : scalar(g)));
  }
  const roll = g.int(12);
  if (roll === 0) return jsonValue(g, 1);
  if (roll === 1) return instant(g);
  if (roll === 2) return instant(g).toISOString();
  if (roll === 3) return g.pick([Number.NaN, Infinity, -Infinity]);
  if (roll === 4 && path === 'is_deleted') return g.chance(0.5);
  if (roll === 5 && (path === 'created_by' || path === 'resource_id')) return g.pick(USERS);
  return scalar(g);
}

function condition(g: Gen): DataSearchCondition {
  const path = g.chance(0.3) ? g.pick(META_PATHS) : g.pick(KEYS);
  const operator = g.pick(OPERATORS);
  const transform = g.chance(0.12) ? 'len' : null;
  const value = transform === 'len' && g.chance(0.7) ? g.int(5) : operand(g, operator, path);
  return { type: 'DataSearchCondition', field_path: path, operator, value, transform };
}

function filter(g: Gen, depth: number): SearchFilter {
  if (depth >= 3 || g.chance(0.6)) return condition(g);
  return {
    type: 'DataSearchGroup',
    operator: g.pick(['and', 'or', 'not'] as const),
    conditions: Array.from({ length: g.int(4) }, () => filter(g, depth + 1)),
  };
}

function sort(g: Gen): SearchSort {
  const direction = g.pick(['+', '-'] as const);
  if (g.chance(0.5)) return { type: 'meta', key: g.pick(META_SORT_KEYS), direction };
  return { type: 'data', field_path: g.pick(KEYS), direction };
}

function randomQuery(g: Gen): ResourceMetaSearchQuery {
  const query: ResourceMetaSearchQuery = { limit: g.pick([0, 1, 3, 10, 1000]), offset: g.pick([0, 0, 0, 1, 4]) };
  if (g.chance(0.2)) query.is_deleted = g.chance(0.5);
  if (g.chance(0.1)) query.created_time_start = instant(g);
  if (g.chance(0.1)) query.updated_time_end = instant(g);
  if (g.chance(0.1)) query.created_bys = [g.pick(USERS), g.pick(USERS)];
  if (g.chance(0.15)) query.data_conditions = Array.from({ length: 1 + g.int(2) }, () => filter(g, 1));
  if (g.chance(0.85)) query.conditions = Array.from({ length: 1 + g.int(3) }, () => filter(g, 0));
  if (g.chance(0.6)) query.sorts = Array.from({ length: 1 + g.int(2) }, () => sort(g));
  return query;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function outcome(run: () => Promise<unknown> | unknown): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: (error as Error).constructor.name, ...((error as Error).constructor.name === 'PostgresError' && { message: (error as Error).message }) };
  }
}

function show(query: ResourceMetaSearchQuery): string {
  return JSON.stringify(query, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

// More rounds or another seed for a deeper run: SPECSTAR_DIFF_ROUNDS=500 SPECSTAR_DIFF_SEED=7.
const ROUNDS = Number(process.env['SPECSTAR_DIFF_ROUNDS'] ?? 20);
const SEED = Number(process.env['SPECSTAR_DIFF_SEED'] ?? 1000);
const QUERIES_PER_ROUND = 120;

let db: TestDatabase;
let sql: Sql;

describePg('PostgresMetaStore search matches the normative evaluator', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    sql = openPool({ dsn: db.dsn, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it(`on ${ROUNDS} random datasets × ${QUERIES_PER_ROUND} random queries`, async () => {
    let compared = 0;
    let nonEmpty = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const g = new Gen(mulberry32(SEED + round));
      const store = new PostgresMetaStore(sql, { target: parseDsn(db.dsn), names: tableNames(`d${round}_`, 'item') });
      const n = 10 + g.int(40);
      await store.putMany(Array.from({ length: n }, (_, i) => randomMeta(g, i)));
      const stored = await collect(store.values());
      expect(stored).toHaveLength(n);
      for (let q = 0; q < QUERIES_PER_ROUND; q++) {
        const query = randomQuery(g);
        const expected = await outcome(() => runQuery(stored, query).map((m) => m.resource_id));
        const actual = await outcome(async () => (await store.search(query)).map((m) => m.resource_id));
        const expectedCount = await outcome(() => countQuery(stored, query));
        const actualCount = await outcome(() => store.count(query));
        const where = `round ${round}, query ${q}: ${show(query)}`;
        expect({ where, ids: actual, count: actualCount }).toEqual({ where, ids: expected, count: expectedCount });
        compared++;
        const ids = (expected as { value?: string[] }).value;
        if (ids !== undefined && ids.length > 0) nonEmpty++;
      }
    }
    // The generator must produce queries that select something, or the comparison proves little.
    expect(compared).toBe(ROUNDS * QUERIES_PER_ROUND);
    expect(nonEmpty).toBeGreaterThan(compared / 5);
  }, 120_000);
});
