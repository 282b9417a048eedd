import { SimpleMessageQueueFactory } from '@specstar/core';
import { queueConformanceSuite } from '@specstar/testkit';
import { DiskStorageFactory } from '../src';
import { removeTempDirs, tempDir } from './helpers';

afterAll(removeTempDirs);

// The queue conformance suite: the simple queue on a fresh root directory per case.
queueConformanceSuite(
  { describe, it, expect },
  {
    name: 'simple on disk',
    createStorageFactory: () => new DiskStorageFactory(tempDir('specstar-queue-')),
    createQueueFactory: ({ maxRetries }) => new SimpleMessageQueueFactory({ maxRetries, pollInterval: 0.05 }),
    capabilities: { pop: true, crossProcessClaim: true },
  },
);
