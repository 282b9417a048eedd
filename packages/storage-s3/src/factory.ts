/**
 * S3StorageFactory: everything on S3 — each model's metas in an S3-synced SQLite database,
 * its revisions as objects, blobs as objects — with the Python factory's parameters camel-cased.
 * The same stores, at the same keys, as the `s3` provider with the matching options.
 */
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { ConfigurationError } from '@specstar/interfaces';
import type { IBlobStore, IStorage, IStorageFactory, UploadMethod } from '@specstar/interfaces';
import { SimpleStorage } from '@specstar/core/adapter';
import { buildS3BlobStore, buildS3MetaStore, buildS3ResourceStore, s3BackendSettings, type S3BackendSettings } from './backend-settings';
import type { S3BlobStore } from './blob-store';

export interface S3StorageFactoryOptions {
  bucket: string;
  /** Static credentials; without them the SDK's default chain (environment, profile, role) applies. */
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Default `us-east-1`. */
  regionName?: string;
  /** A custom endpoint (MinIO, …); path-style addressing unless clientKwargs say otherwise. */
  endpointUrl?: string;
  /** Before every meta and revision key: `<prefix><model>/…` (default ''). */
  prefix?: string;
  /** Accepted for compatibility: metas and revision infos are stored as JSON, payloads as the engine encoded them. */
  encoding?: 'json' | 'msgpack';
  /** See the README: when the meta database is uploaded (defaults true, 0, true, false, true). */
  autoSync?: boolean;
  syncInterval?: number;
  enableLocking?: boolean;
  autoReloadOnConflict?: boolean;
  checkEtagOnRead?: boolean;
  /** Extra S3Client settings (`maxAttempts`, `requestHandler`, `forcePathStyle`, …), merged last. */
  clientKwargs?: Partial<S3ClientConfig>;
  /** Default `bucket`. */
  blobBucket?: string;
  /** Default `<prefix>blobs/`. */
  blobPrefix?: string;
  /** Default `proxy`; `single_put` hands out presigned PUT URLs for uploads. */
  uploadMethod?: UploadMethod;
  /** Seconds presigned URLs stay valid (default 3600). */
  presignedUrlExpiry?: number;
}

/** The factory's options as the provider's (snake_case), so both validate and build alike. */
function providerOptions(options: S3StorageFactoryOptions): Record<string, unknown> {
  const prefix = options.prefix ?? '';
  return {
    bucket: options.bucket,
    blob_bucket: options.blobBucket,
    prefix,
    blob_prefix: options.blobPrefix ?? `${prefix}blobs/`,
    access_key_id: options.accessKeyId,
    secret_access_key: options.secretAccessKey,
    region_name: options.regionName,
    endpoint_url: options.endpointUrl,
    client_kwargs: options.clientKwargs,
    encoding: options.encoding,
    auto_sync: options.autoSync,
    sync_interval: options.syncInterval,
    enable_locking: options.enableLocking,
    auto_reload_on_conflict: options.autoReloadOnConflict,
    check_etag_on_read: options.checkEtagOnRead,
    upload_method: options.uploadMethod,
    presigned_url_expiry: options.presignedUrlExpiry,
  };
}

export class S3StorageFactory implements IStorageFactory {
  readonly bucket: string;
  private readonly settings: S3BackendSettings;
  private readonly built = new Set<IStorage>();
  private blobStore: S3BlobStore | undefined;
  private closed = false;

  /** BackendConfigError naming the option (by its provider name) when one is invalid. */
  constructor(options: S3StorageFactoryOptions) {
    this.settings = s3BackendSettings(providerOptions(options));
    this.bucket = this.settings.bucket;
  }

  /** Per model: its meta database `<prefix><model>/meta.sqlite3` and revisions under `<prefix><model>/`. */
  build(modelName: string): IStorage {
    if (this.closed) throw new ConfigurationError(`The S3 storage factory for bucket '${this.bucket}' is closed`);
    const storage = new SimpleStorage(buildS3MetaStore(this.settings, modelName), buildS3ResourceStore(this.settings, modelName));
    this.built.add(storage);
    return storage;
  }

  buildBlobStore(): IBlobStore {
    this.blobStore ??= buildS3BlobStore(this.settings);
    return this.blobStore;
  }

  /** Closes every storage it built (uploading metas still pending) and the blob store. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const storages = [...this.built];
    this.built.clear();
    const results = await Promise.allSettled([...storages.map((storage) => storage.close()), this.blobStore?.close()]);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }
}
