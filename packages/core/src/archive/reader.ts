import { ArchiveFormatError } from '@specstar/interfaces';
import { FRAME_HEADER_BYTES, MAX_FRAME_LENGTH, decodePayload, type ArchiveRecord } from './records';

export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new ArchiveFormatError('Archive stream yielded text instead of bytes: read it without an encoding.', undefined);
}

/**
 * Exact-size reads over an async sequence of chunks. Chunks are kept as a list and joined only
 * for a read that spans several of them, so a large frame arriving in small chunks costs one
 * copy, not one per chunk.
 */
export class ByteReader {
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  private ended = false;
  /** Bytes consumed so far (the offset of the next read). */
  position = 0;

  constructor(private readonly iterator: AsyncIterator<unknown>) {}

  static from(source: ByteSource): ByteReader {
    const iterable = source as AsyncIterable<unknown>;
    if (typeof iterable[Symbol.asyncIterator] !== 'function') {
      throw new ArchiveFormatError('Archive source must be a readable stream or an async iterable of Uint8Array.', undefined);
    }
    return new ByteReader(iterable[Symbol.asyncIterator]());
  }

  /** Buffers until `n` bytes are available or the source ends; resolves to the bytes available (≤ n when it ended). */
  async fill(n: number): Promise<number> {
    while (this.buffered < n && !this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const bytes = toBytes(next.value);
      if (bytes.byteLength > 0) {
        this.chunks.push(bytes);
        this.buffered += bytes.byteLength;
      }
    }
    return Math.min(this.buffered, n);
  }

  /** Takes `n` buffered bytes (call fill first). A view when they lie in one chunk, else a copy. */
  take(n: number): Uint8Array {
    if (n > this.buffered) throw new RangeError('take() beyond the buffered bytes');
    this.buffered -= n;
    this.position += n;
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.byteLength - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.advance(first, n);
      return out;
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0] as Uint8Array;
      const k = Math.min(chunk.byteLength - this.head, n - offset);
      out.set(chunk.subarray(this.head, this.head + k), offset);
      offset += k;
      this.advance(chunk, k);
    }
    return out;
  }

  private advance(chunk: Uint8Array, k: number): void {
    this.head += k;
    if (this.head === chunk.byteLength) {
      this.chunks.shift();
      this.head = 0;
    }
  }

  /** Stops the source (e.g. a file stream) when reading ends early. */
  async close(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      await this.iterator.return?.();
    }
  }
}

export interface RawFrame {
  payload: Uint8Array;
  /** Byte offset of the frame's header in the archive. */
  position: number;
}

/** Raw frames: end of stream at a frame boundary ends; anything shorter is a truncation error. */
export async function* readFrames(reader: ByteReader): AsyncGenerator<RawFrame> {
  for (;;) {
    const position = reader.position;
    const got = await reader.fill(FRAME_HEADER_BYTES);
    if (got === 0) return;
    if (got < FRAME_HEADER_BYTES) throw new ArchiveFormatError('Truncated frame header in dump stream.', position);
    const header = reader.take(FRAME_HEADER_BYTES);
    const length = new DataView(header.buffer, header.byteOffset, FRAME_HEADER_BYTES).getUint32(0);
    if (length > MAX_FRAME_LENGTH) {
      throw new ArchiveFormatError(`Frame length ${length} exceeds the ${MAX_FRAME_LENGTH}-byte limit: not an archive or corrupt.`, position);
    }
    if ((await reader.fill(length)) < length) throw new ArchiveFormatError('Truncated frame payload in dump stream.', position);
    yield { payload: reader.take(length), position };
  }
}

/**
 * The records of an archive stream with the byte offset of each frame; format errors are
 * ArchiveFormatError. The source belongs to the caller: stopping early does not destroy it
 * (destroying an HTTP request would take its socket, and the error response, with it).
 */
export async function* readArchiveRecords(source: ByteSource): AsyncGenerator<{ record: ArchiveRecord; position: number }> {
  for await (const { payload, position } of readFrames(ByteReader.from(source))) {
    yield { record: decodePayload(payload, position), position };
  }
}
