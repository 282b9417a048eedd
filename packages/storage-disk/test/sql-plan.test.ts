import Database from 'better-sqlite3';
import { countQuery, runQuery } from '@specstar/core/adapter';
import type { DataSearchCondition, DataSearchOperator, ResourceMeta, ResourceMetaSearchQuery } from '@specstar/interfaces';
import { SqliteMetaStore } from '../src/meta-store';

// 100k resources: searches on an indexed_data path must seek an expression index, never scan
// the table. Asserted on EXPLAIN QUERY PLAN (no timing), results checked against the evaluator.

const N = 100_000;
const T0 = Date.UTC(2025, 0, 1);

function cond(field_path: string, operator: DataSearchOperator, value: unknown): DataSearchCondition {
  return { type: 'DataSearchCondition', field_path, operator, value, transform: null };
}

let db: Database.Database;
let store: SqliteMetaStore;
let all: ResourceMeta[];

beforeAll(() => {
  db = new Database(':memory:');
  store = new SqliteMetaStore(db);
  store.putManySync(
    Array.from({ length: N }, (_, i) => ({
      current_revision_id: `r${i}:1`,
      resource_id: `r${String(i).padStart(6, '0')}`,
      schema_version: null,
      total_revision_count: 1,
      created_time: new Date(T0 + i),
      updated_time: new Date(T0 + i),
      created_by: 'alice',
      updated_by: 'alice',
      is_deleted: i % 10 === 0,
      indexed_data: { level: i % 1000, name: `n${i}`, kind: i % 2 === 0 ? 'even' : 'odd' },
    })),
  );
  all = store.searchSync({ limit: N, offset: 0 });
});

afterAll(() => db.close());

const INDEX = /\bUSING INDEX meta_ix_[0-9a-f]{16}\b/;

describe(`search on ${N} metas`, () => {
  it.each<[string, ResourceMetaSearchQuery]>([
    ['eq on a number', { limit: 10, offset: 0, conditions: [cond('level', 'eq', 7)] }],
    ['eq with is_deleted and a meta sort', { limit: 10, offset: 0, is_deleted: false, conditions: [cond('level', 'eq', 7)], sorts: [{ type: 'meta', key: 'updated_time', direction: '-' }] }],
    ['a range', { limit: 10, offset: 0, conditions: [cond('level', 'gte', 998)] }],
    ['a string range', { limit: 10, offset: 0, conditions: [cond('name', 'lt', 'n10')] }],
    ['in', { limit: 10, offset: 0, conditions: [cond('name', 'in', ['n5', 'n77', 'n99999', 'absent'])] }],
    ['eq in data_conditions', { limit: 10, offset: 0, data_conditions: [cond('name', 'eq', 'n4242')] }],
    ['eq inside a top-level and group', { limit: 10, offset: 0, conditions: [{ type: 'DataSearchGroup', operator: 'and', conditions: [cond('level', 'lt', 2), cond('kind', 'ne', 'odd')] }] }],
  ])('%s seeks an expression index and matches the evaluator', (_name, query) => {
    const { plan } = store.explainSearch(query);
    const text = plan.join('\n');
    expect({ plan: text, seeks: /SEARCH meta USING INDEX meta_ix_/.test(text) }).toEqual({ plan: text, seeks: true });
    expect(text).not.toMatch(/SCAN meta\b(?! USING)/);
    expect(store.searchSync(query).map((m) => m.resource_id)).toEqual(runQuery(all, query).map((m) => m.resource_id));
    expect(store.countSync(query)).toBe(countQuery(all, query));
  });

  it('a data sort walks the index in order instead of sorting the table', () => {
    for (const direction of ['+', '-'] as const) {
      const query: ResourceMetaSearchQuery = { limit: 5, offset: 3, sorts: [{ type: 'data', field_path: 'level', direction }] };
      const text = store.explainSearch(query).plan.join('\n');
      expect(text).toMatch(INDEX);
      // No list or map is stored under level, so the index gives the whole order; descending, at
      // most the resource_id tie-break is sorted, a group of equal values at a time.
      expect(text).not.toMatch(direction === '+' ? /TEMP B-TREE/ : /USE TEMP B-TREE FOR ORDER BY/);
      expect(store.searchSync(query).map((m) => m.resource_id)).toEqual(runQuery(all, query).map((m) => m.resource_id));
    }
  });

  it.each<[string, ResourceMetaSearchQuery]>([
    ['eq sorted by resource_id', { limit: 10, offset: 0, conditions: [cond('level', 'eq', 7)], sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }] }],
    ['a range sorted on its key', { limit: 10, offset: 2, conditions: [cond('level', 'gte', 990)], sorts: [{ type: 'data', field_path: 'level', direction: '+' }] }],
    ['a string eq sorted on its key', { limit: 10, offset: 0, conditions: [cond('kind', 'eq', 'odd')], sorts: [{ type: 'data', field_path: 'kind', direction: '+' }] }],
  ])('%s reads the page in index order: no sort at all', (_name, query) => {
    const text = store.explainSearch(query).plan.join('\n');
    expect(text).toMatch(INDEX);
    expect(text).not.toMatch(/TEMP B-TREE/);
    expect(store.searchSync(query).map((m) => m.resource_id)).toEqual(runQuery(all, query).map((m) => m.resource_id));
  });

  it('a data sort over a key that holds lists still orders them by their sort key, in one snapshot', () => {
    const db2 = new Database(':memory:');
    const mixed = new SqliteMetaStore(db2);
    const meta = (id: string, v: unknown): ResourceMeta => ({ ...all[0]!, resource_id: id, current_revision_id: `${id}:1`, indexed_data: { v } });
    mixed.putManySync([meta('a', [2]), meta('b', 1), meta('c', [1, 5]), meta('d', 'x'), meta('e', [1])]);
    const query: ResourceMetaSearchQuery = { limit: 10, offset: 0, sorts: [{ type: 'data', field_path: 'v', direction: '+' }] };
    const ids = mixed.searchSync(query).map((m) => m.resource_id);
    expect(ids).toEqual(runQuery(mixed.searchSync({ limit: 10, offset: 0 }), query).map((m) => m.resource_id));
    expect(ids).toEqual(['b', 'd', 'e', 'c', 'a']);
    db2.close();
  });

  it('the default order (created_time, resource_id) uses the created_time index', () => {
    const text = store.explainSearch({ limit: 10, offset: 0, is_deleted: false }).plan.join('\n');
    expect(text).toMatch(/USING INDEX meta_created_time/);
    expect(text).not.toMatch(/TEMP B-TREE/);
  });
});
