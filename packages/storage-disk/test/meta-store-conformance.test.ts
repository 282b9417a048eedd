/**
 * The meta-store cases on SqliteMetaStore: on an in-memory connection (the in-process queue
 * alone) and as DiskMetaStore on a file (the commit lock file next to the database).
 */
import Database from 'better-sqlite3';
import { metaStoreConformanceSuite } from '@specstar/testkit';
import { DiskMetaStore } from '../src';
import { SqliteMetaStore } from '../src/meta-store';
import { removeTempDirs, tempDir } from './helpers';

const capabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true };
const connections = new WeakMap<SqliteMetaStore, Database.Database>();

afterAll(removeTempDirs);

metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'SqliteMetaStore (in-memory connection)',
    createMetaStore: () => {
      const db = new Database(':memory:');
      const store = new SqliteMetaStore(db);
      connections.set(store, db);
      return store;
    },
    dispose: async (store) => {
      await store.close?.();
      connections.get(store as SqliteMetaStore)?.close();
    },
    capabilities,
  },
);

metaStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'DiskMetaStore',
    createMetaStore: () => new DiskMetaStore(tempDir(), 'item'),
    capabilities,
  },
);
