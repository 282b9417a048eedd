import { SimpleMessageQueueFactory } from '@specstar/core';
import { queueConformanceSuite } from '@specstar/testkit';
import { PostgresStorageFactory } from '../src';
import { createTestDatabase, describePg, freshPrefix, type TestDatabase } from './pg';

// The queue conformance suite: the simple queue on PostgreSQL, in a database of its own; every
// case gets fresh tables (a table prefix of its own) and a factory with its own pool.
let db: TestDatabase;

describePg('PostgreSQL', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  queueConformanceSuite(
    { describe, it, expect },
    {
      name: 'simple on postgres',
      createStorageFactory: () => new PostgresStorageFactory({ dsn: db.dsn, tablePrefix: freshPrefix(), max: 4 }),
      createQueueFactory: ({ maxRetries }) => new SimpleMessageQueueFactory({ maxRetries, pollInterval: 0.05 }),
      capabilities: { pop: true, crossProcessClaim: true },
    },
  );
});
