/** The meta-store cases on PostgresMetaStore: commit in one transaction, advisory-locked claims. */
import { metaStoreConformanceSuite } from '@specstar/testkit';
import { PostgresMetaStore, PostgresStorageFactory, parseDsn, tableNames } from '../src';
import { createTestDatabase, describePg, freshPrefix, type TestDatabase } from './pg';

let db: TestDatabase;
let factory: PostgresStorageFactory;

describePg('PostgresMetaStore', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    factory = new PostgresStorageFactory({ dsn: db.dsn, max: 4 });
  });
  afterAll(async () => {
    await factory?.close();
    await db?.drop();
  });

  metaStoreConformanceSuite(
    { describe, it, expect },
    {
      name: 'PostgresMetaStore',
      createMetaStore: () => new PostgresMetaStore(factory.pool, { target: parseDsn(db.dsn), names: tableNames(freshPrefix(), 'item') }),
      capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true },
      timeout: 20_000,
    },
  );
});
