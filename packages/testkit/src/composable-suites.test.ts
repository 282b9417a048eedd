import { MemoryBlobStore, MemoryMetaStore } from '@specstar/core/adapter';
import { blobStoreConformanceSuite } from './blob-suite';
import { metaStoreConformanceSuite } from './meta-suite';

// The store-level suites on core's memory stores: a meta store alone (commit cases and the
// search tables on its own search()/count()) and a blob store alone.
metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'MemoryMetaStore',
    createMetaStore: () => new MemoryMetaStore(),
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true },
  },
);

blobStoreConformanceSuite({ describe, it, expect }, { name: 'MemoryBlobStore', createBlobStore: () => new MemoryBlobStore() });
