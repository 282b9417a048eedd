import { ArchiveFormatError } from '@specstar/interfaces';
import { ArchiveLimitError, DEFAULT_MAX_FRAME_SIZE, checkFrameSize } from './limits';
import { FRAME_HEADER_BYTES, MAX_FRAME_LENGTH, decodePayload, type ArchiveRecord } from './archive-records';

export type ByteSource = AsyncIterable<Uint8Array> | NodeJS.ReadableStream;

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  throw new ArchiveFormatError('Archive stream yielded text instead of bytes: read it without an encoding.', undefined);
}

/**
 * Exact-size reads over an async sequence of chunks. Chunks are kept as a list and joined only
 * for a read that spans several of them, so a large frame arriving in small chunks costs one
 * copy, not one per chunk. With `maxBytes`, a source that yields more fails with ArchiveLimitError.
 */
export class ByteReader {
  private readonly chunks: Uint8Array[] = [];
  private head = 0;
  private buffered = 0;
  private ended = false;
  /** Bytes consumed so far (the offset of the next read). */
  position = 0;

  constructor(
    private readonly iterator: AsyncIterator<unknown>,
    private readonly maxBytes = Infinity,
  ) {}

  static from(source: ByteSource, options: { maxBytes?: number } = {}): ByteReader {
    const iterable = source as AsyncIterable<unknown>;
    if (typeof iterable[Symbol.asyncIterator] !== 'function') {
      throw new ArchiveFormatError('Archive source must be a readable stream or an async iterable of Uint8Array.', undefined);
    }
    return new ByteReader(iterable[Symbol.asyncIterator](), options.maxBytes);
  }

  /** Buffers one more chunk; false once the source has ended. */
  private async pull(): Promise<boolean> {
    while (!this.ended) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        break;
      }
      const bytes = toBytes(next.value);
      if (bytes.byteLength === 0) continue;
      const seen = this.position + this.buffered + bytes.byteLength;
      if (seen > this.maxBytes) throw new ArchiveLimitError('maxArchiveSize', this.maxBytes, seen, this.position + this.buffered);
      this.chunks.push(bytes);
      this.buffered += bytes.byteLength;
      return true;
    }
    return false;
  }

  /** Buffers until `n` bytes are available or the source ends; resolves to the bytes available (≤ n when it ended). */
  async fill(n: number): Promise<number> {
    while (this.buffered < n && (await this.pull()));
    return Math.min(this.buffered, n);
  }

  /** The first `n` buffered bytes, not consumed (call fill first). */
  peek(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first !== undefined && first.byteLength - this.head >= n) return first.subarray(this.head, this.head + n);
    const out = new Uint8Array(Math.min(n, this.buffered));
    let offset = 0;
    for (let i = 0; offset < out.byteLength; i++) {
      const chunk = this.chunks[i] as Uint8Array;
      const from = i === 0 ? this.head : 0;
      const k = Math.min(chunk.byteLength - from, out.byteLength - offset);
      out.set(chunk.subarray(from, from + k), offset);
      offset += k;
    }
    return out;
  }

  /** Takes `n` buffered bytes (call fill first). A view when they lie in one chunk, else a copy. */
  take(n: number): Uint8Array {
    if (n > this.buffered) throw new RangeError('take() beyond the buffered bytes');
    const first = this.chunks[0];
    if (n === 0 || first === undefined) return new Uint8Array(0);
    if (first.byteLength - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.consume(n);
      return out;
    }
    const out = new Uint8Array(n);
    let offset = 0;
    while (offset < n) {
      const chunk = this.chunks[0] as Uint8Array;
      const k = Math.min(chunk.byteLength - this.head, n - offset);
      out.set(chunk.subarray(this.head, this.head + k), offset);
      offset += k;
      this.consume(k);
    }
    return out;
  }

  /**
   * Reads `n` bytes (fewer only when the source ends first) into one buffer filled as chunks
   * arrive, so a large read holds the result and one chunk, not every chunk plus the result.
   */
  async read(n: number): Promise<Uint8Array> {
    if (this.buffered >= n || (this.chunks[0] !== undefined && this.chunks[0].byteLength - this.head >= n)) return this.take(n);
    let out = new Uint8Array(n);
    let offset = 0;
    for await (const piece of this.stream(n)) {
      out.set(piece, offset);
      offset += piece.byteLength;
    }
    if (offset < n) out = out.subarray(0, offset);
    return out;
  }

  /** The next `n` bytes as they arrive (fewer when the source ends first), consumed as they are yielded. */
  async *stream(n: number): AsyncGenerator<Uint8Array> {
    let left = n;
    while (left > 0) {
      if (this.buffered === 0 && !(await this.pull())) return;
      const chunk = this.chunks[0] as Uint8Array;
      const k = Math.min(chunk.byteLength - this.head, left);
      const piece = chunk.subarray(this.head, this.head + k);
      this.consume(k);
      left -= k;
      yield piece;
    }
  }

  /** Discards the next `n` bytes as they arrive; resolves to how many there were (< n when the source ended). */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    for await (const piece of this.stream(n)) skipped += piece.byteLength;
    return skipped;
  }

  private consume(k: number): void {
    this.buffered -= k;
    this.position += k;
    this.head += k;
    const first = this.chunks[0] as Uint8Array;
    if (this.head === first.byteLength) {
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

/**
 * One frame. `payload` is set when the frame is at most `frameMemoryBytes` long; a longer one's
 * payload is still unread: the consumer streams it with `framePayload` (or leaves it, and it is
 * skipped) before asking for the next frame.
 */
export interface RawFrame {
  payload: Uint8Array;
  /** Byte offset of the frame's header in the archive. */
  position: number;
}
export interface PendingFrame {
  payload: undefined;
  position: number;
  /** Payload bytes, as the header declares them. */
  length: number;
}

export interface FrameOptions {
  /** Frames claiming more payload bytes fail with ArchiveLimitError before any is read (PendingFrames: see readFrames). */
  maxFrameSize?: number;
  /** Frames up to this long are read into memory; longer ones are yielded as PendingFrame. */
  frameMemoryBytes?: number;
}

function truncatedPayload(position: number): ArchiveFormatError {
  return new ArchiveFormatError('Truncated frame payload in dump stream.', position);
}

/**
 * Raw frames: end of stream at a frame boundary ends; anything shorter is a truncation error.
 * A frame over `maxFrameSize` fails before its payload is read; for a PendingFrame that check is
 * the consumer's (with `checkFrameSize`), after it has judged whether the frame can be large at all.
 */
export async function* readFrames(reader: ByteReader, options: FrameOptions = {}): AsyncGenerator<RawFrame | PendingFrame> {
  const maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  const inMemory = options.frameMemoryBytes ?? Infinity;
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
    if (length <= inMemory) {
      checkFrameSize(position, length, maxFrameSize);
      if ((await reader.fill(length)) < length) throw truncatedPayload(position);
      yield { payload: reader.take(length), position };
      continue;
    }
    yield { payload: undefined, position, length };
    // Whatever the consumer left of the payload is skipped (read through, never held).
    const rest = position + FRAME_HEADER_BYTES + length - reader.position;
    if (rest > 0 && (await reader.skip(rest)) < rest) throw truncatedPayload(position);
  }
}

/** Streams a PendingFrame's payload; ArchiveFormatError when the source ends inside it. */
export async function* framePayload(reader: ByteReader, frame: PendingFrame): AsyncGenerator<Uint8Array> {
  let got = 0;
  for await (const piece of reader.stream(frame.length)) {
    got += piece.byteLength;
    yield piece;
  }
  if (got < frame.length) throw truncatedPayload(frame.position);
}

/**
 * The records of an archive stream with the byte offset of each frame; format errors are
 * ArchiveFormatError. The source belongs to the caller: stopping early does not destroy it
 * (destroying an HTTP request would take its socket, and the error response, with it).
 */
export async function* readArchiveRecords(source: ByteSource, options: { maxFrameSize?: number } = {}): AsyncGenerator<{ record: ArchiveRecord; position: number }> {
  for await (const frame of readFrames(ByteReader.from(source), { maxFrameSize: options.maxFrameSize })) {
    // Every frame is read whole here (frameMemoryBytes defaults to Infinity).
    const { payload, position } = frame as RawFrame;
    yield { record: decodePayload(payload, position), position };
  }
}
