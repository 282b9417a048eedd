import { MemoryStorageFactory } from '@specstar/core';
import { storageConformanceSuite } from '@specstar/testkit';

// Core's own run of the storage conformance suite: the memory stores composed by SimpleStorage
// evaluate search in the store; commit is revision-then-meta, not one atomic step.
storageConformanceSuite(
  { describe, it, expect, beforeEach, afterEach },
  {
    name: 'memory',
    createFactory: () => new MemoryStorageFactory(),
    capabilities: {
      search: true,
      compareAndSet: true,
      createIfAbsent: true,
      batchWrite: true,
      atomicCommit: false,
    },
  },
);
