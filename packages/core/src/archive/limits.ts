/** What load accepts by size: the limits, their error, and how a frame too large to hold in memory is judged. */
import { ArchiveFormatError, ValidationError } from '@specstar/interfaces';
import type { ByteReader, PendingFrame } from './reader';
import { MAX_FRAME_LENGTH, leadingRecordType } from './archive-records';

/** Largest frame `load` accepts by default: the format's own cap (larger is corrupt). */
export const DEFAULT_MAX_FRAME_SIZE = MAX_FRAME_LENGTH;

/**
 * Frames up to this many payload bytes are read into memory; larger ones are streamed to the
 * section's temporary file as they arrive, so a length header alone never makes load allocate.
 */
export const DEFAULT_FRAME_MEMORY_BYTES = 1024 * 1024;

/** The load option a limit error is about. */
export type ArchiveLimit = 'maxFrameSize' | 'maxArchiveSize';

/** An archive (or one of its frames) larger than the load allowed; nothing past it was read. */
export class ArchiveLimitError extends ArchiveFormatError {
  override readonly code: string = 'archive_limit_exceeded';
  constructor(
    /** Which option set the limit. */
    readonly limit: ArchiveLimit,
    /** The limit, in bytes. */
    readonly maxBytes: number,
    /** For maxFrameSize: the length the frame header claims; for maxArchiveSize: bytes seen so far. */
    readonly bytes: number,
    position: number,
  ) {
    super(
      limit === 'maxFrameSize'
        ? `Archive frame of ${bytes} bytes exceeds the maxFrameSize limit of ${maxBytes} bytes.`
        : `Archive is larger than the maxArchiveSize limit of ${maxBytes} bytes.`,
      position,
    );
  }
}

/** A byte-size option: a positive integer (or Infinity where `unbounded`); else a ValidationError naming it. */
export function checkByteOption(name: string, value: unknown, fallback: number, unbounded = false): number {
  if (value === undefined) return fallback;
  if ((unbounded && value === Infinity) || (typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) return value;
  const message = `must be a positive integer number of bytes${unbounded ? ' or Infinity' : ''}`;
  // oxlint-disable-next-line typescript/no-base-to-string -- the message echoes the option as given, '[object Object]' included.
  throw new ValidationError(`${name} ${message}, got ${String(value)}`, { kind: 'input', issues: [{ path: name, message }] });
}

/** ArchiveLimitError when a frame's header claims more than `maxFrameSize` payload bytes. */
export function checkFrameSize(position: number, length: number, maxFrameSize: number): void {
  if (length > maxFrameSize) throw new ArchiveLimitError('maxFrameSize', maxFrameSize, length, position);
}

/** Bytes of a large frame's payload read to judge it before the rest is streamed to disk. */
const LEADING_BYTES = 64;
const SECTION_RECORD_TYPES: ReadonlySet<string> = new Set(['MetaRecord', 'RevisionRecord', 'BlobRecord']);

/**
 * Refuses a frame too large to hold in memory unless it can be a section record: only Meta,
 * Revision and Blob records grow with the data, and only inside a section.
 */
export async function checkLargeFrame(reader: ByteReader, frame: PendingFrame, state: { sawHeader: boolean; inSection: boolean; maxFrameSize: number }): Promise<void> {
  const { position, length } = frame;
  if (!state.sawHeader) throw new ArchiveFormatError(`Expected HeaderRecord, got a frame of ${length} bytes: not an archive or corrupt.`, position);
  if (!state.inSection) throw new ArchiveFormatError(`Frame of ${length} bytes outside of model section: not an archive or corrupt.`, position);
  checkFrameSize(position, length, state.maxFrameSize);
  const got = await reader.fill(Math.min(length, LEADING_BYTES));
  const type = leadingRecordType(reader.peek(got));
  if (type === undefined || !SECTION_RECORD_TYPES.has(type)) {
    throw new ArchiveFormatError(`Frame of ${length} bytes does not start like a MetaRecord, RevisionRecord or BlobRecord: not an archive or corrupt.`, position);
  }
}
