/**
 * The `s3` backend provider: `{ "type": "s3", "options": { "bucket": "…" } }` for the meta,
 * resource and blob roles (options and layout: backend-settings.ts, the package README). Each
 * store gets its own S3 client and closes it. validate() checks every option, then asks S3 for
 * the bucket, so a missing bucket, refused credentials or an unreachable endpoint fail
 * configure() with a typed error naming the bucket (never a credential).
 */
import { BackendConfigError } from '@specstar/core/adapter';
import type { BackendProvider, BackendRole, ResolvedOptions } from '@specstar/interfaces';
import { buildS3BlobStore, buildS3MetaStore, buildS3ResourceStore, s3BackendSettings } from './backend-settings';
import { S3Bucket } from './bucket';

const TYPE = 's3';
const ROLES: ReadonlyArray<BackendRole> = ['meta', 'resource', 'blob'];

export const s3BackendProvider: BackendProvider = Object.freeze({
  type: TYPE,
  roles: ROLES,

  buildMetaStore: (model: string, options: ResolvedOptions) => buildS3MetaStore(s3BackendSettings(options, 'meta'), model),

  buildResourceStore: (model: string, options: ResolvedOptions) => buildS3ResourceStore(s3BackendSettings(options, 'resource'), model),

  buildBlobStore: (options: ResolvedOptions) => buildS3BlobStore(s3BackendSettings(options, 'blob')),

  async validate(role: BackendRole, options: ResolvedOptions): Promise<void> {
    if (!ROLES.includes(role)) {
      throw new BackendConfigError(`Backend type 's3' cannot serve role '${role}': it serves ${ROLES.join(', ')}`, {
        problem: 'role_not_supported',
        provider: TYPE,
        role,
      });
    }
    const settings = s3BackendSettings(options, role);
    const bucket = new S3Bucket({ ...settings.connection, bucket: role === 'blob' ? settings.blobBucket : settings.bucket });
    try {
      await bucket.confirmBucket();
    } finally {
      bucket.close();
    }
  },
});
