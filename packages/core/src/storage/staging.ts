/**
 * What every upload staging (IUploadStaging) and streaming blob put shares: the argument checks
 * (upload ids and part numbers become keys and file names) and a byte cap over a stream.
 */
import { BlobTooLargeError, ValidationError, type ByteStream } from '@specstar/interfaces';
import { isBytes } from '../codec';
import { assertValidFileId } from './blob-ids';

/** Upload ids use the file-id alphabet: stores turn them into keys and directory names. */
export function assertValidUploadId(uploadId: unknown): asserts uploadId is string {
  assertValidFileId(uploadId, 'upload_id');
}

/** Part numbers are integers from 1 (S3 allows up to 10 000; staging keys need no more). */
export const MAX_PART_NUMBER = 10_000;

/** A part number: an integer from 1 to MAX_PART_NUMBER, else ValidationError naming `part_number`. */
export function assertValidPartNumber(partNumber: unknown): asserts partNumber is number {
  if (typeof partNumber !== 'number' || !Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PART_NUMBER) {
    throw new ValidationError(`Invalid part_number ${String(partNumber)}: use an integer from 1 to ${MAX_PART_NUMBER}`, {
      kind: 'input',
      issues: [{ path: '/part_number', message: `must be an integer from 1 to ${MAX_PART_NUMBER}` }],
    });
  }
}

/** A byte cap: a non-negative integer, or undefined for none. */
export function assertValidByteCap(maxBytes: unknown): asserts maxBytes is number | undefined {
  if (maxBytes === undefined) return;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ValidationError(`Invalid maxBytes ${JSON.stringify(maxBytes) ?? typeof maxBytes}: use a non-negative integer`, {
      kind: 'input',
      issues: [{ path: '/maxBytes', message: 'must be a non-negative integer' }],
    });
  }
}

/**
 * The chunks of `data` as they arrive, failing with BlobTooLargeError as soon as more than
 * `maxBytes` went through (nothing past the cap is yielded), and with ValidationError for a
 * chunk that is not bytes.
 */
export async function* capBytes(data: ByteStream, maxBytes: number | undefined): AsyncGenerator<Uint8Array> {
  let total = 0;
  for await (const chunk of data) {
    if (!isBytes(chunk)) {
      throw new ValidationError('Stream chunks must be Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
    }
    total += chunk.byteLength;
    if (maxBytes !== undefined && total > maxBytes) throw new BlobTooLargeError(maxBytes);
    yield chunk;
  }
}

/** Reads a whole stream into one buffer (for stores that hold bytes in memory anyway), within `maxBytes`. */
export async function collectBytes(data: ByteStream, maxBytes?: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of capBytes(data, maxBytes)) {
    // Copied: the producer may reuse its buffer once it has yielded it.
    chunks.push(new Uint8Array(chunk));
    total += chunk.byteLength;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/** After a streamed put: the byte count must be the size the caller announced, if it announced one. */
export function checkStreamedSize(announced: number | undefined, received: number): void {
  if (announced !== undefined && announced !== received) {
    throw new ValidationError(`The stream held ${received} bytes, not the ${announced} announced`, {
      kind: 'input',
      issues: [{ path: '/size', message: `announced ${announced}, received ${received}` }],
    });
  }
}
