/**
 * One S3 backend (a bucket, its layout, how the meta store syncs, how blobs are uploaded) and
 * the stores it builds. The `s3` provider reads it from backend-config options, S3StorageFactory
 * from its constructor options; both build the same stores at the same keys:
 *
 *   <prefix><model>/meta.sqlite3          the model's meta database (S3SyncedMetaStore)
 *   <prefix><model>/…                     the model's revision records (S3ResourceStore)
 *   <blob_prefix><file_id> in blob_bucket blobs (S3BlobStore)
 */
import type { BackendRole, ResolvedOptions, UploadMethod } from '@specstar/interfaces';
import { BackendConfigError, assertValidModelName } from '@specstar/core/adapter';
import { DEFAULT_BLOB_PREFIX, DEFAULT_PRESIGNED_URL_EXPIRY, S3BlobStore } from './blob-store';
import { s3SettingsFromOptions, type S3ClientSettings } from './client';
import { META_OBJECT_NAME, S3SyncedMetaStore, type MetaSyncOptions } from './meta-store';
import { S3ResourceStore } from './resource-store';

export interface S3BackendSettings {
  connection: S3ClientSettings;
  bucket: string;
  /** Default: `bucket`. */
  blobBucket: string;
  /** Before every meta and revision key (default ''). */
  prefix: string;
  blobPrefix: string;
  sync: MetaSyncOptions;
  uploadMethod: UploadMethod;
  presignedUrlExpiry: number;
}

const TYPE = 's3';
const ENCODINGS: ReadonlySet<unknown> = new Set(['json', 'msgpack']);
const UPLOAD_METHODS: ReadonlySet<unknown> = new Set(['proxy', 'single_put']);
/** S3 signs URLs for at most seven days. */
export const MAX_PRESIGNED_URL_EXPIRY = 7 * 24 * 3600;

function invalid(option: string, role: BackendRole | undefined, message: string): BackendConfigError {
  return new BackendConfigError(`Option '${option}' of backend type 's3' ${message}`, { problem: 'invalid_field', provider: TYPE, option, role });
}

function present(options: ResolvedOptions, name: string): unknown {
  const value = options[name];
  return value === null ? undefined : value;
}

function text(options: ResolvedOptions, name: string, role: BackendRole | undefined, allowEmpty: boolean): string | undefined {
  const value = present(options, name);
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || (!allowEmpty && value.trim() === '') || value.includes('\0')) {
    throw invalid(name, role, `must be ${allowEmpty ? 'a string' : 'a non-empty string'}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function flag(options: ResolvedOptions, name: string, role: BackendRole | undefined): boolean | undefined {
  const value = present(options, name);
  if (value !== undefined && typeof value !== 'boolean') throw invalid(name, role, `must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** A key prefix: no leading '/', no empty or dot segment (S3 would store it, but no path tool could reach it). */
function keyPrefix(options: ResolvedOptions, name: string, role: BackendRole | undefined, fallback: string): string {
  const value = text(options, name, role, true) ?? fallback;
  if (value !== '' && (value.startsWith('/') || value.split('/').slice(0, -1).some((segment) => segment === '' || segment === '.' || segment === '..'))) {
    throw invalid(name, role, `must be a key prefix such as 'app/' (no leading '/', no empty, '.' or '..' segment), got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * The settings of resolved `s3` options (core has already filled `blob_prefix`, `upload_method`,
 * `presigned_url_expiry` and `encoding` from BackendDefaults). BackendConfigError names the
 * first bad option; a credential's value is never shown.
 */
export function s3BackendSettings(options: ResolvedOptions, role?: BackendRole): S3BackendSettings {
  const bucket = text(options, 'bucket', role, false);
  if (bucket === undefined) {
    throw new BackendConfigError(`Backend type 's3' needs the option 'bucket' (the bucket that holds metas and revisions)`, {
      problem: 'missing_option',
      provider: TYPE,
      option: 'bucket',
      role,
    });
  }
  const encoding = present(options, 'encoding');
  if (encoding !== undefined && !ENCODINGS.has(encoding)) throw invalid('encoding', role, `must be 'json' or 'msgpack', got ${JSON.stringify(encoding)}`);
  const interval = present(options, 'sync_interval') ?? 0;
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
    throw invalid('sync_interval', role, `must be a number of seconds ≥ 0 (0: every write is uploaded before it returns), got ${JSON.stringify(interval)}`);
  }
  const uploadMethod = present(options, 'upload_method') ?? 'proxy';
  if (!UPLOAD_METHODS.has(uploadMethod)) throw invalid('upload_method', role, `must be 'proxy' or 'single_put', got ${JSON.stringify(uploadMethod)}`);
  const expiry = present(options, 'presigned_url_expiry') ?? DEFAULT_PRESIGNED_URL_EXPIRY;
  if (typeof expiry !== 'number' || !Number.isSafeInteger(expiry) || expiry < 1 || expiry > MAX_PRESIGNED_URL_EXPIRY) {
    throw invalid('presigned_url_expiry', role, `must be a whole number of seconds from 1 to ${MAX_PRESIGNED_URL_EXPIRY}, got ${JSON.stringify(expiry)}`);
  }
  const sync: MetaSyncOptions = { syncInterval: interval };
  const flags = { auto_sync: 'autoSync', enable_locking: 'enableLocking', auto_reload_on_conflict: 'autoReloadOnConflict', check_etag_on_read: 'checkEtagOnRead' } as const;
  for (const [option, field] of Object.entries(flags)) {
    const value = flag(options, option, role);
    if (value !== undefined) sync[field] = value;
  }
  return {
    connection: s3SettingsFromOptions(options),
    bucket,
    blobBucket: text(options, 'blob_bucket', role, false) ?? bucket,
    prefix: keyPrefix(options, 'prefix', role, ''),
    blobPrefix: keyPrefix(options, 'blob_prefix', role, DEFAULT_BLOB_PREFIX),
    sync,
    uploadMethod: uploadMethod as UploadMethod,
    presignedUrlExpiry: expiry,
  };
}

/** The key prefix of one model's objects. */
export function modelPrefix(settings: S3BackendSettings, model: string): string {
  assertValidModelName(model);
  return `${settings.prefix}${model}/`;
}

export function buildS3MetaStore(settings: S3BackendSettings, model: string): S3SyncedMetaStore {
  return new S3SyncedMetaStore({ ...settings.connection, ...settings.sync, bucket: settings.bucket, key: `${modelPrefix(settings, model)}${META_OBJECT_NAME}` });
}

export function buildS3ResourceStore(settings: S3BackendSettings, model: string): S3ResourceStore {
  return new S3ResourceStore({ ...settings.connection, bucket: settings.bucket, prefix: modelPrefix(settings, model) });
}

export function buildS3BlobStore(settings: S3BackendSettings): S3BlobStore {
  return new S3BlobStore({
    ...settings.connection,
    bucket: settings.blobBucket,
    prefix: settings.blobPrefix,
    uploadMethod: settings.uploadMethod,
    presignedUrlExpiry: settings.presignedUrlExpiry,
  });
}
