export { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, MemoryStorageFactory, assertValidFileId } from './memory';
export { SimpleStorage } from './simple-storage';
