export { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, MemoryStorageFactory } from './memory';
export { FILE_ID_PATTERN, assertValidFileId, checkBlobPut } from './blob-ids';
export { DOCUMENT_NAME_PATTERN, assertValidDocumentName, checkDocumentPut } from './blob-ids';
export { SimpleStorage } from './simple-storage';
export { findUniqueViolation, holdsValue, uniqueClaims, type UniqueClaim, type UniqueClaimant } from './unique';
export { SerialLock } from './serial-lock';
export { expectationRefusal } from './expectation';
export { checkResourceIdArgument } from './arguments';
export {
  MAX_PART_NUMBER,
  assertValidByteCap,
  assertValidPartNumber,
  assertValidUploadId,
  capBytes,
  checkStreamedSize,
  collectBytes,
} from './staging';
export { MemoryUploadStaging } from './memory-uploads';
export { getStoreDocument, putStoreDocument } from './documents';
