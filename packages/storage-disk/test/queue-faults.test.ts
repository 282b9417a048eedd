/**
 * The simple queue across processes on one root directory: two consumers never run a job twice
 * (claims are compare-and-set in SQLite), a consumer killed mid-job leaves the job to recovery,
 * and a fresh claim survives another process's recovery pass.
 */
import * as path from 'node:path';
import { queueFaultSuite } from '@specstar/testkit';
import { removeTempDirs, tempDir } from './helpers';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');

afterAll(removeTempDirs);

queueFaultSuite(
  { describe, it, expect },
  {
    name: 'simple on disk',
    workerScript: path.join(__dirname, 'fixtures', 'queue-worker.ts'),
    nodeArgs: ['-r', REGISTER],
    createStore: () => tempDir('specstar-queue-fault-'),
  },
);
