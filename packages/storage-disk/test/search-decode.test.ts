import Database from 'better-sqlite3';
import type { ResourceMeta } from '@specstar/interfaces';
import { SqliteMetaStore } from '../src/meta-store';

// Searches build their metas from the table's columns instead of decoding each stored record:
// what they return must be exactly what get() (which decodes the record) returns, key order
// and unset-versus-null included.

const T0 = new Date('2025-01-01T00:00:00.000Z');
const base = (id: string): ResourceMeta => ({
  current_revision_id: `${id}:1`,
  resource_id: id,
  schema_version: null,
  total_revision_count: 1,
  created_time: T0,
  updated_time: T0,
  created_by: 'alice',
  updated_by: 'alice',
  is_deleted: false,
});

const metas: ResourceMeta[] = [
  { ...base('a-plain'), indexed_data: { level: 3, name: 'x' } },
  { ...base('b-no-indexed-data') },
  { ...base('c-null-indexed-data'), indexed_data: null } as unknown as ResourceMeta,
  { ...base('d-empty-map'), indexed_data: {} },
  {
    ...base('e-rev-mirrors'),
    schema_version: 'v2',
    total_revision_count: 7,
    is_deleted: true,
    updated_time: new Date('2025-03-04T05:06:07.089Z'),
    indexed_data: { tags: ['a', 'b'], nested: { z: 1, a: [1.5, null, true] }, big: 1e21, tiny: 1e-7, neg: -0.000123 },
    rev_status: 'draft',
    rev_created_by: 'bob',
    rev_updated_by: null,
    rev_created_time: new Date('2024-12-31T23:59:59.999Z'),
    rev_updated_time: null,
  } as unknown as ResourceMeta, // nulls where the type says absent, as older writers stored them
  {
    ...base('f-odd-text'),
    created_by: 'é\u0000"\\',
    indexed_data: { '__proto__': 'own', 'quote"key': 'a\u0000b', emoji: '😀', lone: '\ud800', 'back\\slash': 1 },
    rev_status: null,
  } as unknown as ResourceMeta,
];

let db: Database.Database;
let store: SqliteMetaStore;

beforeAll(() => {
  db = new Database(':memory:');
  store = new SqliteMetaStore(db);
  store.putManySync(metas);
});
afterAll(() => db.close());

describe('search returns the metas get() returns', () => {
  it('for every shape of meta, key order included', () => {
    const found = store.searchSync({ limit: 100, offset: 0, sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }] });
    expect(found.map((m) => m.resource_id)).toEqual(metas.map((m) => m.resource_id));
    for (const meta of found) {
      const stored = store.getSync(meta.resource_id)!;
      expect(meta).toStrictEqual(stored);
      expect(Object.keys(meta)).toEqual(Object.keys(stored));
      expect(JSON.stringify(meta)).toBe(JSON.stringify(stored));
    }
  });

  it('through an indexed condition as well', () => {
    const [found] = store.searchSync({
      limit: 10,
      offset: 0,
      conditions: [{ type: 'DataSearchCondition', field_path: 'level', operator: 'eq', value: 3, transform: null }],
    });
    expect(found).toStrictEqual(store.getSync('a-plain'));
  });
});
