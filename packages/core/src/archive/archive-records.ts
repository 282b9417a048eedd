import { ArchiveFormatError, ValidationError, type LoadStats } from '@specstar/interfaces';
import { createPackr } from '../codec';
import { MsgpackBuilder } from './msgpack';

/** The `.acbak` format version this module writes and reads. */
export const ARCHIVE_VERSION = 2;

/** Frames longer than this are refused as corrupt instead of being buffered. */
export const MAX_FRAME_LENGTH = 1024 * 1024 * 1024;

/** Bytes of the frame header: the unsigned big-endian payload length. */
export const FRAME_HEADER_BYTES = 4;

export type OnDuplicate = 'overwrite' | 'skip' | 'raise_error';
export const ON_DUPLICATE: readonly OnDuplicate[] = ['overwrite', 'skip', 'raise_error'];
export type { LoadStats };

export interface HeaderRecord {
  t: 'HeaderRecord';
  version: number;
}
export interface ModelStartRecord {
  t: 'ModelStartRecord';
  model_name: string;
}
/** `data`: one encoded ResourceMeta (msgpack; JSON is accepted on load). */
export interface MetaRecord {
  t: 'MetaRecord';
  data: Uint8Array;
}
/** `data`: one encoded RawResource `{info, raw_data}`; `raw_data` is the stored data bytes verbatim. */
export interface RevisionRecord {
  t: 'RevisionRecord';
  data: Uint8Array;
}
export interface BlobRecord {
  t: 'BlobRecord';
  file_id: string;
  blob_data: Uint8Array;
  size: number;
  /** `""` when unknown. */
  content_type: string;
}
export interface ModelEndRecord {
  t: 'ModelEndRecord';
  model_name: string;
}
export interface EofRecord {
  t: 'EofRecord';
}

export type ArchiveRecord = HeaderRecord | ModelStartRecord | MetaRecord | RevisionRecord | BlobRecord | ModelEndRecord | EofRecord;
export type ArchiveRecordType = ArchiveRecord['t'];
export const RECORD_TYPES: readonly ArchiveRecordType[] = [
  'HeaderRecord',
  'ModelStartRecord',
  'MetaRecord',
  'RevisionRecord',
  'BlobRecord',
  'ModelEndRecord',
  'EofRecord',
];
const KNOWN_TYPES: ReadonlySet<string> = new Set(RECORD_TYPES);

/** Checks an OnDuplicate value from a caller (query string, options). */
export function checkOnDuplicate(value: unknown): OnDuplicate {
  if (typeof value === 'string' && (ON_DUPLICATE as readonly string[]).includes(value)) return value as OnDuplicate;
  throw new ValidationError(`on_duplicate must be one of ${ON_DUPLICATE.join(', ')}, got ${JSON.stringify(value)}`, {
    kind: 'input',
    issues: [{ path: 'on_duplicate', message: `must be one of ${ON_DUPLICATE.join(', ')}` }],
  });
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

function badRecord(field: string, message: string): ValidationError {
  return new ValidationError(`Archive record field '${field}' ${message}`, { kind: 'input', issues: [{ path: `/${field}`, message }] });
}

function needString(record: object, field: string): string {
  const value = (record as Record<string, unknown>)[field];
  if (typeof value !== 'string') throw badRecord(field, 'must be a string');
  return value;
}

function needBytes(record: object, field: string): Uint8Array {
  const value = (record as Record<string, unknown>)[field];
  if (!(value instanceof Uint8Array)) throw badRecord(field, 'must be a Uint8Array');
  return value;
}

function needInt(record: object, field: string): number {
  const value = (record as Record<string, unknown>)[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw badRecord(field, 'must be an integer');
  return value;
}

/** The payload of a record: a msgpack map, `t` first, the other keys in the format's fixed order (as listed below). */
export function encodePayload(record: ArchiveRecord): MsgpackBuilder {
  const b = new MsgpackBuilder();
  switch (record.t) {
    case 'HeaderRecord':
      return b.map(2).str('t').str(record.t).str('version').int(needInt(record, 'version'));
    case 'ModelStartRecord':
    case 'ModelEndRecord':
      return b.map(2).str('t').str(record.t).str('model_name').str(needString(record, 'model_name'));
    case 'MetaRecord':
    case 'RevisionRecord':
      return b.map(2).str('t').str(record.t).str('data').bin(needBytes(record, 'data'));
    case 'BlobRecord': {
      const size = needInt(record, 'size');
      if (size < 0) throw badRecord('size', 'must not be negative');
      return b
        .map(5)
        .str('t')
        .str(record.t)
        .str('file_id')
        .str(needString(record, 'file_id'))
        .str('blob_data')
        .bin(needBytes(record, 'blob_data'))
        .str('size')
        .int(size)
        .str('content_type')
        .str(needString(record, 'content_type'));
    }
    case 'EofRecord':
      return b.map(1).str('t').str(record.t);
    default:
      throw badRecord('t', `must be one of ${RECORD_TYPES.join(', ')}, got ${JSON.stringify((record as { t?: unknown }).t)}`);
  }
}

/** One frame: 4-byte unsigned big-endian payload length, then the msgpack payload. */
export function encodeFrame(record: ArchiveRecord): Uint8Array {
  const payload = encodePayload(record);
  const frame = payload.finish(FRAME_HEADER_BYTES);
  new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_BYTES).setUint32(0, payload.byteLength);
  return frame;
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

const packr = createPackr();

function formatError(message: string, position: number | undefined): ArchiveFormatError {
  return new ArchiveFormatError(message, position);
}

const textDecoder = new TextDecoder();

/**
 * The record type a payload names in its first bytes, when it starts the way every writer
 * (this module, Python msgspec) starts one: a map whose first key is `t`, holding a short
 * string. Undefined otherwise. Lets a large frame be judged before its bulk is read.
 */
export function leadingRecordType(prefix: Uint8Array): string | undefined {
  let at: number;
  const lead = prefix[0];
  if (lead === undefined) return undefined;
  if (lead >= 0x80 && lead <= 0x8f) at = 1; // fixmap
  else if (lead === 0xde) at = 3; // map 16
  else if (lead === 0xdf) at = 5; // map 32
  else return undefined;
  if (prefix[at] !== 0xa1 || prefix[at + 1] !== 0x74) return undefined; // "t"
  at += 2;
  const marker = prefix[at];
  let length: number;
  if (marker !== undefined && marker >= 0xa0 && marker <= 0xbf) {
    length = marker & 0x1f;
    at += 1;
  } else if (marker === 0xd9 && prefix[at + 1] !== undefined) {
    length = prefix[at + 1] as number;
    at += 2;
  } else return undefined;
  if (at + length > prefix.byteLength) return undefined;
  return textDecoder.decode(prefix.subarray(at, at + length));
}

/** A frame payload back into a record; ArchiveFormatError (with the frame's byte offset) when it is not one. */
export function decodePayload(payload: Uint8Array, position?: number): ArchiveRecord {
  let value: unknown;
  try {
    // A plain view: msgpackr then hands bin values out as Uint8Array, not Buffer.
    value = packr.unpack(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
  } catch (error) {
    throw formatError(`Frame payload is not valid msgpack: ${error instanceof Error ? error.message : String(error)}.`, position);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Uint8Array) {
    throw formatError('Frame payload is not a msgpack map.', position);
  }
  const map = value as Record<string, unknown>;
  const t = map.t;
  if (typeof t !== 'string' || !KNOWN_TYPES.has(t)) {
    throw formatError(`Frame payload has an unknown record type ${JSON.stringify(t)}.`, position);
  }
  const field = (name: string, kind: 'string' | 'bytes' | 'int', fallback?: unknown): unknown => {
    const v = map[name];
    if (v === undefined && fallback !== undefined) return fallback;
    const ok = kind === 'string' ? typeof v === 'string' : kind === 'bytes' ? v instanceof Uint8Array : typeof v === 'number' && Number.isSafeInteger(v);
    if (!ok) throw formatError(`${t}.${name} must be ${kind === 'int' ? 'an integer' : kind === 'bytes' ? 'bin' : 'a string'}.`, position);
    return v;
  };
  switch (t as ArchiveRecordType) {
    case 'HeaderRecord':
      // msgspec gives `version` a default of 2, so a header may omit it.
      return { t: 'HeaderRecord', version: field('version', 'int', ARCHIVE_VERSION) as number };
    case 'ModelStartRecord':
      return { t: 'ModelStartRecord', model_name: field('model_name', 'string') as string };
    case 'ModelEndRecord':
      return { t: 'ModelEndRecord', model_name: field('model_name', 'string') as string };
    case 'MetaRecord':
      return { t: 'MetaRecord', data: field('data', 'bytes') as Uint8Array };
    case 'RevisionRecord':
      return { t: 'RevisionRecord', data: field('data', 'bytes') as Uint8Array };
    case 'BlobRecord': {
      const blob = field('blob_data', 'bytes') as Uint8Array;
      const size = field('size', 'int', blob.byteLength) as number;
      if (size < 0) throw formatError('BlobRecord.size must not be negative.', position);
      return {
        t: 'BlobRecord',
        file_id: field('file_id', 'string') as string,
        blob_data: blob,
        size,
        content_type: field('content_type', 'string', '') as string,
      };
    }
    case 'EofRecord':
      return { t: 'EofRecord' };
  }
}

