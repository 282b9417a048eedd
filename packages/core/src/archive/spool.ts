import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ByteReader, type RawFrame } from './reader';

/** Default bytes of payload a section keeps in memory before it spills to a temporary file. */
export const DEFAULT_SECTION_MEMORY_BYTES = 16 * 1024 * 1024;
const FILE_WRITE_CHUNK = 1024 * 1024;
// Spool entry header: u32 payload length, f64 archive position (exact for any real offset).
const ENTRY_HEADER = 12;

/**
 * The frames of one model section, held until its ModelEndRecord arrives. Up to `memoryBytes`
 * of payload stay in memory; beyond that everything goes to a file under `directory` (default
 * os.tmpdir()), which
 * `dispose()` removes. Entries can be iterated any number of times, in arrival order.
 */
export class SectionSpool {
  private memory: RawFrame[] = [];
  private memoryBytes = 0;
  private dir: string | undefined;
  private file: FileHandle | undefined;
  private path: string | undefined;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  count = 0;

  constructor(
    private readonly limit: number = DEFAULT_SECTION_MEMORY_BYTES,
    private readonly directory?: string,
  ) {}

  get spilled(): boolean {
    return this.file !== undefined;
  }

  async add(frame: RawFrame): Promise<void> {
    this.count++;
    if (this.file === undefined && this.memoryBytes + frame.payload.byteLength <= this.limit) {
      this.memory.push(frame);
      this.memoryBytes += frame.payload.byteLength;
      return;
    }
    if (this.file === undefined) await this.spill();
    await this.append(frame);
  }

  /**
   * Adds a frame whose payload arrives as a stream (a frame too large to hold in memory): the
   * section spills to its file, and the payload goes there chunk by chunk.
   */
  async addStreamed(position: number, length: number, payload: AsyncIterable<Uint8Array>): Promise<void> {
    this.count++;
    if (this.file === undefined) await this.spill();
    const header = Buffer.allocUnsafe(ENTRY_HEADER);
    header.writeUInt32BE(length, 0);
    header.writeDoubleBE(position, 4);
    this.pending.push(header);
    this.pendingBytes += ENTRY_HEADER;
    for await (const piece of payload) {
      // Held as is until the flush joins them, as ByteReader holds source chunks (never reused).
      this.pending.push(piece);
      this.pendingBytes += piece.byteLength;
      if (this.pendingBytes >= FILE_WRITE_CHUNK) await this.flush();
    }
    await this.flush(); // a large frame is written out whole: nothing of it waits in memory
  }

  private async spill(): Promise<void> {
    this.dir = await mkdtemp(join(this.directory ?? tmpdir(), 'specstar-load-'));
    this.path = join(this.dir, 'section.spool');
    this.file = await open(this.path, 'w');
    const held = this.memory;
    this.memory = [];
    this.memoryBytes = 0;
    for (const frame of held) await this.append(frame);
  }

  private async append(frame: RawFrame): Promise<void> {
    const header = Buffer.allocUnsafe(ENTRY_HEADER);
    header.writeUInt32BE(frame.payload.byteLength, 0);
    header.writeDoubleBE(frame.position, 4);
    this.pending.push(header, frame.payload);
    this.pendingBytes += ENTRY_HEADER + frame.payload.byteLength;
    if (this.pendingBytes >= FILE_WRITE_CHUNK) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pending.length === 0 || !this.file) return;
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const { bytesWritten } = await this.file.write(bytes, offset, bytes.byteLength - offset);
      offset += bytesWritten;
    }
  }

  /** Every frame in arrival order. */
  async *entries(): AsyncGenerator<RawFrame> {
    if (!this.file || !this.path) {
      yield* this.memory;
      return;
    }
    await this.flush();
    const stream = createReadStream(this.path, { highWaterMark: FILE_WRITE_CHUNK });
    const reader = ByteReader.from(stream);
    try {
      while ((await reader.fill(ENTRY_HEADER)) === ENTRY_HEADER) {
        const header = Buffer.from(reader.take(ENTRY_HEADER));
        const length = header.readUInt32BE(0);
        const position = header.readDoubleBE(4);
        const payload = await reader.read(length);
        if (payload.byteLength < length) throw new Error('section spool file is truncated');
        yield { payload, position };
      }
    } finally {
      await reader.close();
      stream.destroy();
    }
  }

  /** Frees memory and removes the temporary file, if any. Safe to call twice. */
  async dispose(): Promise<void> {
    this.memory = [];
    this.pending = [];
    const { file, dir } = this;
    this.file = undefined;
    this.dir = undefined;
    this.path = undefined;
    try {
      await file?.close();
    } finally {
      if (dir) await rm(dir, { recursive: true, force: true });
    }
  }
}
