/** The `.acbak` dump/load archive. */
export {
  ARCHIVE_VERSION,
  MAX_FRAME_LENGTH,
  checkOnDuplicate,
  decodePayload as decodeArchivePayload,
  encodeFrame,
  type ArchiveRecord,
  type ArchiveRecordType,
  type BlobRecord,
  type EofRecord,
  type HeaderRecord,
  type LoadStats,
  type MetaRecord,
  type ModelEndRecord,
  type ModelStartRecord,
  type OnDuplicate,
  type RevisionRecord,
} from './archive-records';
export { readArchiveRecords, type ByteSource } from './reader';
export { ArchiveLimitError, DEFAULT_FRAME_MEMORY_BYTES, DEFAULT_MAX_FRAME_SIZE, type ArchiveLimit } from './limits';
export { decodeMetaPayload, decodeRevisionPayload, encodeMetaPayload, encodeRevisionPayload } from './payloads';
export { dumpArchive, dumpModel, type DumpArchiveOptions, type DumpProgress, type DumpSummary } from './dump';
export { loadArchive, loadRecord, loadRecordsBulk, type LoadArchiveOptions, type LoadProgress } from './load';
