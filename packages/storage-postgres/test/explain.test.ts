/**
 * A search over 100k resources filtered on an indexed_data field uses an index (the GIN index on
 * indexed_data through the implied containment term), and returns the right row.
 */
import { PostgresStorageFactory, type PostgresStorage } from '../src';
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

  it('a range on a meta column uses its index too', async () => {
    const query = { created_time_start: new Date('2025-01-02T00:00:00Z'), limit: 10, offset: 0 };
    const { plan } = await storage.explainSearch(query);
    expect(plan.join('\n')).toMatch(/Index/);
    expect(await storage.count(query)).toBe(0);
  });
});
