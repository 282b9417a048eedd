/**
 * The simple queue across processes on one PostgreSQL database: two consumers never run a job
 * twice (claims are compare-and-set in one transaction), a consumer killed mid-job leaves the
 * job to recovery, and a fresh claim survives another process's recovery pass.
 */
import * as path from 'node:path';
import { queueFaultSuite } from '@specstar/testkit';
import { createTestDatabase, describePg, freshPrefix, type TestDatabase } from './pg';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');

let db: TestDatabase;

describePg('PostgreSQL', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  queueFaultSuite(
    { describe, it, expect },
    {
      name: 'simple on postgres',
      workerScript: path.join(__dirname, 'fixtures', 'queue-worker.ts'),
      nodeArgs: ['-r', REGISTER],
      createStore: () => JSON.stringify({ dsn: db.dsn, tablePrefix: freshPrefix() }),
    },
  );
});
