import * as path from 'node:path';
import { blobStoreConformanceSuite } from '@specstar/testkit';
import { DiskBlobStore } from '../src/blob-store';
import { removeTempDirs, tempDir } from './helpers';

afterAll(removeTempDirs);

// The blob-store cases alone on DiskBlobStore (conformance.test.ts runs them inside the whole
// storage suite): documents, grants, upload staging and streamed puts and gets.
blobStoreConformanceSuite({ describe, it, expect }, { name: 'DiskBlobStore', createBlobStore: () => new DiskBlobStore(path.join(tempDir(), '_blobs')) });
