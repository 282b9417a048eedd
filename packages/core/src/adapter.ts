/**
 * `@specstar/core/adapter`: the kit for store and queue authors. It holds what a store needs to
 * behave exactly like the built-in ones — record codecs, the normative search evaluator and its
 * push-down helpers, the write decisions a store makes inside its transaction, blob-id checks,
 * and the reference facade and memory stores to compose with. Apps use the main entry.
 */

// Composing a storage: the facade over a meta store and a resource store, the reference stores.
export { SimpleStorage, MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, SerialLock } from './storage';

// Write decisions a store makes inside its own transaction (If-Match, unique claims).
export { expectationRefusal, findUniqueViolation, holdsValue, uniqueClaims, type UniqueClaim, type UniqueClaimant } from './storage';

// Revision paging: the reference page of a loaded list (positions = indexes in store order).
export { pageRevisionList } from './revision-paging/page-list';

// Ids a store turns into paths or keys.
export { checkResourceIdArgument } from './storage';
export { FILE_ID_PATTERN, assertValidFileId, checkBlobPut } from './storage';
export { DOCUMENT_NAME_PATTERN, assertValidDocumentName, checkDocumentPut } from './storage';
export { assertValidModelName } from './model';

// Upload staging and streamed puts: argument checks and a byte cap over a stream.
export { MAX_PART_NUMBER, assertValidUploadId, assertValidPartNumber, assertValidByteCap, capBytes, collectBytes, checkStreamedSize, MemoryUploadStaging } from './storage';

// Records, instants, bytes and hashes.
export { encodeRecord, decodeMeta, decodeInfo, type RecordKind, type EncodingName } from './codec';
export { parseInstant, formatInstant, toInstant } from './codec';
export { asBuffer, createPackr, isBytes, xxh3Hex, bytesToBase64, base64ToBytes } from './codec';
export { copyMeta, infoRecord, metaRecord } from './record-shapes';

// Value predicates the evaluator uses (SQL translators need the same truthiness).
export { isPlainObject, pyTruthy } from './value-predicates';

// Search: the normative evaluator (the answer every store must give) and push-down helpers.
export {
  compareBySorts,
  compareStrings,
  compileFilter,
  compileQuery,
  countQuery,
  evaluateFilter,
  matchesQuery,
  runQuery,
  flattenSameOperator,
  isSearchGroup,
  textForm,
  topLevelFilters,
  type Truth,
  QUERY_TIME_BOUNDS,
  checkSearchQuery,
  pageBounds,
  queryInstant,
  sortKey,
  // Operand coercions and predicates, so a translator coerces exactly as the evaluator does.
  dataOperand,
  instantOperand,
  isPrimitive,
  isValidDate,
} from './search';

// Archive frames, for tools and stores that read or write `.acbak` directly.
export {
  ARCHIVE_VERSION,
  MAX_FRAME_LENGTH,
  encodeFrame,
  readArchiveRecords,
  decodeArchivePayload,
  decodeMetaPayload,
  decodeRevisionPayload,
  encodeMetaPayload,
  encodeRevisionPayload,
} from './archive';

// Backend providers: the error to throw for a bad option, the export name core looks for.
export { BackendConfigError, providerExportName, type BackendConfigErrorDetails, type BackendProblem } from './backend';
