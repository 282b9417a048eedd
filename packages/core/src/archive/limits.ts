import { ArchiveFormatError, ValidationError } from '@specstar/interfaces';
import { MAX_FRAME_LENGTH } from './records';

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
  throw new ValidationError(`${name} ${message}, got ${String(value)}`, { kind: 'input', issues: [{ path: name, message }] });
}
