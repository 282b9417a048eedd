/**
 * The one object in the bucket that holds a model's meta database, read and written whole, with
 * its ETag as the version: GET and HEAD tell the ETag, a PUT is conditional on it.
 */
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Bucket } from './bucket';
import { isS3NotFound, s3ErrorCode, s3ErrorStatus } from './errors';
import { MetaSyncConflictError } from './meta-errors';

/** What GET found: the bytes and their ETag, nothing (`absent`), or the copy we have (`unchanged`). */
export type MetaObjectRead = { bytes: Uint8Array; etag: string } | 'absent' | 'unchanged';

/**
 * What a PUT may replace: the object at this ETag, no object at all (`null`), or anything
 * (`undefined`: locking off, last writer wins).
 */
export type Precondition = string | null | undefined;

/** 412; AWS answers 409 ConditionalRequestConflict to a conditional write racing another. */
function isPreconditionFailed(error: unknown): boolean {
  const code = s3ErrorCode(error);
  return code === 'PreconditionFailed' || code === 'ConditionalRequestConflict' || s3ErrorStatus(error) === 412;
}

function isNotModified(error: unknown): boolean {
  return s3ErrorCode(error) === 'NotModified' || s3ErrorStatus(error) === 304;
}

export class MetaObject {
  constructor(
    readonly bucket: S3Bucket,
    readonly key: string,
  ) {}

  /** The current ETag, or null when there is no object. */
  async head(): Promise<string | null> {
    try {
      const head = await this.bucket.client.send(new HeadObjectCommand({ Bucket: this.bucket.name, Key: this.key }));
      return head.ETag ?? null;
    } catch (error) {
      if (isS3NotFound(error)) return null;
      throw this.bucket.failure(error, 'HeadObject', this.key);
    }
  }

  /** The object, unless its ETag is still `known` (then `unchanged`, without a download). */
  async read(known: string | null): Promise<MetaObjectRead> {
    try {
      const got = await this.bucket.client.send(new GetObjectCommand({ Bucket: this.bucket.name, Key: this.key, IfNoneMatch: known ?? undefined }));
      const bytes = (await got.Body?.transformToByteArray()) ?? new Uint8Array();
      return { bytes, etag: got.ETag ?? '' };
    } catch (error) {
      if (isNotModified(error)) return 'unchanged';
      if (isS3NotFound(error)) return 'absent';
      throw this.bucket.failure(error, 'GetObject', this.key);
    }
  }

  /**
   * Writes the database, if the object is still as `expected` says; resolves to the new ETag.
   * MetaSyncConflictError when it is not (412; 404 when it was deleted meanwhile).
   */
  async write(bytes: Uint8Array, expected: Precondition, resourceId?: string): Promise<string> {
    const conditions = expected === undefined ? {} : expected === null ? { IfNoneMatch: '*' } : { IfMatch: expected };
    try {
      const put = await this.bucket.client.send(
        new PutObjectCommand({ Bucket: this.bucket.name, Key: this.key, Body: bytes, ContentType: 'application/vnd.sqlite3', ...conditions }),
      );
      return put.ETag ?? (await this.head()) ?? '';
    } catch (error) {
      if (isPreconditionFailed(error) || (expected !== undefined && expected !== null && isS3NotFound(error))) {
        throw new MetaSyncConflictError(this.bucket.name, this.key, false, resourceId);
      }
      throw this.bucket.failure(error, 'PutObject', this.key);
    }
  }
}
