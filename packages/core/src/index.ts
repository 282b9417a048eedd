/**
 * `@specstar/core`: the app API. Store and queue authors find their kit in
 * `@specstar/core/adapter`.
 */
export { SpecStar, spec, type SpecStarOptions, type AddModelOptions, type IndexedFieldSpec } from './registry';
export {
  ResourceManager,
  type WriteContext,
  type CreateOptions,
  type UpdateOptions,
  type ModifyInput,
  type PatchOptions,
  type GetOptions,
  type ListOptions,
  type ReturnSection,
  type DeleteIntegrity,
  type PrepareValueStep,
  type WriteStepContext,
  type AfterCreateHook,
  type CreatedResource,
  type ChildJobSelection,
  type ConsumeSelection,
  type JsonPatchOperation,
  type LifecycleOptions,
} from './manager';
export { type ScopeValues } from './context';

// Custom create and update actions (spec.createAction / spec.updateAction).
export {
  CustomAction,
  type ActionInputField,
  type ActionArtifact,
  type ActionAsyncMode,
  type ActionContext,
  type ActionInvokeOptions,
  type ActionKind,
  type ActionOutcome,
  type ActionSummary,
  type ActionUpdateMode,
  type BackgroundTaskAccepted,
  type CreateActionHandler,
  type CreateActionOptions,
  type UpdateActionHandler,
  type UpdateActionOptions,
  type UpdateTarget,
} from './actions';
export { compareRevisionsByCreation, revisionCounter } from './revision-order';
export { RevisionCursorCodec, type RevisionInfoPage, type RevisionPageOptions } from './revision-paging';
export type { MigrateManyOptions, MigrateManyProgress, MigrateManyResult, MigrateOutcome } from './manager/migrate-many';
export { type RetentionPolicy, type PruneOptions, type PruneResult, type KeptReason, type RetentionSchedule, type RetentionScheduleOptions } from './retention';

// Queries: the builder, the qb string language, the partial projection of list results.
export {
  QB,
  QueryBuilder,
  ConditionBuilder,
  Field,
  isQueryBuilder,
  setQbClock,
  parseQb,
  projectPartial,
  type SortInput,
  type TimezoneInput,
  type ParseQbOptions,
  type QueryInput,
  type NormalizeQueryOptions,
} from './search';

// Models: schema markers and the names they appear under.
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
  type JsonSchema,
  type ModelNaming,
  type BlobAccess,
  type TypedSchema,
  type DataOf,
  type WriteData,
} from './model';
export type { TypedResourceManager } from './typed-manager';
export { type EncodingName } from './codec';
export { Schema, type MigrationEdge, type MigrationFn, type StepOptions } from './schema';
export { type ConstraintCheckerSpec } from './constraints';
export { type Relationship, type ReferrerGroup } from './integrity';
export * from './permissions';
export { on, EventHandlerBuilder, PhaseActionHandler, toActionSet, type EventHandlerFn, type ActionsInput } from './event-builder';

// Storage an app picks: memory (the default), or a backend config naming providers.
export { MemoryStorageFactory } from './storage';
export {
  BackendConfig,
  BackendConfigError,
  registerBackendProvider,
  unregisterBackendProvider,
  resolveBackend,
  resolveBackendSync,
  PostgresDiskStorageFactory,
  PostgreSQLS3StorageFactory,
  PostgresDiskS3StorageFactory,
  type PostgresDiskStorageFactoryOptions,
  type PostgreSQLS3StorageFactoryOptions,
  type PostgresDiskS3StorageFactoryOptions,
  type PostgresPairingOptions,
  type S3ConnectionPairingOptions,
  type S3BlobPairingOptions,
  type BackendConfigValue,
  type BackendConfigReadOptions,
  type BackendConfigErrorDetails,
  type BackendProblem,
  type BackendBundle,
  type ResolveBackendOptions,
  type ResolvedBinding,
  type SkippedBinding,
  type BackendBinding,
  type BackendConfigInput,
  type BackendDefaults,
  type BackendProvider,
  type BackendRole,
  type ConnectionProfile,
  type ResolvedOptions,
} from './backend';

// Blob upload sessions (spec.uploadSessions).
export { UploadSessions, DEFAULT_UPLOAD_SESSION_EXPIRY, type UploadSessionInput, type SessionCaller, type SessionWriteCaller } from './uploads';
export type { BlobUploadSession, UploadMethod, UploadSessionStatus, UploadPart, ByteStream } from '@specstar/interfaces';

// Jobs: the in-process queue, the handler's signals, the job records.
export { SimpleMessageQueueFactory, STALE_JOB_MESSAGE, threadJobHandler, type ThreadHandlerOptions, type SimpleQueueOptions, type JobHandlerFactory, type StartConsumeOptions, type StopConsumingOptions } from './jobs';
export { NoRetry, DelayRetry, TaskStatus } from '@specstar/interfaces';
export type { Job, JobContext, JobHandler, JobLogLevel, JobRedirectInfo, IMessageQueue, IMessageQueueFactory, JobOutcome } from '@specstar/interfaces';

// The record types handlers and apps hold (snake_case wire names, as everywhere).
export type { Resource, ResourceMeta, RevisionInfo, Binary } from '@specstar/interfaces';

// Dump and load.
export {
  ArchiveLimitError,
  type ArchiveLimit,
  type LoadArchiveOptions,
  type LoadProgress,
  type DumpArchiveOptions,
  type DumpProgress,
  type DumpSummary,
  type OnDuplicate,
  type LoadStats,
  type ByteSource,
  type ArchiveRecord,
  type ArchiveRecordType,
  type HeaderRecord,
  type ModelStartRecord,
  type MetaRecord,
  type RevisionRecord,
  type BlobRecord,
  type ModelEndRecord,
  type EofRecord,
} from './archive';

// Every error class, so an app that installs only core can `instanceof` what it catches.
export {
  SpecStarError,
  ResourceNotFoundError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionNotFoundError,
  RevisionIDNotFoundError,
  BlobNotFoundError,
  ModelNotFoundError,
  ResourceConflictError,
  SchemaConflictError,
  RevisionNotMigratedError,
  CannotModifyResourceError,
  UniqueConstraintError,
  DuplicateResourceError,
  RevisionMismatchError,
  ReferenceRestrictError,
  ValidationError,
  QueryError,
  PatchError,
  InvalidReferenceError,
  PermissionDeniedError,
  JobStateError,
  MissingOperationContextError,
  ConfigurationError,
  NotSupportedError,
  MigrationError,
  ArchiveFormatError,
  BlobTooLargeError,
  UploadSessionNotFoundError,
  UploadSessionStateError,
} from '@specstar/interfaces';
