/**
 * Searches over 100k resources filtered or sorted on an indexed_data field read through the
 * key's btree expression index (made by the first search on the key): eq, ranges, `in` and
 * sorts with a limit. Asserted on the plan's node types (never on timings), with the rows the
 * generator formula says they must be.
 */
import { PostgresStorageFactory, type PostgresStorage } from '../src';
import type { DataSearchOperator, ResourceMetaSearchQuery } from '@specstar/interfaces';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

const ROWS = 100_000;
let db: TestDatabase;
let factory: PostgresStorageFactory;
let storage: PostgresStorage;

const byName = (name: string) => ({
  conditions: [{ type: 'DataSearchCondition' as const, field_path: 'name', operator: 'eq' as const, value: name, transform: null }],
  limit: 10,
  offset: 0,
});

describePg(`EXPLAIN over ${ROWS} resources`, () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    factory = new PostgresStorageFactory({ dsn: db.dsn, tablePrefix: 'big_' });
    storage = factory.build('item') as PostgresStorage;
    await storage.ready();
    // Bulk rows straight from generate_series (100k creates would take minutes); each row is a
    // complete meta whose record decodes.
    await db.sql.unsafe(`
      INSERT INTO big_item_meta (resource_id, current_revision_id, schema_version, total_revision_count, created_time, updated_time,
                                 created_by, updated_by, is_deleted, indexed_data, record)
      SELECT 'r' || i, 'r' || i || ':1', NULL, 1, t, t, 'bulk', 'bulk', false, d,
             convert_to(jsonb_build_object('current_revision_id', 'r' || i || ':1', 'resource_id', 'r' || i, 'schema_version', NULL,
               'total_revision_count', 1, 'created_time', '2025-01-01T00:00:00.000Z', 'updated_time', '2025-01-01T00:00:00.000Z',
               'created_by', 'bulk', 'updated_by', 'bulk', 'is_deleted', false, 'indexed_data', d)::text, 'UTF8')
      FROM generate_series(1, ${ROWS}) AS i,
           LATERAL (SELECT jsonb_build_object('name', 'n' || i, 'level', i % 100) AS d, timestamptz '2025-01-01' AS t) AS x`);
    await db.sql.unsafe('ANALYZE big_item_meta');
  }, 120_000);
  afterAll(async () => {
    await factory?.close();
    await db?.drop();
  });

  it('eq on an indexed field is an index scan and finds the one row', async () => {
    const { plan, exact } = await storage.explainSearch(byName('n4242'));
    expect(exact).toBe(true);
    expect(plan.join('\n')).toMatch(/Index Scan|Bitmap Index Scan/);
    expect(plan.join('\n')).not.toMatch(/Seq Scan/);
    const found = await storage.search(byName('n4242'));
    expect(found.map((meta) => meta.resource_id)).toEqual(['r4242']);
    expect(await storage.count(byName('n4242'))).toBe(1);
  });

  const cond = (field_path: string, operator: DataSearchOperator, value: unknown) => ({ type: 'DataSearchCondition' as const, field_path, operator, value, transform: null });
  const KEY_INDEX = /Index (?:Only )?Scan(?: Backward)? using big_item_meta_k_[0-9a-f]{16}/;
  const plan = async (query: ResourceMetaSearchQuery) => (await storage.explainSearch(query)).plan.join('\n');
  /** i % 100 = level for i in 1..ROWS, ordered by resource_id ('r' || i, compared as text). */
  const idsAtLevel = (level: number) =>
    Array.from({ length: ROWS }, (_, k) => k + 1)
      .filter((i) => i % 100 === level)
      .map((i) => `r${i}`)
      .sort();

  it.each<[string, ResourceMetaSearchQuery]>([
    ['eq on a number', { conditions: [cond('level', 'eq', 42)], sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }], limit: 10, offset: 0 }],
    ['eq on a string', { conditions: [cond('name', 'eq', 'n77')], sorts: [{ type: 'meta', key: 'resource_id', direction: '-' }], limit: 10, offset: 0 }],
  ])('%s seeks the key index and reads the page in order (no Sort)', async (_name, query) => {
    const text = await plan(query);
    expect(text).toMatch(KEY_INDEX);
    expect(text).not.toMatch(/Seq Scan|Sort/);
    expect((await storage.search(query)).length).toBeGreaterThan(0);
  });

  it('eq reads only the page: the first ids of the level, in resource_id order', async () => {
    const query: ResourceMetaSearchQuery = { conditions: [cond('level', 'eq', 42)], sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }], limit: 10, offset: 5 };
    expect((await storage.search(query)).map((m) => m.resource_id)).toEqual(idsAtLevel(42).slice(5, 15));
    expect(await storage.count(query)).toBe(ROWS / 100);
  });

  it('a range seeks the key index and, sorted on the same key, stops after the page', async () => {
    const query: ResourceMetaSearchQuery = { conditions: [cond('level', 'gte', 98)], sorts: [{ type: 'data', field_path: 'level', direction: '+' }], limit: 10, offset: 0 };
    const text = await plan(query);
    expect(text).toMatch(KEY_INDEX);
    expect(text).not.toMatch(/Seq Scan|Sort/);
    expect((await storage.search(query)).map((m) => m.resource_id)).toEqual(idsAtLevel(98).slice(0, 10));
    expect(await storage.count({ ...query, conditions: [cond('level', 'lt', 3)] })).toBe(3 * (ROWS / 100));
  });

  it('a string range uses the key index', async () => {
    const query: ResourceMetaSearchQuery = { conditions: [cond('name', 'lt', 'n1000')], limit: 10, offset: 0 };
    expect(await plan(query)).toMatch(/Index (?:Only )?Scan|Bitmap Index Scan/);
    expect(await plan(query)).not.toMatch(/Seq Scan/);
    expect(await storage.count(query)).toBe(3); // n1, n10, n100 (n1000 is not below itself)
  });

  it('in looks the members up in the key index', async () => {
    const query: ResourceMetaSearchQuery = { conditions: [cond('name', 'in', ['n5', 'n77', 'n99999', 'absent'])], limit: 10, offset: 0 };
    const text = await plan(query);
    expect(text).toMatch(/(?:Bitmap Index Scan on|Index (?:Only )?Scan using) big_item_meta_k_/);
    expect(text).not.toMatch(/Seq Scan/);
    expect((await storage.search(query)).map((m) => m.resource_id).sort()).toEqual(['r5', 'r77', 'r99999']);
  });

  it('a data sort with a limit walks the key index in either direction instead of sorting the table', async () => {
    for (const direction of ['+', '-'] as const) {
      const query: ResourceMetaSearchQuery = { sorts: [{ type: 'data', field_path: 'level', direction }], limit: 5, offset: 0 };
      const text = await plan(query);
      expect(text).toMatch(KEY_INDEX);
      // At most an Incremental Sort of the resource_id tie-break, one group of equal values at a time.
      expect(text).not.toMatch(/Seq Scan|(?:^|->\s+)Sort\s/m);
      const level = direction === '+' ? 0 : 99;
      expect((await storage.search(query)).map((m) => m.resource_id)).toEqual(idsAtLevel(level).slice(0, 5));
    }
  });

  it('a range on a meta column uses its index too', async () => {
    const query = { created_time_start: new Date('2025-01-02T00:00:00Z'), limit: 10, offset: 0 };
    const { plan } = await storage.explainSearch(query);
    expect(plan.join('\n')).toMatch(/Index/);
    expect(await storage.count(query)).toBe(0);
  });

  it('an index a build left INVALID (an interrupted CREATE INDEX CONCURRENTLY) is dropped and built again', async () => {
    const keyIndexes = async () =>
      (await db.sql.unsafe(`SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                            WHERE c.relname LIKE 'big_item_meta_k_%'`)) as unknown as { name: string; valid: boolean }[];
    const before = new Set((await keyIndexes()).map((row) => row.name));
    const query: ResourceMetaSearchQuery = { conditions: [cond('shade', 'eq', 'teal')], limit: 10, offset: 0 };
    expect(await storage.search(query)).toEqual([]);
    const made = (await keyIndexes()).filter((row) => !before.has(row.name));
    expect(made).toEqual([{ name: expect.any(String), valid: true }]);
    const name = made[0]!.name;
    await db.sql.unsafe(`UPDATE pg_index SET indisvalid = false WHERE indexrelid = '${name}'::regclass`);

    // Another server process (a fresh factory: nothing cached) searches on the key.
    const other = new PostgresStorageFactory({ dsn: db.dsn, tablePrefix: 'big_' });
    try {
      const again = other.build('item') as PostgresStorage;
      await again.ready();
      expect((await again.explainSearch(query)).plan.join('\n')).toContain(`using ${name}`);
      expect((await keyIndexes()).find((row) => row.name === name)).toEqual({ name, valid: true });
    } finally {
      await other.close();
    }
  });
});
