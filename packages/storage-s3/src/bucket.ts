/**
 * One bucket through one S3Client: the object operations the stores need, each with its errors
 * mapped (src/errors.ts) and a missing object reported as `undefined` rather than thrown.
 */
import { inspect } from 'node:util';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { ConfigurationError } from '@specstar/interfaces';
import { createS3Client, endpointLabel, secretsOf, type S3ConnectionOptions } from './client';
import { S3BucketNotFoundError, isS3NotFound, mapS3Error, s3ErrorCode, s3ErrorStatus, type S3Error } from './errors';

/** DeleteObjects takes at most this many keys per request. */
const DELETE_BATCH = 1000;
/** Single deletes in flight at once, where a server has no DeleteObjects. */
const DELETE_CONCURRENCY = 16;

export interface ListedObject {
  key: string;
  size: number;
}

export interface ObjectBody {
  bytes: Uint8Array;
  contentType?: string;
  metadata: Record<string, string>;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

export class S3Bucket {
  readonly client: S3Client;
  readonly name: string;
  readonly endpoint: string;
  private readonly ownsClient: boolean;
  private readonly secrets: readonly string[];
  /** HeadObject answers a bare 404 for a missing bucket too: the first such 404 checks the bucket once. */
  private bucketSeen = false;
  /** False once the server refused DeleteObjects (e.g. a server without multi-object delete). */
  private batchDelete = true;
  /** False once the server refused `If-None-Match` on PUT (see putIfAbsent). */
  private conditionalWrites = true;
  /** True once the server showed it reads a copy source as a URI, not a URI component (see copy). */
  private copySourceAsUri = false;

  constructor(options: S3ConnectionOptions) {
    if (typeof options.bucket !== 'string' || options.bucket.trim() === '') {
      throw new ConfigurationError(`S3 storage needs a bucket name, got ${typeof options.bucket === 'string' ? '""' : typeof options.bucket}`);
    }
    this.name = options.bucket;
    this.ownsClient = options.client === undefined;
    this.client = options.client ?? createS3Client(options);
    this.endpoint = endpointLabel(options);
    this.secrets = secretsOf(options);
  }

  /** Runs one SDK call; any failure becomes a typed error naming this bucket. */
  async call<T>(operation: string, key: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.failure(error, operation, key);
    }
  }

  failure(error: unknown, operation: string, key?: string): S3Error {
    return mapS3Error(error, { bucket: this.name, endpoint: this.endpoint, operation, secrets: this.secrets, ...(key !== undefined && { key }) });
  }

  /** The object's headers, or undefined when there is no such object (a missing bucket throws). */
  async head(key: string): Promise<HeadObjectCommandOutput | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      this.bucketSeen = true;
      return head;
    } catch (error) {
      if (!isS3NotFound(error)) throw this.failure(error, 'HeadObject', key);
    }
    await this.confirmBucket();
    return undefined;
  }

  /** Throws S3BucketNotFoundError (or another typed error) unless the bucket is reachable. */
  async confirmBucket(): Promise<void> {
    if (this.bucketSeen) return;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.name }));
    } catch (error) {
      if (s3ErrorStatus(error) === 404 || s3ErrorCode(error) === 'NoSuchBucket') {
        throw new S3BucketNotFoundError(`S3 bucket '${this.name}' does not exist at ${this.endpoint} (HeadBucket)`, {
          bucket: this.name,
          operation: 'HeadBucket',
          s3Code: 'NoSuchBucket',
          status: 404,
        });
      }
      throw this.failure(error, 'HeadBucket');
    }
    this.bucketSeen = true;
  }

  /** GetObject with its body unread; undefined when there is no such object. */
  async open(key: string, range?: string): Promise<GetObjectCommandOutput | undefined> {
    try {
      const answer = await this.client.send(new GetObjectCommand({ Bucket: this.name, Key: key, ...(range !== undefined && { Range: range }) }));
      this.bucketSeen = true;
      return answer;
    } catch (error) {
      if (isS3NotFound(error)) return undefined;
      throw this.failure(error, 'GetObject', key);
    }
  }

  /** The object's bytes and headers; undefined when there is no such object. */
  async get(key: string, range?: string): Promise<ObjectBody | undefined> {
    const answer = await this.open(key, range);
    if (answer === undefined) return undefined;
    // A body cut off mid-read (the object deleted, the connection lost) is a failure of this call too.
    const bytes = await this.call('GetObject', key, async () => (answer.Body ? answer.Body.transformToByteArray() : new Uint8Array(0)));
    return { bytes, ...(answer.ContentType !== undefined && { contentType: answer.ContentType }), metadata: answer.Metadata ?? {} };
  }

  async put(key: string, body: Uint8Array, options: PutOptions = {}): Promise<void> {
    await this.call('PutObject', key, () =>
      this.client.send(
        new PutObjectCommand({
          Bucket: this.name,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          ...(options.contentType !== undefined && { ContentType: options.contentType }),
          ...(options.metadata !== undefined && { Metadata: options.metadata }),
        }),
      ),
    );
    this.bucketSeen = true;
  }

  /**
   * PutObject with `If-None-Match: *`: written only when no object has the key (one round trip
   * where HEAD-then-PUT takes two). Resolves to false when the key exists, undefined when the
   * server does not do conditional writes (the caller then looks first); a server that ignores
   * the header writes, which for content-addressed keys rewrites the same bytes.
   */
  async putIfAbsent(key: string, body: Uint8Array, options: PutOptions = {}): Promise<boolean | undefined> {
    if (!this.conditionalWrites) return undefined;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.name,
          Key: key,
          Body: body,
          ContentLength: body.byteLength,
          IfNoneMatch: '*',
          ...(options.contentType !== undefined && { ContentType: options.contentType }),
          ...(options.metadata !== undefined && { Metadata: options.metadata }),
        }),
      );
    } catch (error) {
      const code = s3ErrorCode(error);
      const status = s3ErrorStatus(error);
      if (status === 412 || code === 'PreconditionFailed') return false;
      // A concurrent write of the same key is in flight: let the caller look, as without the header.
      if (code === 'ConditionalRequestConflict') return undefined;
      if (code === 'NotImplemented' || status === 501) {
        this.conditionalWrites = false;
        return undefined;
      }
      throw this.failure(error, 'PutObject', key);
    }
    this.bucketSeen = true;
    return true;
  }

  /**
   * Server-side copy of an existing object within the bucket; `headers` replace the stored
   * content type and metadata, else they are copied. The source is percent-encoded as S3 wants it; a server that
   * decodes it as a whole URI (s3rver: `%2B` stays `%2B`) answers NoSuchKey, and from then on
   * gets reserved characters such as `+` unencoded.
   */
  async copy(from: string, to: string, headers?: { contentType: string; metadata?: Record<string, string> }): Promise<void> {
    const send = (source: string) =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.name,
          Key: to,
          CopySource: `${this.name}/${source}`,
          ...(headers === undefined
            ? { MetadataDirective: 'COPY' }
            : { MetadataDirective: 'REPLACE', ContentType: headers.contentType, ...(headers.metadata !== undefined && { Metadata: headers.metadata }) }),
        }),
      );
    const component = encodeURIComponent(from).replace(/%2F/g, '/');
    const uri = encodeURI(from);
    try {
      await send(this.copySourceAsUri ? uri : component);
      return;
    } catch (error) {
      if (this.copySourceAsUri || component === uri || !isS3NotFound(error)) throw this.failure(error, 'CopyObject', to);
    }
    await this.call('CopyObject', to, () => send(uri));
    this.copySourceAsUri = true;
  }

  /** Every object under `prefix`, in key order, page by page. */
  async *list(prefix: string, options: { maxKeys?: number } = {}): AsyncIterable<ListedObject> {
    let token: string | undefined;
    let left = options.maxKeys ?? Number.POSITIVE_INFINITY;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.name,
            Prefix: prefix,
            ...(token !== undefined && { ContinuationToken: token }),
            ...(Number.isFinite(left) && { MaxKeys: Math.min(left, 1000) }),
          }),
        ),
      );
      this.bucketSeen = true;
      for (const object of page.Contents ?? []) {
        if (object.Key === undefined || left <= 0) continue;
        left -= 1;
        yield { key: object.Key, size: object.Size ?? 0 };
      }
      token = page.IsTruncated && left > 0 ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** The distinct next path segments under `prefix` (ListObjectsV2 with delimiter `/`), in key order. */
  async *listFolders(prefix: string): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.call('ListObjectsV2', prefix, () =>
        this.client.send(
          new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, Delimiter: '/', ...(token !== undefined && { ContinuationToken: token }) }),
        ),
      );
      this.bucketSeen = true;
      for (const folder of page.CommonPrefixes ?? []) {
        if (folder.Prefix !== undefined) yield folder.Prefix.slice(prefix.length, -1);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
  }

  /** Deletes the keys (absent ones are fine), in the order given, batch by batch. */
  async delete(keys: readonly string[]): Promise<void> {
    for (let at = 0; at < keys.length; at += DELETE_BATCH) {
      const batch = keys.slice(at, at + DELETE_BATCH);
      if (this.batchDelete && batch.length > 1 && (await this.deleteBatch(batch))) continue;
      for (let from = 0; from < batch.length; from += DELETE_CONCURRENCY) {
        await Promise.all(
          batch.slice(from, from + DELETE_CONCURRENCY).map((key) => this.call('DeleteObject', key, () => this.client.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })))),
        );
      }
    }
  }

  /** One DeleteObjects request; false when the server has no such operation (then delete one by one). */
  private async deleteBatch(keys: readonly string[]): Promise<boolean> {
    let answer;
    try {
      answer = await this.client.send(new DeleteObjectsCommand({ Bucket: this.name, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    } catch (error) {
      const code = s3ErrorCode(error);
      if (code === 'NotImplemented' || code === 'MissingContentMD5' || s3ErrorStatus(error) === 501) {
        this.batchDelete = false;
        return false;
      }
      throw this.failure(error, 'DeleteObjects', keys[0]);
    }
    const failed = (answer.Errors ?? []).filter((entry) => entry.Code !== 'NoSuchKey');
    if (failed.length > 0) {
      const first = failed[0]!;
      throw this.failure({ name: first.Code, message: first.Message, $metadata: {} }, 'DeleteObjects', first.Key);
    }
    return true;
  }

  /** A presigned URL for GetObject or PutObject of `key`, valid `expiresIn` seconds. */
  async presign(operation: 'GetObject' | 'PutObject', key: string, expiresIn: number, contentType?: string): Promise<string> {
    const command =
      operation === 'GetObject'
        ? // Downloads, never pages: a stored HTML or SVG blob must not render in the bucket's origin.
          new GetObjectCommand({ Bucket: this.name, Key: key, ResponseContentDisposition: 'attachment' })
        : new PutObjectCommand({ Bucket: this.name, Key: key, ...(contentType !== undefined && { ContentType: contentType }) });
    // A content type is signed, so the uploader cannot store the object under another one.
    const signableHeaders = contentType === undefined ? undefined : new Set(['content-type']);
    return this.call(`presign ${operation}`, key, () => getSignedUrl(this.client, command, { expiresIn, ...(signableHeaders !== undefined && { signableHeaders }) }));
  }

  /** Destroys the client when this bucket built it (a shared client is its owner's to destroy). */
  close(): void {
    if (this.ownsClient) this.client.destroy();
  }

  /** Logs and REPLs see the bucket and endpoint, never the client's credentials. */
  [inspect.custom](): string {
    return `S3Bucket { name: '${this.name}', endpoint: '${this.endpoint}' }`;
  }

  toJSON(): Record<string, string> {
    return { name: this.name, endpoint: this.endpoint };
  }
}
