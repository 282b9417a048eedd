export { DiskStorage, DiskMetaStore, META_TABLE, type DiskStorageOptions, type SweepOptions } from './storage';
export { REVISIONS_TABLE, type RevisionIndexOptions } from './resource-store';
export { DiskResourceStore } from './disk-resource-store';
export { DiskBlobStore } from './blob-store';
export { DiskStorageFactory } from './factory';
export { diskBackendProvider } from './provider';
export { StoredDataError } from './files';
export { SqliteMetaStore } from './meta-store';
export { BLOBS_DIR, DATA_DIR, MODEL_DB_FILE } from './paths';
