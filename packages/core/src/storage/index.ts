export { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, MemoryStorageFactory, assertValidFileId, checkBlobPut } from './memory';
export { SimpleStorage } from './simple-storage';
export { findUniqueViolation, holdsValue } from './unique';
