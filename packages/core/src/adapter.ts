/**
 * `@specstar/core/adapter`: the kit for store and queue authors — record codecs, the search
 * evaluator and its push-down helpers, unique-claim and expectation checks, blob-id checks, the
 * reference storage facade and memory stores to compose with. Apps use the main entry.
 */
export { SimpleStorage, MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, SerialLock } from './storage';
export { assertValidFileId, checkBlobPut, expectationRefusal, findUniqueViolation, holdsValue, uniqueClaims, type UniqueClaim, type UniqueClaimant } from './storage';
export { encodeRecord, decodeMeta, decodeInfo, parseInstant, createPackr, isBytes, xxh3Hex, bytesToBase64, base64ToBytes } from './codec';
export {
  compareBySorts,
  compileFilter,
  compileQuery,
  countQuery,
  runQuery,
  flattenSameOperator,
  isSearchGroup,
  textForm,
  topLevelFilters,
  QUERY_TIME_BOUNDS,
  checkSearchQuery,
  pageBounds,
  queryInstant,
  sortKey,
} from './search';
export { infoRecord, metaRecord } from './records';
export { assertValidModelName } from './model';
