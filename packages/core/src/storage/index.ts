export { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, MemoryStorageFactory, assertValidFileId, checkBlobPut } from './memory';
export { SimpleStorage } from './simple-storage';
export { findUniqueViolation, holdsValue, uniqueClaims, type UniqueClaim, type UniqueClaimant } from './unique';
export { SerialLock } from './serial-lock';
export { expectationRefusal } from './expectation';
