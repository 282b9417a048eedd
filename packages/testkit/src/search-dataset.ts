import type { IMetaStore, IStorage, ResourceMeta, ResourceMetaSearchQuery } from '@specstar/interfaces';
import { at, fullQuery, ids, USERS } from './fixtures';
import { defineGroup, type CaseDef, type CaseGroup } from './types';

/**
 * Hand-made metas for the store-level search cases. Every expected result in the search
 * tables is derived from these by the search rules (three-valued filter, sorts, paging), not
 * by running an evaluator, so a push-down adapter is checked against the rules themselves.
 *
 *   id  created      updated      deleted  schema  count  rev_status
 *   r1  T1  alice    T15 bob      no       null    1      stable
 *   r2  T2  bob      T12 bob      no       v1      2      draft
 *   r3  T3  alice    T13 carol    yes      v2      3      stable
 *   r4  T4  carol    T14 carol    no       null    1      draft
 *   r5  T5  carol    T11 alice    no       null    1      stable
 *   r6  T6  dave     T16 dave     yes      null    1      (no rev_* fields: a pre-0.10 meta)
 *   r7  T7  dave     T17 dave     no       v1      1      stable
 *
 * indexed_data: r1–r3 hold ordinary values of every JSON type, r4 present nulls, r5 only a
 * key shadowed by a meta attribute, r6 no indexed_data at all, r7 values of other types than
 * the rest (number name, string age, string tags) for type-aware comparisons.
 * `nope` is missing everywhere.
 */
export const SEARCH_INDEXED: Record<string, Record<string, unknown> | undefined> = {
  r1: {
    name: 'Alice',
    age: 30,
    rank: 10,
    score: 1.5,
    active: true,
    tags: ['red', 'blue'],
    attrs: { a: 1, b: 2 },
    when: '2025-03-01T10:00:00.000Z',
    note: null,
    flags: 5,
    code: 'A-100',
  },
  r2: {
    name: 'Bob',
    age: 25,
    rank: 9,
    score: -2,
    active: false,
    tags: [],
    attrs: {},
    when: '2024-12-31T23:59:59.999Z',
    note: 'hello world',
    flags: 2,
    code: 'B-200',
  },
  r3: {
    name: 'alice smith',
    age: 41,
    rank: 100,
    score: 0,
    active: true,
    tags: ['blue'],
    attrs: { a: 3 },
    when: '2025-03-01T10:00:00.001Z',
    note: 'Hello',
    flags: 7,
    code: 'a-300',
  },
  r4: {
    name: '',
    age: null,
    rank: null,
    score: null,
    active: null,
    tags: null,
    attrs: null,
    when: null,
    note: null,
    flags: 0,
    code: '50%_off',
  },
  r5: { created_by: 'zed' },
  r6: undefined,
  r7: { name: 42, age: '30', rank: -1, tags: 'red', flags: '5', code: '10' },
};

interface MetaRow {
  created: number;
  createdBy: string;
  updated: number;
  updatedBy: string;
  deleted: boolean;
  schema: string | null;
  count: number;
  revStatus?: 'stable' | 'draft';
}

const META_ROWS: Record<string, MetaRow> = {
  r1: { created: 1, createdBy: USERS.alice, updated: 15, updatedBy: USERS.bob, deleted: false, schema: null, count: 1, revStatus: 'stable' },
  r2: { created: 2, createdBy: USERS.bob, updated: 12, updatedBy: USERS.bob, deleted: false, schema: 'v1', count: 2, revStatus: 'draft' },
  r3: { created: 3, createdBy: USERS.alice, updated: 13, updatedBy: USERS.carol, deleted: true, schema: 'v2', count: 3, revStatus: 'stable' },
  r4: { created: 4, createdBy: USERS.carol, updated: 14, updatedBy: USERS.carol, deleted: false, schema: null, count: 1, revStatus: 'draft' },
  r5: { created: 5, createdBy: USERS.carol, updated: 11, updatedBy: USERS.alice, deleted: false, schema: null, count: 1, revStatus: 'stable' },
  r6: { created: 6, createdBy: USERS.dave, updated: 16, updatedBy: USERS.dave, deleted: true, schema: null, count: 1 },
  r7: { created: 7, createdBy: USERS.dave, updated: 17, updatedBy: USERS.dave, deleted: false, schema: 'v1', count: 1, revStatus: 'stable' },
};

export const ALL_IDS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'];

export function searchMetas(): ResourceMeta[] {
  return ALL_IDS.map((id) => {
    const row = META_ROWS[id]!;
    const meta: ResourceMeta = {
      current_revision_id: `${id}:${row.count}`,
      resource_id: id,
      schema_version: row.schema,
      total_revision_count: row.count,
      created_time: at(row.created),
      updated_time: at(row.updated),
      created_by: row.createdBy,
      updated_by: row.updatedBy,
      is_deleted: row.deleted,
    };
    const indexed = SEARCH_INDEXED[id];
    if (indexed !== undefined) meta.indexed_data = structuredClone(indexed);
    if (row.revStatus !== undefined) {
      meta.rev_status = row.revStatus;
      meta.rev_created_by = row.createdBy;
      meta.rev_updated_by = row.updatedBy;
      meta.rev_created_time = at(row.created);
      meta.rev_updated_time = at(row.updated);
    }
    return meta;
  });
}

/** Insertion order of the dataset: shuffled, so no store can pass by returning write order. */
const SEED_ORDER = [3, 0, 6, 1, 5, 2, 4];

/** Writes the dataset through commit (the path the engine uses), insertion order shuffled. */
export async function seedSearch(storage: IStorage): Promise<void> {
  const metas = searchMetas();
  for (const index of SEED_ORDER) {
    await storage.commit({ meta: metas[index]! });
  }
}

/** Writes the dataset straight into a meta store (put, the one write every meta store has). */
export async function seedSearchMetaStore(store: IMetaStore): Promise<void> {
  const metas = searchMetas();
  for (const index of SEED_ORDER) {
    await store.put(metas[index]!);
  }
}

/**
 * One search table row: the query part (limit/offset default to 1000/0, sorts to
 * resource_id ascending) and the exact ids in order; `count` defaults to the number of ids.
 */
export interface SearchRow<Name extends string> {
  name: Name;
  query: Partial<ResourceMetaSearchQuery>;
  ids: string[];
  count?: number;
}

/** A store-level search group; `rows` let the meta-store suite run the same table on a bare meta store. */
export interface SearchGroup<Name extends string> extends CaseGroup<Name> {
  rows: readonly SearchRow<Name>[];
}

/** Turns rows into cases: seed, search, compare ids in order, compare count. */
export function searchGroup<const Name extends string>(title: string, rows: readonly SearchRow<Name>[]): SearchGroup<Name> {
  const cases: CaseDef<Name>[] = rows.map((row) => ({
    name: row.name,
    async run({ expect, storage }) {
      const store = storage();
      await seedSearch(store);
      const query = fullQuery(row.query);
      expect({ query: row.query, ids: ids(await store.search(query)) }).toEqual({ query: row.query, ids: row.ids });
      expect({ query: row.query, count: await store.count(query) }).toEqual({
        query: row.query,
        count: row.count ?? row.ids.length,
      });
    },
  }));
  return { ...defineGroup(title, cases), rows };
}
