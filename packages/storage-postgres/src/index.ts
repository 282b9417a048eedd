export { PostgresStorage, type PostgresStorageOptions } from './storage';
export { PostgresMetaStore, MetaTable, type PostgresMetaStoreOptions } from './meta-store';
export { PostgresResourceStore, RevisionTable, type PostgresResourceStoreOptions } from './resource-store';
export {
  PostgresStorageFactory,
  PostgresDiskStorageFactory,
  checkServer,
  type PostgresStorageFactoryOptions,
  type PostgresDiskStorageFactoryOptions,
} from './factory';
export { postgresBackendProvider, resolvePostgresOptions } from './provider';
export {
  PostgresConfigurationError,
  openPool,
  parseDsn,
  type PostgresConnectionOptions,
  type PostgresProblem,
  type PostgresTarget,
  type Sql,
} from './connection';
export { tableNames, type TableNames } from './schema';
export { translateSearch, translateCount, type SqlQuery } from './sql/translate';
