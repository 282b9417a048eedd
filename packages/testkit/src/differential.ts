import { countQuery, runQuery } from '@specstar/core/adapter';
import type {
  DataSearchCondition,
  DataSearchOperator,
  ResourceMeta,
  ResourceMetaSearchQuery,
  SearchFilter,
  SearchSort,
} from '@specstar/interfaces';
import { META_SORT_KEYS } from '@specstar/interfaces';

// Differential search: random metas × random queries, a store's search push-down against core's
// normative evaluator (runQuery / countQuery) on the very metas the store returns. Operands
// include what SQL cannot decide (regex, NUL and lone-surrogate text, exponent numbers, lists
// and maps), so a mixed path (SQL narrows, the evaluator finishes) is compared too. A fixed seed
// per round makes every failure reproducible; the failing round, query and both answers are reported.

/**
 * The part of a meta store the differential run uses; search and count may be synchronous, and
 * what putMany and close return (a promise or not) is awaited.
 */
export interface DifferentialStore {
  putMany(metas: ResourceMeta[]): unknown;
  values(): AsyncIterable<ResourceMeta>;
  search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> | ResourceMeta[];
  count(query: ResourceMetaSearchQuery): Promise<number> | number;
  /** Called after the round, also when it fails. */
  close?(): unknown;
}

export interface SearchDifferentialOptions {
  /** jest/vitest-compatible `expect`. */
  expect: any;
  rounds: number;
  /** Round `r` runs on seed `seed + r`. */
  seed: number;
  queriesPerRound: number;
  /** A fresh, empty store for each round. */
  openStore(round: number): Promise<DifferentialStore> | DifferentialStore;
  /**
   * Whether the backend can store a text inside indexed data (PostgreSQL refuses NUL and lone
   * surrogates). Query operands still use every text. Default: every text is storable.
   */
  storableText?: (text: string) => boolean;
  /** Errors whose message is kept in the compared outcome, to see why a backend failed. */
  keepMessage?: (error: Error) => boolean;
}

/**
 * False for text with an unpaired UTF-16 surrogate, which UTF-8 storage (SQLite, PostgreSQL)
 * cannot keep as it is: a useful base for `storableText`.
 */
export function isWellFormedText(text: string): boolean {
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);
}

/** A deterministic PRNG (mulberry32): numbers in [0, 1), so randomized tests replay exactly from their seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TEXTS = ['', 'a', 'A', 'ab', 'abc', 'b', 'B', 'alice', 'Alice smith', 'é', 'ée', '😀', '\uffff', '\ue000', '%_', '50%_off', '10', '42', '-3', '1.5', '1e-7', 'true', 'null', '[1]', '{"x":1}', '2025-01-01T00:00:00.000Z', '2025-06-01T12:30:00.250Z', 'x"y', "it's", 'back\\slash', 'a\u0000b', '\ud83d', 'e-7', '+21'];
const NUMBERS = [0, 1, 2, 3, 5, 7, 10, 42, -1, -3, 1.5, -2.25, 0.1, 255, 2 ** 31, 2 ** 53 - 1, 2 ** 53 + 2, 1e21, -1e21, 1.5e-7, 1e-6, 123456789012345680000];
const KEYS = ['a', 'b', 'n', 's', 'l', 'o', 'created_by', 'dotted.key', 'q"k', 'constructor', '__proto__', 'nope'];
const META_PATHS = ['resource_id', 'current_revision_id', 'schema_version', 'total_revision_count', 'created_time', 'updated_time', 'created_by', 'updated_by', 'is_deleted', 'rev_status', 'rev_created_by', 'rev_updated_by', 'rev_created_time', 'rev_updated_time'];
const OPERATORS: DataSearchOperator[] = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'starts_with', 'ends_with', 'in', 'not_in', 'is_null', 'exists', 'isna', 'regex'];
const USERS = ['alice', 'bob', 'carol', 'Dave', ''];
const T0 = Date.UTC(2025, 0, 1);
const REGEXES = ['^a', 'b$', '(?i)^alice', '\\d+', '^[A-Z]', 'é', '.', '^$', 'l{2}', '^\\[', 'true'];

class SearchGenerator {
  private readonly next: () => number;

  constructor(
    seed: number,
    private readonly storedTexts: readonly string[],
  ) {
    this.next = seededRandom(seed);
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  /** `stored`: the value goes into indexed data, so only storable texts. */
  scalar(stored = false): unknown {
    switch (this.int(5)) {
      case 0:
        return this.pick(stored ? this.storedTexts : TEXTS);
      case 1:
        return this.pick(NUMBERS);
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      default:
        return this.int(12);
    }
  }

  jsonValue(depth = 0, stored = false): unknown {
    const roll = this.int(10);
    if (depth < 2 && roll === 0) return Array.from({ length: this.int(4) }, () => this.jsonValue(depth + 1, stored));
    if (depth < 2 && roll === 1) {
      const out: Record<string, unknown> = {};
      for (let i = this.int(3); i > 0; i--) out[this.pick(['x', 'y', 'z', '10', '9', 'a b'])] = this.jsonValue(depth + 1, stored);
      return out;
    }
    return this.scalar(stored);
  }

  instant(): Date {
    return new Date(T0 + this.int(8) * 1000 + (this.chance(0.2) ? 1 : 0));
  }

  meta(index: number): ResourceMeta {
    const id = `${this.pick(['r', 'R', 'item:', 'é'])}${String(index).padStart(2, '0')}`;
    const count = 1 + this.int(4);
    const meta: ResourceMeta = {
      current_revision_id: `${id}:${count}`,
      resource_id: id,
      schema_version: this.pick([null, 'v1', 'v2', 'v10']),
      total_revision_count: count,
      created_time: this.instant(),
      updated_time: this.instant(),
      created_by: this.pick(USERS),
      updated_by: this.pick(USERS),
      is_deleted: this.chance(0.3),
    };
    const rev = this.int(4);
    if (rev > 0) {
      const loose = meta as unknown as Record<string, unknown>;
      // 1: a current meta; 2: rev_* explicitly null (hand-made); 3: a mix
      loose['rev_status'] = rev === 2 ? null : this.pick(['draft', 'stable']);
      loose['rev_created_by'] = rev === 2 ? null : this.pick(USERS);
      loose['rev_updated_by'] = rev === 3 && this.chance(0.5) ? null : this.pick(USERS);
      loose['rev_created_time'] = rev === 2 ? null : this.instant();
      loose['rev_updated_time'] = rev === 3 && this.chance(0.5) ? null : this.instant();
    }
    const shape = this.int(10);
    if (shape === 0) return meta; // no indexed_data at all
    if (shape === 1) {
      (meta as unknown as Record<string, unknown>)['indexed_data'] = null;
      return meta;
    }
    const data: Record<string, unknown> = {};
    for (const key of KEYS) {
      // defineProperty, so "__proto__" is an own key as JSON.parse would make it
      if (key !== 'nope' && this.chance(0.75)) Object.defineProperty(data, key, { value: this.jsonValue(0, true), enumerable: true, writable: true, configurable: true });
    }
    meta.indexed_data = data;
    return meta;
  }

  operand(op: string, path: string): unknown {
    if (op === 'exists' || op === 'isna' || op === 'is_null') return this.pick([true, false, 1, 0, 'yes', '', null, [], [1]]);
    if (op === 'regex') return this.pick(REGEXES);
    if (op === 'in' || op === 'not_in') {
      if (this.chance(0.1)) return this.scalar();
      return Array.from({ length: this.int(4) }, () => (this.chance(0.15) ? this.jsonValue(1) : path.endsWith('_time') ? this.instant() : this.scalar()));
    }
    const roll = this.int(12);
    if (roll === 0) return this.jsonValue(1);
    if (roll === 1) return this.instant();
    if (roll === 2) return this.instant().toISOString();
    if (roll === 3) return this.pick([Number.NaN, Infinity, -Infinity]);
    if (roll === 4 && path === 'is_deleted') return this.chance(0.5);
    if (roll === 5 && (path === 'created_by' || path === 'resource_id')) return this.pick(USERS);
    return this.scalar();
  }

  condition(): DataSearchCondition {
    const path = this.chance(0.3) ? this.pick(META_PATHS) : this.pick(KEYS);
    const operator = this.pick(OPERATORS);
    const transform = this.chance(0.12) ? 'len' : null;
    const value = transform === 'len' && this.chance(0.7) ? this.int(5) : this.operand(operator, path);
    return { type: 'DataSearchCondition', field_path: path, operator, value, transform };
  }

  filter(depth: number): SearchFilter {
    if (depth >= 3 || this.chance(0.6)) return this.condition();
    return {
      type: 'DataSearchGroup',
      operator: this.pick(['and', 'or', 'not'] as const),
      conditions: Array.from({ length: this.int(4) }, () => this.filter(depth + 1)),
    };
  }

  sort(): SearchSort {
    const direction = this.pick(['+', '-'] as const);
    if (this.chance(0.5)) return { type: 'meta', key: this.pick(META_SORT_KEYS), direction };
    return { type: 'data', field_path: this.pick(KEYS), direction };
  }

  query(): ResourceMetaSearchQuery {
    const query: ResourceMetaSearchQuery = { limit: this.pick([0, 1, 3, 10, 1000]), offset: this.pick([0, 0, 0, 1, 4]) };
    if (this.chance(0.2)) query.is_deleted = this.chance(0.5);
    if (this.chance(0.1)) query.created_time_start = this.instant();
    if (this.chance(0.1)) query.updated_time_end = this.instant();
    if (this.chance(0.1)) query.created_bys = [this.pick(USERS), this.pick(USERS)];
    if (this.chance(0.15)) query.data_conditions = Array.from({ length: 1 + this.int(2) }, () => this.filter(1));
    if (this.chance(0.85)) query.conditions = Array.from({ length: 1 + this.int(3) }, () => this.filter(0));
    if (this.chance(0.6)) query.sorts = Array.from({ length: 1 + this.int(2) }, () => this.sort());
    return query;
  }
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** A value or the class of the error, so both sides compare equal when they fail alike. */
async function outcome(run: () => unknown, keepMessage: (error: Error) => boolean): Promise<unknown> {
  try {
    return { value: await run() };
  } catch (caught) {
    const error = caught as Error;
    return { error: error.constructor.name, ...(keepMessage(error) && { message: error.message }) };
  }
}

function show(query: ResourceMetaSearchQuery): string {
  return JSON.stringify(query, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));
}

/**
 * Runs `rounds` rounds: each stores 10–49 random metas in a fresh store, then checks
 * `queriesPerRound` random queries (ids in order, and count) against core's evaluator.
 * Also fails when fewer than a fifth of the queries select anything, as such a run proves little.
 */
export async function runSearchDifferential(options: SearchDifferentialOptions): Promise<void> {
  const { expect, rounds, seed, queriesPerRound } = options;
  const storedTexts = TEXTS.filter(options.storableText ?? (() => true));
  const keepMessage = options.keepMessage ?? (() => false);
  let compared = 0;
  let nonEmpty = 0;
  for (let round = 0; round < rounds; round++) {
    const g = new SearchGenerator(seed + round, storedTexts);
    const store = await options.openStore(round);
    try {
      const n = 10 + g.int(40);
      await store.putMany(Array.from({ length: n }, (_, i) => g.meta(i)));
      const stored = await collect(store.values());
      expect(stored).toHaveLength(n);
      for (let q = 0; q < queriesPerRound; q++) {
        const query = g.query();
        const expected = await outcome(() => runQuery(stored, query).map((m) => m.resource_id), keepMessage);
        const actual = await outcome(async () => (await store.search(query)).map((m) => m.resource_id), keepMessage);
        const expectedCount = await outcome(() => countQuery(stored, query), keepMessage);
        const actualCount = await outcome(() => store.count(query), keepMessage);
        const where = `round ${round}, query ${q}: ${show(query)}`;
        expect({ where, ids: actual, count: actualCount }).toEqual({ where, ids: expected, count: expectedCount });
        compared++;
        const ids = (expected as { value?: string[] }).value;
        if (ids !== undefined && ids.length > 0) nonEmpty++;
      }
    } finally {
      await store.close?.();
    }
  }
  expect(compared).toBe(rounds * queriesPerRound);
  expect(nonEmpty).toBeGreaterThan(compared / 5);
}
