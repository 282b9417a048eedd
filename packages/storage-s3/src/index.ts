export {
  createS3Client,
  s3ClientConfig,
  s3ClientConfigFromOptions,
  s3SettingsFromOptions,
  DEFAULT_REGION,
  type S3ClientSettings,
  type S3ConnectionOptions,
  type S3Credentials,
} from './client';
export { S3StorageError, S3BucketNotFoundError, S3CredentialsError, S3EndpointUnreachableError, S3StoredObjectError, isS3Error, type S3Error } from './errors';
export { S3Bucket } from './bucket';
export { S3BlobStore, DEFAULT_BLOB_PREFIX, DEFAULT_PRESIGNED_URL_EXPIRY, type S3BlobStoreOptions } from './blob-store';
export { S3UploadStaging } from './upload-staging';
export { S3ResourceStore, type S3ResourceStoreOptions } from './resource-store';
export { S3SyncedMetaStore, META_OBJECT_NAME, type S3SyncedMetaStoreOptions, type MetaSyncOptions } from './meta-store';
export { MetaSyncConflictError, MetaObjectError } from './meta-errors';
export { S3StorageFactory, type S3StorageFactoryOptions } from './factory';
export { s3BackendProvider } from './provider';
