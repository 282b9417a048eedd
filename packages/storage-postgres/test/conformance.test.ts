import { MemoryStorageFactory } from '@specstar/core';
import { MemoryResourceStore, SimpleStorage } from '@specstar/core/adapter';
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { PostgresMetaStore, PostgresStorageFactory, parseDsn, tableNames } from '../src';
import { createTestDatabase, describePg, freshPrefix, type TestDatabase } from './pg';

// The whole testkit suite on PostgreSQL, in a database of its own; every case gets fresh tables
// (a table prefix of its own) and a factory with its own pool.
let db: TestDatabase;
let dsn = '';

describePg('PostgreSQL', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    dsn = db.dsn;
  });
  afterAll(async () => {
    await db?.drop();
  });

  // Engine and store level on PostgresStorage: one transaction per commit, every capability.
  storageConformanceSuite(
    { describe, it, expect },
    {
      name: 'postgres',
      createFactory: () => new PostgresStorageFactory({ dsn, tablePrefix: freshPrefix(), max: 4 }),
      capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true },
      skip: [],
    },
  );

  // PostgresMetaStore composed by core's SimpleStorage: every store-level search row runs through
  // the meta store's SQL push-down on its own.
  storageConformanceSuite(
    { describe, it, expect },
    {
      name: 'PostgresMetaStore via SimpleStorage',
      createFactory: (): IStorageFactory => {
        const full = new PostgresStorageFactory({ dsn, tablePrefix: freshPrefix(), max: 4 });
        const blobs = new MemoryStorageFactory();
        const target = parseDsn(dsn);
        return {
          build: (model) => new SimpleStorage(new PostgresMetaStore(full.pool, { target, names: tableNames(full.tablePrefix, model) }), new MemoryResourceStore()),
          buildBlobStore: () => blobs.buildBlobStore(),
          close: () => full.close(),
        };
      },
      capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
    },
  );
});
