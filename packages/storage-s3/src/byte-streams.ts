/**
 * Streaming into S3: a caller's byte stream counted (and capped) on its way into a managed
 * upload, which sends one PutObject for a small body and a multipart upload for a large one.
 * Either becomes visible only once complete, so a failed or refused stream replaces nothing.
 */
import { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import { BlobTooLargeError, ValidationError } from '@specstar/interfaces';
import type { ByteStream } from '@specstar/interfaces';
import { isBytes } from '@specstar/core/adapter';
import type { S3Bucket } from './bucket';

/** Multipart part size: S3's minimum (5 MiB); the upload holds at most QUEUE_SIZE parts in memory. */
export const PART_SIZE = 5 * 1024 * 1024;
const QUEUE_SIZE = 4;

export interface StreamUploadOptions {
  contentType?: string;
  metadata?: Record<string, string>;
  /** More bytes than this rejects with BlobTooLargeError before anything is stored. */
  maxBytes?: number;
}

/**
 * Counts the bytes of `source`, failing with BlobTooLargeError past `maxBytes`. A failure on the
 * source's side (the refusal, a bad chunk, the caller's stream breaking) is kept, so the upload
 * hands back that error rather than the SDK's wrapping of it.
 */
class CountedStream {
  bytes = 0;
  failure: { error: unknown } | undefined;

  constructor(
    private readonly source: ByteStream,
    private readonly maxBytes: number | undefined,
  ) {}

  async *chunks(): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of this.source) {
        if (!isBytes(chunk)) {
          throw new ValidationError('A byte stream must yield Uint8Array chunks', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
        }
        this.bytes += chunk.byteLength;
        if (this.maxBytes !== undefined && this.bytes > this.maxBytes) throw new BlobTooLargeError(this.maxBytes);
        yield chunk;
      }
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

function checkMaxBytes(maxBytes: number | undefined): void {
  if (maxBytes !== undefined && (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
    throw new ValidationError(`maxBytes must be a non-negative integer, got ${JSON.stringify(maxBytes)}`, {
      kind: 'input',
      issues: [{ path: '/maxBytes', message: 'must be a non-negative integer' }],
    });
  }
}

/** Streams `source` into `key`; resolves to the byte count once the object is complete. */
export async function uploadStream(bucket: S3Bucket, key: string, source: ByteStream, options: StreamUploadOptions = {}): Promise<number> {
  checkMaxBytes(options.maxBytes);
  const counted = new CountedStream(source, options.maxBytes);
  const upload = new Upload({
    client: bucket.client,
    partSize: PART_SIZE,
    queueSize: QUEUE_SIZE,
    // On failure the multipart upload is aborted: no parts are left behind to pay for.
    leavePartsOnError: false,
    params: {
      Bucket: bucket.name,
      Key: key,
      Body: Readable.from(counted.chunks(), { objectMode: false }),
      ...(options.contentType !== undefined && { ContentType: options.contentType }),
      ...(options.metadata !== undefined && { Metadata: options.metadata }),
    },
  });
  try {
    await upload.done();
  } catch (error) {
    if (counted.failure !== undefined) throw counted.failure.error;
    throw bucket.failure(error, 'Upload', key);
  }
  return counted.bytes;
}
