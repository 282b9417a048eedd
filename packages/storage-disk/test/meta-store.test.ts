import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { runQuery } from '@specstar/core/adapter';
import {
  ConfigurationError,
  QueryError,
  ValidationError,
  type DataSearchCondition,
  type DataSearchOperator,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
} from '@specstar/interfaces';
import { MAX_AUTO_INDEXES, SqliteMetaStore } from '../src/meta-store';
import { pendingEvaluationCount } from '@specstar/storage-sql';

const T = (seconds: number): Date => new Date(Date.UTC(2025, 0, 1) + seconds * 1000);

function meta(id: string, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  return {
    current_revision_id: `${id}:1`,
    resource_id: id,
    schema_version: null,
    total_revision_count: 1,
    created_time: T(1),
    updated_time: T(2),
    created_by: 'alice',
    updated_by: 'bob',
    is_deleted: false,
    indexed_data: {},
    rev_status: 'stable',
    rev_created_by: 'alice',
    rev_updated_by: 'bob',
    rev_created_time: T(1),
    rev_updated_time: T(2),
    ...overrides,
  };
}

function cond(field_path: string, operator: DataSearchOperator, value: unknown, transform: 'len' | null = null): DataSearchCondition {
  return { type: 'DataSearchCondition', field_path, operator, value, transform };
}

function q(part: Partial<ResourceMetaSearchQuery> = {}): ResourceMetaSearchQuery {
  return { limit: 1000, offset: 0, sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }], ...part };
}

const ids = (metas: ResourceMeta[]): string[] => metas.map((m) => m.resource_id);

function indexNames(db: Database.Database, table: string): string[] {
  return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name`).pluck().all(table) as string[]).filter(
    (name) => !name.startsWith('sqlite_autoindex'),
  );
}

let db: Database.Database;
let store: SqliteMetaStore;

beforeEach(() => {
  db = new Database(':memory:');
  store = new SqliteMetaStore(db);
});

afterEach(() => {
  if (db.open) db.close();
});

describe('schema', () => {
  it('creates the meta table with a column per meta attribute and the time indexes', () => {
    const columns = (db.prepare(`SELECT name FROM pragma_table_info('meta') ORDER BY cid`).pluck().all() as string[]);
    expect(columns).toEqual([
      'resource_id',
      'current_revision_id',
      'schema_version',
      'total_revision_count',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
      'is_deleted',
      'rev_status',
      'rev_created_by',
      'rev_updated_by',
      'rev_created_time',
      'rev_updated_time',
      'rev_null_mask',
      'indexed_data',
      'record',
    ]);
    expect(indexNames(db, 'meta')).toEqual(['meta_created_time', 'meta_updated_time']);
  });

  it('stores instants as epoch milliseconds, booleans as 0/1 and indexed_data as JSONB', async () => {
    await store.put(meta('a', { is_deleted: true, indexed_data: { n: 1 } }));
    const row = db.prepare(`SELECT created_time, is_deleted, json_type(indexed_data, '$.n') AS n, typeof(indexed_data) AS kind FROM meta`).get();
    expect(row).toEqual({ created_time: T(1).getTime(), is_deleted: 1, n: 'integer', kind: 'blob' });
  });

  it('opens an existing table again and keeps its rows', async () => {
    await store.put(meta('a'));
    const again = new SqliteMetaStore(db);
    expect(await again.get('a')).toEqual(meta('a'));
  });

  it('accepts any table name, quoting it, and keeps tables apart', async () => {
    const odd = new SqliteMetaStore(db, { table: `my "odd" table; --` });
    await odd.put(meta('x', { indexed_data: { level: 3 } }));
    await store.put(meta('y', { indexed_data: { level: 3 } }));
    expect(ids(await odd.search(q({ conditions: [cond('level', 'eq', 3)] })))).toEqual(['x']);
    expect(ids(await store.search(q({ conditions: [cond('level', 'eq', 3)] })))).toEqual(['y']);
  });

  it.each([[''], ['sqlite_meta'], ['a\0b'], [42]])('rejects the table name %j with a ConfigurationError', (table) => {
    expect(() => new SqliteMetaStore(db, { table: table as string })).toThrow(ConfigurationError);
  });

  it('declares every capability', () => {
    expect(store.capabilities).toEqual({ search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true });
  });
});

describe('reads and writes', () => {
  it('round-trips every field and indexed_data type; instants come back as Dates', async () => {
    const rich = meta('rich', {
      schema_version: 'v2',
      is_deleted: true,
      total_revision_count: 7,
      indexed_data: {
        text: 'héllo "q" \\ \u0000 😀',
        int: 42,
        float: -0.125,
        big: 9007199254740991,
        yes: true,
        nothing: null,
        list: [1, 'two', null, [3], { four: 4 }],
        map: { '10': 1, '9': 2, nested: { deep: [] } },
        'dotted.key': 'x',
        constructor: 'shadow',
      },
    });
    await store.put(rich);
    const got = await store.get('rich');
    expect(got).toEqual(rich);
    expect(got?.updated_time).toBeInstanceOf(Date);
    expect(got?.rev_created_time).toBeInstanceOf(Date);
    expect(await store.search(q())).toEqual([rich]);
  });

  it('keeps unset optional fields unset and explicit nulls null', async () => {
    const old: ResourceMeta = {
      current_revision_id: 'old:1',
      resource_id: 'old',
      schema_version: null,
      total_revision_count: 1,
      created_time: T(1),
      updated_time: T(1),
      created_by: 'alice',
      updated_by: 'alice',
      is_deleted: false,
    };
    const nulls = { ...old, resource_id: 'nulls', rev_status: null, rev_created_time: null } as unknown as ResourceMeta;
    await store.putMany([old, nulls]);
    const gotOld = (await store.get('old')) as unknown as Record<string, unknown>;
    expect(Object.keys(gotOld).sort()).toEqual(Object.keys(old).sort());
    const gotNulls = (await store.get('nulls')) as unknown as Record<string, unknown>;
    expect({ rev_status: gotNulls['rev_status'], rev_created_time: gotNulls['rev_created_time'], has_rev_updated_by: 'rev_updated_by' in gotNulls }).toEqual({
      rev_status: null,
      rev_created_time: null,
      has_rev_updated_by: false,
    });
    // exists tells an explicit null from an unset mirror
    expect(ids(await store.search(q({ conditions: [cond('rev_status', 'exists', true)] })))).toEqual(['nulls']);
    expect(ids(await store.search(q({ conditions: [cond('rev_status', 'is_null', true)] })))).toEqual(['nulls']);
    expect(ids(await store.search(q({ conditions: [cond('rev_status', 'isna', true)] })))).toEqual(['nulls', 'old']);
  });

  it('hands out copies: changing a returned meta changes nothing stored', async () => {
    await store.put(meta('a', { indexed_data: { tags: ['x'] } }));
    const got = (await store.get('a')) as ResourceMeta;
    (got.indexed_data!['tags'] as string[]).push('y');
    got.created_by = 'mallory';
    expect(await store.get('a')).toEqual(meta('a', { indexed_data: { tags: ['x'] } }));
  });

  it('insert creates only when absent', async () => {
    expect(await store.insert(meta('a'))).toBe(true);
    expect(await store.insert(meta('a', { created_by: 'carol' }))).toBe(false);
    expect((await store.get('a'))?.created_by).toBe('alice');
  });

  it('putIfCurrent writes only at the expected revision', async () => {
    await store.put(meta('a'));
    const next = meta('a', { current_revision_id: 'a:2', total_revision_count: 2 });
    expect(await store.putIfCurrent(next, { current_revision_id: 'a:9' })).toBe(false);
    expect((await store.get('a'))?.current_revision_id).toBe('a:1');
    expect(await store.putIfCurrent(next, { current_revision_id: 'a:1' })).toBe(true);
    expect((await store.get('a'))?.current_revision_id).toBe('a:2');
    expect(await store.putIfCurrent(meta('absent'), { current_revision_id: 'absent:1' })).toBe(false);
    expect(await store.has('absent')).toBe(false);
  });

  it('put replaces, delete reports whether the id existed', async () => {
    await store.put(meta('a'));
    await store.put(meta('a', { updated_by: 'carol', indexed_data: { level: 2 } }));
    expect((await store.get('a'))?.updated_by).toBe('carol');
    expect(ids(await store.search(q({ conditions: [cond('level', 'eq', 2)] })))).toEqual(['a']);
    expect(await store.delete('a')).toBe(true);
    expect(await store.delete('a')).toBe(false);
    expect(await store.get('a')).toBeUndefined();
    expect(await store.size()).toBe(0);
  });

  it('keys and values page through every row in resource_id order, even when rows go away meanwhile', async () => {
    const all = Array.from({ length: 1234 }, (_, i) => meta(`r${String(i).padStart(4, '0')}`));
    await store.putMany(all);
    expect(await store.size()).toBe(1234);
    const keys: string[] = [];
    for await (const key of store.keys()) {
      keys.push(key);
      if (key === 'r0100') await store.delete('r0999'); // a later row vanishes mid-iteration
    }
    expect(keys).toEqual(all.map((m) => m.resource_id).filter((id) => id !== 'r0999'));
    const values: ResourceMeta[] = [];
    for await (const value of store.values()) values.push(value);
    expect(values).toEqual(all.filter((m) => m.resource_id !== 'r0999'));
  });

  it('putMany writes all or nothing', async () => {
    const bad = { ...meta('b'), created_time: 'not a time' } as unknown as ResourceMeta;
    await expect(store.putMany([meta('a'), bad])).rejects.toThrow(ValidationError);
    expect(await store.size()).toBe(0);
  });

  it('the synchronous twins work inside a caller transaction that rolls back', () => {
    const failing = db.transaction(() => {
      store.putSync(meta('a'));
      expect(store.insertSync(meta('a'))).toBe(false);
      expect(store.getSync('a')?.resource_id).toBe('a');
      expect(ids(store.searchSync(q()))).toEqual(['a']);
      expect(store.countSync(q())).toBe(1);
      throw new Error('roll back');
    });
    expect(() => failing()).toThrow('roll back');
    expect(store.getSync('a')).toBeUndefined();
  });

  it.each([
    ['created_time', { created_time: 'yesterday' }],
    ['resource_id', { resource_id: 7 }],
    ['total_revision_count', { total_revision_count: 1.5 }],
    ['is_deleted', { is_deleted: 'no' }],
    ['indexed_data', { indexed_data: [1, 2] }],
  ])('refuses a meta with a bad %s (ValidationError naming it) and writes nothing', async (field, bad) => {
    const error = await store.put({ ...meta('a'), ...bad } as unknown as ResourceMeta).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual([`/${field}`]);
    expect(await store.size()).toBe(0);
  });

  it('refuses non-string ids and expectations with a ValidationError', async () => {
    await expect(store.get(5 as unknown as string)).rejects.toThrow(ValidationError);
    await expect(store.delete(undefined as unknown as string)).rejects.toThrow(ValidationError);
    await expect(store.putIfCurrent(meta('a'), {} as never)).rejects.toThrow(ValidationError);
  });
});

describe('search', () => {
  beforeEach(async () => {
    await store.putMany([
      meta('a', { indexed_data: { level: 5, name: 'Ann', tags: ['x', 'y'], flags: 6 } }),
      meta('b', { indexed_data: { level: 12, name: 'bob', tags: [], flags: 1 }, is_deleted: true }),
      meta('c', { indexed_data: { level: '12', name: null } }),
      meta('d', { indexed_data: undefined }),
    ]);
  });

  it('answers like the evaluator on a mixed query, with count ignoring paging', async () => {
    const query = q({
      is_deleted: false,
      conditions: [{ type: 'DataSearchGroup', operator: 'or', conditions: [cond('level', 'lt', 10), cond('level', 'isna', true)] }],
      sorts: [{ type: 'data', field_path: 'level', direction: '-' }],
      limit: 2,
      offset: 1,
    });
    const all = await store.search(q());
    expect(ids(await store.search(query))).toEqual(ids(runQuery(all, query)));
    expect(ids(await store.search(query))).toEqual(['a']); // d (missing level sorts greatest) is skipped
    expect(await store.count(query)).toBe(2);
  });

  it('treats quotes, dots and SQL in keys and values as data', async () => {
    const evil = `x'); DROP TABLE meta; --`;
    await store.put(meta('e', { indexed_data: { [evil]: evil, 'a.b[0]': '"q"', '$': 1 } }));
    expect(ids(await store.search(q({ conditions: [cond(evil, 'eq', evil)] })))).toEqual(['e']);
    expect(ids(await store.search(q({ conditions: [cond('a.b[0]', 'eq', '"q"')] })))).toEqual(['e']);
    expect(ids(await store.search(q({ conditions: [cond('$', 'exists', true)] })))).toEqual(['e']);
    expect(ids(await store.search(q({ sorts: [{ type: 'data', field_path: evil, direction: '+' }] })))).toEqual(['e', 'a', 'b', 'c', 'd']);
    expect(await store.size()).toBe(5);
  });

  it('rejects malformed queries with the QueryError the evaluator raises', async () => {
    const bad: unknown[] = [
      q({ conditions: [cond('level', 'like' as DataSearchOperator, 1)] }),
      q({ conditions: [cond('name', 'regex', '(unclosed')] }),
      q({ conditions: [cond('level', 'eq', 1, 'upper' as 'len')] }),
      q({ conditions: [{ type: 'DataSearchGroup', operator: 'xor' as 'and', conditions: [] }] }),
      q({ sorts: [{ type: 'meta', key: 'nope' as 'resource_id', direction: '+' }] }),
      q({ sorts: [{ type: 'data', field_path: 'level', direction: 'up' as '+' }] }),
      q({ limit: -1 }),
      q({ offset: 1.5 }),
      q({ created_time_start: 'not a date' as unknown as Date }),
      q({ created_bys: 'alice' as unknown as string[] }),
      'not a query',
    ];
    for (const query of bad) {
      expect(() => store.searchSync(query as ResourceMetaSearchQuery)).toThrow(QueryError);
    }
    expect(() => store.countSync(bad[0] as ResourceMetaSearchQuery)).toThrow(QueryError);
  });

  it('count ignores sorts and paging entirely, as the evaluator does', async () => {
    const query = { limit: -5, offset: 'x', sorts: 'nonsense', conditions: [cond('level', 'exists', true)] } as unknown as ResourceMetaSearchQuery;
    expect(await store.count(query)).toBe(3);
  });

  it('releases the conditions it handed to the evaluator, also when the query fails', async () => {
    await store.search(q({ conditions: [cond('name', 'regex', '^A'), cond('tags', 'eq', ['x', 'y'])] }));
    expect(pendingEvaluationCount()).toBe(0);
    const tooLarge = [cond('name', 'regex', '^A'), ...Array.from({ length: 11000 }, (_, i) => cond('flags', 'contains', i))];
    expect(() => store.searchSync({ limit: 10, offset: 0, conditions: tooLarge })).toThrow(QueryError);
    expect(pendingEvaluationCount()).toBe(0);
  });

  it('a query too large for SQLite is a QueryError, not a crash', () => {
    // Each bit-test contains binds three values: past SQLite's 32766 variables.
    const conditions = Array.from({ length: 11000 }, (_, i) => cond(`k${i % 7}`, 'contains', i));
    expect(() => store.countSync({ limit: 10, offset: 0, conditions })).toThrow(QueryError);
  });

  it('never treats an unsupported construct as true', async () => {
    // contains with a map operand on a list needs deep equality: evaluated, not dropped.
    await store.put(meta('m', { indexed_data: { items: [{ k: 1 }, { k: 2 }] } }));
    expect(ids(await store.search(q({ conditions: [cond('items', 'contains', { k: 2 })] })))).toEqual(['m']);
    expect(ids(await store.search(q({ conditions: [cond('items', 'contains', { k: 3 })] })))).toEqual([]);
  });
});

describe('expression indexes', () => {
  it('creates one (rank, value) index per filtered or sorted key, once, named after the table', async () => {
    await store.put(meta('a', { indexed_data: { level: 1, name: 'x' } }));
    await store.search(q({ conditions: [cond('level', 'gt', 0)] }));
    await store.search(q({ conditions: [cond('level', 'eq', 1)], sorts: [{ type: 'data', field_path: 'name', direction: '+' }] }));
    await store.count(q({ conditions: [cond('name', 'in', ['x'])] }));
    const auto = indexNames(db, 'meta').filter((name) => name.startsWith('meta_ix_'));
    expect(auto).toHaveLength(2);
    expect(auto.every((name) => /^meta_ix_[0-9a-f]{16}$/.test(name))).toBe(true);
  });

  it('creates none for conditions that cannot use one, inside a caller transaction, or on a read-only connection', async () => {
    await store.put(meta('a', { indexed_data: { level: 1 } }));
    await store.search(q({ conditions: [cond('level', 'ne', 1), { type: 'DataSearchGroup', operator: 'or', conditions: [cond('level', 'eq', 1)] }] }));
    expect(indexNames(db, 'meta').filter((n) => n.startsWith('meta_ix_'))).toEqual([]);
    db.transaction(() => expect(ids(store.searchSync(q({ conditions: [cond('level', 'eq', 1)] })))).toEqual(['a']))();
    expect(indexNames(db, 'meta').filter((n) => n.startsWith('meta_ix_'))).toEqual([]);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-meta-'));
    try {
      const file = path.join(dir, 'meta.db');
      const writer = new Database(file);
      await new SqliteMetaStore(writer).put(meta('a', { indexed_data: { level: 1 } }));
      writer.close();
      const reader = new Database(file, { readonly: true });
      const readOnly = new SqliteMetaStore(reader);
      expect(ids(await readOnly.search(q({ conditions: [cond('level', 'eq', 1)] })))).toEqual(['a']);
      expect(indexNames(reader, 'meta').filter((n) => n.startsWith('meta_ix_'))).toEqual([]);
      reader.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`stops at ${MAX_AUTO_INDEXES} indexes per table and still answers correctly`, async () => {
    const data: Record<string, unknown> = {};
    for (let i = 0; i < MAX_AUTO_INDEXES + 5; i++) data[`k${i}`] = i;
    await store.put(meta('a', { indexed_data: data }));
    for (let i = 0; i < MAX_AUTO_INDEXES + 5; i++) {
      expect(ids(await store.search(q({ conditions: [cond(`k${i}`, 'eq', i)] })))).toEqual(['a']);
    }
    expect(indexNames(db, 'meta').filter((n) => n.startsWith('meta_ix_'))).toHaveLength(MAX_AUTO_INDEXES);
  });
});

describe('two connections on one file', () => {
  it('a reader sees committed writes and uses the indexes the other connection created', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-meta-'));
    const file = path.join(dir, 'meta.db');
    const first = new Database(file);
    const second = new Database(file);
    try {
      first.pragma('journal_mode = WAL');
      second.pragma('busy_timeout = 2000');
      const writer = new SqliteMetaStore(first);
      const reader = new SqliteMetaStore(second);
      await writer.put(meta('a', { indexed_data: { level: 3 } }));
      expect(ids(await reader.search(q({ conditions: [cond('level', 'eq', 3)] })))).toEqual(['a']);
      const plan = writer.explainSearch(q({ conditions: [cond('level', 'eq', 3)] })).plan.join('\n');
      expect(plan).toMatch(/USING INDEX meta_ix_/);
      await writer.put(meta('b', { indexed_data: { level: 3 } }));
      expect(ids(await reader.search(q({ conditions: [cond('level', 'eq', 3)] })))).toEqual(['a', 'b']);
      expect(reader.explainSearch(q({ conditions: [cond('level', 'eq', 3)] })).plan.join('\n')).toMatch(/USING INDEX meta_ix_/);
    } finally {
      first.close();
      second.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
