export { BackendConfig, BACKEND_ROLES, DEFAULT_BACKEND_DEFAULTS } from './config';
export type { BackendConfigValue, BackendConfigReadOptions, NormalizedBinding, NormalizedConnection, ResolvedDefaults } from './config';
export { BackendConfigError, type BackendConfigErrorDetails, type BackendProblem } from './errors';
export { expandEnv, type Environment, type ExpandOptions } from './expand';
export {
  registerBackendProvider,
  unregisterBackendProvider,
  isKnownProviderType,
  knownProviderTypes,
  providerExportName,
  defaultPackageLoader,
  memoryBackendProvider,
  simpleBackendProvider,
  KNOWN_PROVIDER_TYPES,
  type KnownProviderType,
  type PackageLoader,
} from './providers';
export {
  resolveBackend,
  resolveBackendSync,
  BackendStorageFactory,
  UnavailableBlobStore,
  type BackendBundle,
  type ResolvedBinding,
  type SkippedBinding,
  type ResolveBackendOptions,
} from './resolve';
export {
  PostgresDiskStorageFactory,
  PostgreSQLS3StorageFactory,
  PostgresDiskS3StorageFactory,
  BackendPairingFactory,
  type PostgresDiskStorageFactoryOptions,
  type PostgreSQLS3StorageFactoryOptions,
  type PostgresDiskS3StorageFactoryOptions,
  type PostgresPairingOptions,
  type S3ConnectionPairingOptions,
  type S3BlobPairingOptions,
} from './pairings';
// The config shapes live in @specstar/interfaces; re-exported so apps import them from core.
export type {
  BackendBinding,
  BackendConfigInput,
  BackendDefaults,
  BackendProvider,
  BackendRole,
  ConnectionProfile,
  ResolvedOptions,
} from '@specstar/interfaces';
