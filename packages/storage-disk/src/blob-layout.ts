/**
 * Where the bytes sit in a blob file, so blobs can be written and read as streams. A blob file
 * is one msgpack map `{file_id, size, content_type?, data}` (Python SpecStar's layout); msgpack
 * allows non-minimal widths, so a streamed blob is written with a fixed-width `size` (uint32)
 * and `data` header (bin32): the header has the same length whatever the byte count, and is
 * rewritten in place once the count is known. Any reader that decodes msgpack reads it.
 */

/** bin32 holds at most this many bytes. */
export const MAX_STREAMED_BLOB = 0xffff_ffff;

function str(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  const n = bytes.length;
  if (n < 32) return Buffer.concat([Buffer.from([0xa0 | n]), bytes]);
  if (n < 0x100) return Buffer.concat([Buffer.from([0xd9, n]), bytes]);
  if (n < 0x10000) return Buffer.concat([Buffer.from([0xda, n >> 8, n & 0xff]), bytes]);
  const head = Buffer.alloc(5);
  head[0] = 0xdb;
  head.writeUInt32BE(n, 1);
  return Buffer.concat([head, bytes]);
}

function uint32(marker: number, value: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = marker;
  out.writeUInt32BE(value, 1);
  return out;
}

/** Everything of a blob file before its bytes, for `size` bytes (the same length for every size). */
export function blobHeader(fileId: string, contentType: string | undefined, size: number): Uint8Array {
  const entries = contentType === undefined ? 3 : 4;
  return Buffer.concat([
    Buffer.from([0x80 | entries]),
    str('file_id'),
    str(fileId),
    str('size'),
    uint32(0xce, size),
    ...(contentType === undefined ? [] : [str('content_type'), str(contentType)]),
    str('data'),
    uint32(0xc6, size),
  ]);
}

export interface BlobLayout {
  contentType: string | undefined;
  /** Offset and length of the bytes in the file. */
  dataOffset: number;
  dataLength: number;
}

/** A reader over a prefix of the file; `undefined` from any read means "not in this prefix". */
class Cursor {
  at = 0;
  constructor(private readonly buf: Buffer) {}
  byte(): number | undefined {
    return this.at < this.buf.length ? this.buf[this.at++] : undefined;
  }
  uint(width: number): number | undefined {
    if (this.at + width > this.buf.length) return undefined;
    const value = width === 8 ? Number(this.buf.readBigUInt64BE(this.at)) : this.buf.readUIntBE(this.at, width);
    this.at += width;
    return value;
  }
  string(length: number): string | undefined {
    if (this.at + length > this.buf.length) return undefined;
    const value = this.buf.toString('utf8', this.at, this.at + length);
    this.at += length;
    return value;
  }
  skip(length: number): void {
    this.at += length;
  }
}

/** A str value's length after its marker, else undefined. */
function strLength(cursor: Cursor, marker: number): number | undefined {
  if (marker >= 0xa0 && marker <= 0xbf) return marker & 0x1f;
  if (marker === 0xd9) return cursor.uint(1);
  if (marker === 0xda) return cursor.uint(2);
  if (marker === 0xdb) return cursor.uint(4);
  return undefined;
}

/** Skips a scalar value (nil, bool, ints, floats, str); false for anything else. */
function skipScalar(cursor: Cursor, marker: number): boolean {
  if (marker <= 0x7f || marker >= 0xe0 || marker === 0xc0 || marker === 0xc2 || marker === 0xc3) return true;
  const widths: Record<number, number> = { 0xca: 4, 0xcb: 8, 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8 };
  const width = widths[marker];
  if (width !== undefined) {
    cursor.skip(width);
    return true;
  }
  const length = strLength(cursor, marker);
  if (length === undefined) return false;
  cursor.skip(length);
  return true;
}

/**
 * The layout of a blob file from a prefix of it, or undefined when the prefix does not show it
 * (an entry after `data`, a long header, a type this reader does not know): the caller then
 * decodes the whole file instead.
 */
export function parseBlobLayout(prefix: Buffer): BlobLayout | undefined {
  const cursor = new Cursor(prefix);
  const marker = cursor.byte();
  if (marker === undefined) return undefined;
  const entries = marker >= 0x80 && marker <= 0x8f ? marker & 0x0f : marker === 0xde ? cursor.uint(2) : undefined;
  if (entries === undefined) return undefined;
  let contentType: string | undefined;
  for (let i = 0; i < entries; i++) {
    const keyMarker = cursor.byte();
    const keyLength = keyMarker === undefined ? undefined : strLength(cursor, keyMarker);
    const key = keyLength === undefined ? undefined : cursor.string(keyLength);
    const valueMarker = cursor.byte();
    if (key === undefined || valueMarker === undefined) return undefined;
    if (key === 'data') {
      const width = ({ 0xc4: 1, 0xc5: 2, 0xc6: 4 } as Record<number, number>)[valueMarker];
      const length = width === undefined ? undefined : cursor.uint(width);
      // Only a last `data` entry: anything after it would sit beyond the bytes.
      if (length === undefined || i !== entries - 1) return undefined;
      return { contentType, dataOffset: cursor.at, dataLength: length };
    }
    if (key === 'content_type') {
      const length = strLength(cursor, valueMarker);
      const value = length === undefined ? undefined : cursor.string(length);
      // nil (or anything that is not a string) is no content type.
      if (value === undefined && valueMarker !== 0xc0) return undefined;
      contentType = value === '' ? undefined : value;
      continue;
    }
    if (!skipScalar(cursor, valueMarker)) return undefined;
  }
  return undefined;
}
