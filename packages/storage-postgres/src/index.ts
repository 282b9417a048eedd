export { PostgresStorage, type PostgresStorageOptions } from './storage';
export { PostgresMetaStore, MetaTable, type PostgresMetaStoreOptions } from './meta-store';
export { PostgresResourceStore, RevisionTable, type PostgresResourceStoreOptions } from './resource-store';
export { PostgresStorageFactory, checkServer, type PostgresStorageFactoryOptions } from './factory';
// Meta here, payloads on disk: composed by core over the backend config, re-exported where apps import it.
export { PostgresDiskStorageFactory, type PostgresDiskStorageFactoryOptions } from '@specstar/core';
export { postgresBackendProvider, resolvePostgresOptions } from './provider';
export {
  PostgresConfigurationError,
  PostgresUnavailableError,
  openPool,
  parseDsn,
  type PostgresConnectionOptions,
  type PostgresProblem,
  type PostgresTarget,
  type Sql,
} from './connection';
export { tableNames, type TableNames } from './schema';
