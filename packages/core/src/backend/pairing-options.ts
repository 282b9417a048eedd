/**
 * The options of the combined factories (pairings.ts), named as the Python factories' parameters
 * camel-cased, turned into the backend-config options of the providers they stand for. Unset
 * options are left out, so the providers' defaults and BackendDefaults apply.
 */
import { ConfigurationError } from '@specstar/interfaces';

export interface PostgresPairingOptions {
  /** `postgres://user:password@host:5432/database` (`postgresql://` too). */
  dsn?: string;
  /** The Python name of `dsn`; give one of the two. */
  connectionString?: string;
  /** Pool size (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
  /** Seconds before an idle connection closes (default 0: kept open). */
  idleTimeout?: number;
  /** Prepended to every table and index name (default ''). */
  tablePrefix?: string;
  /** Accepted for compatibility; payload bytes are stored exactly as the engine encoded them. */
  encoding?: 'json' | 'msgpack';
}

export interface S3ConnectionPairingOptions {
  /** The bucket of the S3 stores. */
  s3Bucket: string;
  /** Default `us-east-1`. */
  s3Region?: string;
  /** Static credentials; without them the AWS SDK's default chain (environment, profile, role) applies. */
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
  /** A custom endpoint (MinIO, …); implies path-style addressing. */
  s3EndpointUrl?: string;
  /** Extra S3 client settings (see @specstar/storage-s3's `client_kwargs`). */
  s3ClientKwargs?: Record<string, unknown>;
}

export interface S3BlobPairingOptions {
  /** Default: `s3Bucket`. */
  blobBucket?: string;
  /** Default `blobs/`. */
  blobPrefix?: string;
  /** Default `proxy`; `single_put` hands out presigned PUT URLs for uploads. */
  uploadMethod?: 'proxy' | 'single_put';
  /** Seconds presigned URLs stay valid (default 3600). */
  presignedUrlExpiry?: number;
}

function defined(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

/** The `postgres` provider's options. */
export function postgresOptions(options: PostgresPairingOptions): Record<string, unknown> {
  return defined({
    dsn: options.dsn,
    connection_string: options.connectionString,
    table_prefix: options.tablePrefix ?? '',
    max: options.max,
    connect_timeout: options.connectTimeout,
    idle_timeout: options.idleTimeout,
    encoding: options.encoding,
  });
}

/** The `s3` provider's options for the resource role and for the blob role. */
export function s3Options(
  options: S3ConnectionPairingOptions & S3BlobPairingOptions & { encoding?: string },
  factory: string,
): { resource: Record<string, unknown>; blob: Record<string, unknown> } {
  if (typeof options.s3Bucket !== 'string' || options.s3Bucket.trim() === '') {
    throw new ConfigurationError(`${factory} needs 's3Bucket', the S3 bucket name`);
  }
  const connection = defined({
    bucket: options.s3Bucket,
    region_name: options.s3Region,
    access_key_id: options.s3AccessKeyId,
    secret_access_key: options.s3SecretAccessKey,
    endpoint_url: options.s3EndpointUrl,
    client_kwargs: options.s3ClientKwargs,
    encoding: options.encoding,
  });
  return {
    resource: connection,
    blob: {
      ...connection,
      ...defined({
        blob_bucket: options.blobBucket,
        blob_prefix: options.blobPrefix,
        upload_method: options.uploadMethod,
        presigned_url_expiry: options.presignedUrlExpiry,
      }),
    },
  };
}
