import { MemoryMetaStore, SimpleStorage } from '@specstar/core/adapter';
import type { IBlobStore, IMetaStore, IStorage, IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import type { S3ResourceStore } from '../src/resource-store';
import { storeFixture } from './s3-fixture';

// The whole storage suite on the S3 resource and blob stores composed with a memory meta store
// by core's SimpleStorage: the path a backend takes with revisions on S3 and metas elsewhere
// (the S3-synced meta store runs the same suite through S3StorageFactory in its own tests).
const s3 = storeFixture();

function composedFactory(): IStorageFactory {
  const prefix = s3.prefix();
  const metas = new Map<string, IMetaStore>();
  const resources: S3ResourceStore[] = [];
  let blobs: IBlobStore | undefined;
  return {
    build(model: string): IStorage {
      if (!metas.has(model)) metas.set(model, new MemoryMetaStore());
      const resourceStore = s3.resourceStore({ prefix: `${prefix}${model}/` });
      resources.push(resourceStore);
      return new SimpleStorage(metas.get(model)!, resourceStore);
    },
    buildBlobStore() {
      blobs ??= s3.blobStore({ prefix: `${prefix}blobs/` });
      return blobs;
    },
    async close() {
      for (const store of resources) await store.close();
    },
  };
}

storageConformanceSuite(
  { describe, it, expect },
  {
    name: 'S3 resource and blob stores + memory meta store (SimpleStorage)',
    createFactory: composedFactory,
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
  },
);
