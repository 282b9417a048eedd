import { MemoryBlobStore } from '@specstar/core/adapter';
import { blobStoreConformanceSuite } from '@specstar/testkit';

// The blob-store cases alone on the memory blob store (the storage suite runs them too, with
// everything else): documents, grants, upload staging and streamed puts and gets.
blobStoreConformanceSuite({ describe, it, expect }, { name: 'MemoryBlobStore', createBlobStore: () => new MemoryBlobStore() });
