export {
  UNIQUE_KEYWORD,
  REF_KEYWORD,
  DISPLAY_NAME_KEYWORD,
  BINARY_KEYWORD,
  BYTES_KEYWORD,
  JOB_KEYWORD,
  unique,
  ref,
  displayName,
  binary,
  jobSchema,
  type OnDelete,
  type RefType,
  type RefMarker,
  type RefOptions,
} from './markers';
export {
  toSnakeCase,
  toKebabCase,
  toCamelCase,
  toPascalCase,
  applyNaming,
  deriveModelName,
  assertValidModelName,
  type ModelNaming,
} from './naming';
export { CompiledModel, compileModel, type JsonSchema, type RefInfo } from './model';
export type { TypedSchema, DataOf, WriteData } from './typed-schema';
export { normaliseIndexedFields, extractIndexedData, indexExtractor, type IndexExtractor, type IndexedFieldInput } from './indexing';
export { storeBinaries, restoreBinaries, collectFileIds } from './binary';
export { BlobAccess, type BlobWriteGuard, type ReferencedBefore } from './blob-access';
