import { blobStoreConformanceSuite } from '@specstar/testkit';
import { storeFixture } from './s3-fixture';

// The testkit's blob-store cases (documents, grants, staging and streaming included) on
// S3BlobStore: a fresh prefix per store, so every case starts on an empty store.
const s3 = storeFixture();

blobStoreConformanceSuite(
  { describe, it, expect },
  {
    name: 'S3BlobStore',
    createBlobStore: () => s3.blobStore(),
  },
);
