export { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorageFactory, assertValidFileId } from './memory';
export { SimpleStorage } from './simple-storage';
