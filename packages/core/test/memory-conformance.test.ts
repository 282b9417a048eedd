import { MemoryStorageFactory } from '@specstar/core';
import { MemoryMetaStore, MemoryResourceStore, SimpleStorage } from '@specstar/core/adapter';
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';

const api = { describe, it, expect, beforeEach, afterEach };

// Core's own run of the storage conformance suite on the default memory storage: every method
// runs to completion synchronously, so commit is atomic.
storageConformanceSuite(api, {
  name: 'memory',
  createFactory: () => new MemoryStorageFactory(),
  capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true },
});

// The same memory stores composed by the generic SimpleStorage: the reference path a third
// party's meta and resource stores take (revision then meta, not one atomic step).
const composed: IStorageFactory = {
  build: () => new SimpleStorage(new MemoryMetaStore(), new MemoryResourceStore()),
  buildBlobStore: () => new MemoryStorageFactory().buildBlobStore(),
};
storageConformanceSuite(api, {
  name: 'memory stores via SimpleStorage',
  createFactory: () => composed,
  capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
});

/** A meta store that does not decide unique claims itself: core's search-based checks take over. */
class ClaimlessMetaStore extends MemoryMetaStore {
  override readonly capabilities = { ...new MemoryMetaStore().capabilities, atomicUnique: false };
}
storageConformanceSuite(api, {
  name: 'memory stores via SimpleStorage, meta store without atomicUnique',
  createFactory: () => ({ build: () => new SimpleStorage(new ClaimlessMetaStore(), new MemoryResourceStore()), buildBlobStore: composed.buildBlobStore! }),
  capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: false },
});
