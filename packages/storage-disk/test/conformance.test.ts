import * as fs from 'node:fs';
import type { IStorageFactory } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { DiskStorageFactory } from '../src';
import { tempDir } from './helpers';

// The whole testkit suite on DiskStorage: a fresh rootdir per case, every capability claimed,
// nothing skipped (blob cases included, on the factory's <rootdir>/_blobs store).
storageConformanceSuite(
  { describe, it, expect },
  {
    name: 'disk',
    createFactory: () => new DiskStorageFactory(tempDir()),
    dispose: async (factory: IStorageFactory) => {
      const disk = factory as DiskStorageFactory;
      await disk.close();
      fs.rmSync(disk.rootdir, { recursive: true, force: true });
    },
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true },
    skip: [],
  },
);
