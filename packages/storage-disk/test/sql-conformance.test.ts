import Database from 'better-sqlite3';
import { MemoryStorageFactory } from '@specstar/core';
import { MemoryResourceStore, SimpleStorage } from '@specstar/core/adapter';
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { SqliteMetaStore } from '../src/meta-store';

// The whole testkit suite with SqliteMetaStore as the meta store, composed by core's
// SimpleStorage: every store-level search row runs through the SQL push-down. One in-memory
// database per case; each model gets its own table on it.
function sqliteMetaFactory(): IStorageFactory {
  const db = new Database(':memory:');
  const blobs = new MemoryStorageFactory();
  return {
    build: (model) => new SimpleStorage(new SqliteMetaStore(db, { table: `meta_${model}` }), new MemoryResourceStore()),
    buildBlobStore: () => blobs.buildBlobStore(),
    close: async () => {
      db.close();
    },
  };
}

storageConformanceSuite(
  { describe, it, expect },
  {
    name: 'SqliteMetaStore via SimpleStorage',
    createFactory: sqliteMetaFactory,
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
  },
);
