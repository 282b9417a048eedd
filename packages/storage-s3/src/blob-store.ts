/**
 * Blobs on S3: the object `<prefix><file_id>` holds a blob's bytes, with its content type as the
 * object's Content-Type. Content-addressed puts write only when the key is absent (a conditional
 * PUT, or a HEAD first for large blobs); a caller key always overwrites. Downloads can go straight to S3 (getUrl: a presigned GET), as
 * can uploads (createDirectUpload: a presigned PUT). Beside the blobs, under names no file id can
 * take: `+grants/` (uploader grants), `+docs/` (keyed documents), `+uploads/` (staged parts and
 * direct uploads).
 */
import { inspect } from 'node:util';
import { BlobNotFoundError, ConfigurationError, ValidationError } from '@specstar/interfaces';
import type { Binary, BlobPutOptions, ByteStream, DirectUpload, IBlobStore, UploadMethod } from '@specstar/interfaces';
import { assertValidFileId, checkBlobPut, checkDocumentPut, xxh3Hex } from '@specstar/core/adapter';
import { S3Bucket } from './bucket';
import { uploadStream } from './byte-streams';
import type { S3ConnectionOptions } from './client';
import { BlobKeys } from './keys';
import { S3UploadStaging } from './upload-staging';
import { blobContentType, isHeaderSafe, objectContentType } from './content-types';

export const DEFAULT_BLOB_PREFIX = 'blobs/';
export const DEFAULT_PRESIGNED_URL_EXPIRY = 3600;
/**
 * Content-addressed puts up to this size are one conditional PUT (`If-None-Match: *`); larger
 * ones HEAD first. A HEAD costs a round trip on every new blob, a conditional PUT of a blob that
 * exists costs its upload: at 8 MiB the upload takes several round trips, below it the PUT
 * wins unless most puts are duplicates.
 */
const LOOK_FIRST_BYTES = 8 * 1024 * 1024;
/** SigV4 presigned URLs live at most seven days. */
const MAX_PRESIGNED_URL_EXPIRY = 7 * 24 * 3600;

export interface S3BlobStoreOptions extends S3ConnectionOptions {
  /** Key prefix of every object of the store (default `blobs/`); `''` puts blobs at the bucket's root. */
  prefix?: string;
  /** The method new upload sessions use (default `proxy`); `single_put` hands out presigned PUTs. */
  uploadMethod?: UploadMethod;
  /** Lifetime in seconds of presigned download URLs (getUrl; default 3600, at most 604800). */
  presignedUrlExpiry?: number;
}

function checkExpiry(seconds: unknown, field: string): number {
  if (typeof seconds !== 'number' || !Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGNED_URL_EXPIRY) {
    throw new ValidationError(`${field} must be a whole number of seconds from 1 to ${MAX_PRESIGNED_URL_EXPIRY}, got ${JSON.stringify(seconds)}`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: `must be an integer from 1 to ${MAX_PRESIGNED_URL_EXPIRY}` }],
    });
  }
  return seconds;
}

const record = (fileId: string, size: number, contentType: string | undefined): Binary => ({
  file_id: fileId,
  size,
  ...(contentType !== undefined && { content_type: contentType }),
});

export class S3BlobStore implements IBlobStore {
  readonly bucket: S3Bucket;
  readonly prefix: string;
  readonly uploadMethod: UploadMethod;
  readonly presignedUrlExpiry: number;
  readonly uploads: S3UploadStaging;
  private readonly keys: BlobKeys;

  constructor(options: S3BlobStoreOptions) {
    const prefix = options.prefix ?? DEFAULT_BLOB_PREFIX;
    if (typeof prefix !== 'string') throw new ConfigurationError(`S3 blob store option 'prefix' must be a string, got ${typeof prefix}`);
    const uploadMethod = options.uploadMethod ?? 'proxy';
    if (uploadMethod !== 'proxy' && uploadMethod !== 'single_put') {
      throw new ConfigurationError(`S3 blob store option 'uploadMethod' must be 'proxy' or 'single_put', got ${JSON.stringify(uploadMethod)}`);
    }
    try {
      this.presignedUrlExpiry = checkExpiry(options.presignedUrlExpiry ?? DEFAULT_PRESIGNED_URL_EXPIRY, 'presignedUrlExpiry');
    } catch (error) {
      throw new ConfigurationError(`S3 blob store: ${(error as Error).message}`);
    }
    this.bucket = new S3Bucket(options);
    this.prefix = prefix;
    this.uploadMethod = uploadMethod;
    this.keys = new BlobKeys(prefix);
    this.uploads = new S3UploadStaging(this.bucket, this.keys);
  }

  async put(data: Uint8Array, options: BlobPutOptions = {}): Promise<Binary> {
    const { key, contentType } = checkBlobPut(data, options);
    // Copied before the first await: the caller may reuse its buffer once put() is called.
    const bytes = new Uint8Array(data);
    const fileId = key ?? xxh3Hex(bytes);
    const objectKey = this.keys.blob(fileId);
    const headers = objectContentType(contentType);
    if (key !== undefined) {
      await this.bucket.put(objectKey, bytes, headers);
    } else {
      // Equal bytes have an equal id: an existing content-addressed blob already holds these
      // bytes and is left as it is. Up to LOOK_FIRST_BYTES one conditional PUT decides it;
      // beyond, a HEAD first saves sending bytes S3 already has.
      const written = bytes.byteLength <= LOOK_FIRST_BYTES ? await this.bucket.putIfAbsent(objectKey, bytes, headers) : undefined;
      if (written === undefined && (await this.bucket.head(objectKey)) === undefined) await this.bucket.put(objectKey, bytes, headers);
    }
    // `bytes` is this call's own copy and S3 is done with it: the caller may have it.
    return { ...record(fileId, bytes.byteLength, contentType), data: bytes };
  }

  async get(fileId: string): Promise<Binary> {
    const object = await this.bucket.get(this.keys.blob(fileId));
    if (object === undefined) throw new BlobNotFoundError(fileId);
    return { ...record(fileId, object.bytes.byteLength, blobContentType({ ContentType: object.contentType, Metadata: object.metadata })), data: object.bytes };
  }

  async exists(fileId: string): Promise<boolean> {
    return (await this.bucket.head(this.keys.blob(fileId))) !== undefined;
  }

  /** A presigned GET of the blob, valid `presignedUrlExpiry` seconds (whether or not the blob exists). */
  async getUrl(fileId: string): Promise<string | null> {
    return this.bucket.presign('GetObject', this.keys.blob(fileId), this.presignedUrlExpiry);
  }

  /** Streams `data` into the blob `key` (multipart when large); the key is replaced only once complete. */
  async putStream(data: ByteStream, options: { key: string; contentType?: string; size?: number }): Promise<Binary> {
    assertValidFileId(options?.key, 'key');
    const contentType = options.contentType ? options.contentType : undefined;
    const size = await uploadStream(this.bucket, this.keys.blob(options.key), data, objectContentType(contentType));
    return record(options.key, size, contentType);
  }

  async getStream(fileId: string): Promise<{ blob: Binary; body: ByteStream }> {
    const key = this.keys.blob(fileId);
    const answer = await this.bucket.open(key);
    if (answer?.Body === undefined) throw new BlobNotFoundError(fileId);
    const body = answer.Body as AsyncIterable<Uint8Array>;
    const bucket = this.bucket;
    async function* bytes(): AsyncGenerator<Uint8Array> {
      try {
        for await (const chunk of body) yield chunk;
      } catch (error) {
        throw bucket.failure(error, 'GetObject', key);
      }
    }
    return { blob: record(fileId, answer.ContentLength ?? 0, blobContentType(answer)), body: bytes() };
  }

  /**
   * A presigned PUT to the upload's staging object; a given content type is signed and must be
   * sent (one no header can carry is not: adoptDirectUpload sets it on the blob).
   */
  async createDirectUpload(uploadId: string, options: { contentType?: string; expiresIn: number }): Promise<DirectUpload> {
    const key = this.keys.direct(uploadId);
    const expiresIn = checkExpiry(options?.expiresIn, 'expiresIn');
    const contentType = options.contentType && isHeaderSafe(options.contentType) ? options.contentType : undefined;
    const url = await this.bucket.presign('PutObject', key, expiresIn, contentType);
    return {
      url,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
      ...(contentType !== undefined && { headers: { 'Content-Type': contentType } }),
    };
  }

  /** Moves a direct upload into the blob space as `fileId`; null when nothing was uploaded. */
  async adoptDirectUpload(uploadId: string, fileId: string, options: { contentType?: string } = {}): Promise<Binary | null> {
    const staged = this.keys.direct(uploadId);
    const target = this.keys.blob(fileId);
    const head = await this.bucket.head(staged);
    if (head === undefined) return null;
    const contentType = options.contentType ? options.contentType : undefined;
    await this.bucket.copy(staged, target, contentType === undefined ? undefined : objectContentType(contentType));
    await this.bucket.delete([staged]);
    return record(fileId, head.ContentLength ?? 0, contentType ?? blobContentType(head));
  }

  /** `+grants/<file_id>/<sha256 of owner>`: an empty object per owner. */
  async grant(fileId: string, owner: string): Promise<void> {
    await this.bucket.put(this.keys.grant(fileId, owner), new Uint8Array(0));
  }

  async isGranted(fileId: string, owner: string): Promise<boolean> {
    return (await this.bucket.head(this.keys.grant(fileId, owner))) !== undefined;
  }

  /** `+docs/<namespace>/<key>`: the raw bytes, replaced by each put. */
  async putDocument(namespace: string, key: string, data: Uint8Array): Promise<void> {
    checkDocumentPut(namespace, key, data);
    await this.bucket.put(this.keys.document(namespace, key), new Uint8Array(data));
  }

  async getDocument(namespace: string, key: string): Promise<Uint8Array | null> {
    const object = await this.bucket.get(this.keys.document(namespace, key));
    return object === undefined ? null : object.bytes;
  }

  async close(): Promise<void> {
    this.bucket.close();
  }

  [inspect.custom](): string {
    return `S3BlobStore { bucket: '${this.bucket.name}', prefix: '${this.prefix}', endpoint: '${this.bucket.endpoint}' }`;
  }

  toJSON(): Record<string, string> {
    return { bucket: this.bucket.name, prefix: this.prefix, endpoint: this.bucket.endpoint };
  }
}
