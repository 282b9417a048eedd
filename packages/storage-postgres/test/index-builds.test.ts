/**
 * Key-index builds (CREATE INDEX CONCURRENTLY on the first search on a key) beside other
 * connections of other stores on the same tables: a build waits for every older transaction,
 * so nothing may wait on the build in return (PostgreSQL would fail one of them as a deadlock).
 */
import { PostgresStorageFactory, type PostgresStorage } from '../src';
import type { ResourceMetaSearchQuery } from '@specstar/interfaces';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

/** A sort on a data key: its first search builds the key's index. */
const sortedBy = (key: string): ResourceMetaSearchQuery => ({ sorts: [{ type: 'data', field_path: key, direction: '+' }], limit: 10, offset: 0 });

describePg('key-index builds beside other stores', () => {
  let db: TestDatabase;
  const factories: PostgresStorageFactory[] = [];
  const open = (): PostgresStorage => {
    const factory = new PostgresStorageFactory({ dsn: db.dsn, tablePrefix: 'ix_', max: 3 });
    factories.push(factory);
    return factory.build('item') as PostgresStorage;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    for (const factory of factories) await factory.close();
    await db?.drop();
  });

  it('while a build waits for an old transaction, another store starts, reads and searches without waiting for the build', async () => {
    const builder = open();
    await builder.ready();
    // An open transaction holding its snapshot (repeatable read): a concurrent build cannot finish before it ends.
    const holder = await db.sql.reserve();
    await holder.unsafe('BEGIN ISOLATION LEVEL REPEATABLE READ');
    await holder.unsafe('SELECT count(*) FROM ix_item_meta');
    const building = builder.search(sortedBy('level'));
    // The build has started once its lock shows in pg_locks (ShareUpdateExclusiveLock on the table).
    for (let tries = 0; ; tries++) {
      const [row] = (await db.sql.unsafe(
        "SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'ix_item_meta' AND l.mode = 'ShareUpdateExclusiveLock'",
      )) as unknown as { n: number }[];
      if (row!.n > 0) break;
      if (tries > 200) throw new Error('the key-index build never started');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    // A second process would open its own store: table setup, a read, a search on another key.
    const second = open();
    await second.ready();
    expect(await second.getMeta('none')).toBeUndefined();
    expect(await second.search(sortedBy('name'))).toEqual([]);
    await holder.unsafe('COMMIT');
    holder.release();
    expect(await building).toEqual([]);
  }, 20_000);
});
