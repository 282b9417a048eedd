import { MemoryMetaStore } from '@specstar/core/adapter';
import { metaStoreConformanceSuite } from '@specstar/testkit';

// The memory meta store decides commits itself (atomicUnique), so a SimpleStorage over it with
// any resource store keeps If-Match and unique values.
metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'MemoryMetaStore',
    createMetaStore: () => new MemoryMetaStore(),
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true },
  },
);
