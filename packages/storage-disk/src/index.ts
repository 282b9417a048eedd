export { DiskStorage, DiskMetaStore, META_TABLE, type DiskStorageOptions, type SweepOptions } from './disk-storage';
export { DiskResourceStore, REVISIONS_TABLE } from './revision-store';
export { DiskBlobStore } from './blob-store';
export { DiskStorageFactory } from './factory';
export { diskBackendProvider } from './provider';
export { StoredDataError } from './files';
export { SqliteMetaStore } from './sqlite-meta-store';
export { BLOBS_DIR, DATA_DIR, MODEL_DB_FILE } from './paths';
