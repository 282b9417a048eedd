/**
 * A text key whose byte order (COLLATE "C") is the evaluator's order of list and map sort
 * values (compareSortValues): lists element by element then by length, maps by their text form,
 * strings by code point, numbers numerically. Computed at write time for every indexed_data
 * value that is a list or a map, because jsonb orders lists length-first and forgets key order.
 */
import { textForm } from '@specstar/core';

// Type bytes follow the evaluator's type rank shifted by one; 0 ends a list, so a prefix sorts first.
const END = 0;
const BOOL = 1;
const NUMBER = 2;
const STRING = 3;
const LIST = 5;
const MAP = 6;
const NULL = 8;

function writeText(type: number, text: string, parts: Buffer[]): void {
  const utf8 = Buffer.from(text, 'utf8');
  const out: number[] = [type];
  // 0x00 is escaped as 00 01 and the text ends with 00 00, so a shorter prefix sorts first.
  for (const byte of utf8) {
    out.push(byte);
    if (byte === 0) out.push(1);
  }
  out.push(0, 0);
  parts.push(Buffer.from(out));
}

function write(value: unknown, parts: Buffer[]): void {
  if (value === null || value === undefined) {
    parts.push(Buffer.of(NULL));
  } else if (typeof value === 'boolean') {
    parts.push(Buffer.of(BOOL, value ? 1 : 0));
  } else if (typeof value === 'number') {
    const bytes = Buffer.alloc(9);
    bytes[0] = NUMBER;
    bytes.writeDoubleBE(value === 0 ? 0 : value, 1);
    // IEEE order → unsigned byte order: negatives invert every bit, positives set the sign bit.
    if (bytes[1]! & 0x80) for (let i = 1; i < 9; i++) bytes[i] = ~bytes[i]! & 0xff;
    else bytes[1] = bytes[1]! | 0x80;
    parts.push(bytes);
  } else if (typeof value === 'string') {
    writeText(STRING, value, parts);
  } else if (Array.isArray(value)) {
    parts.push(Buffer.of(LIST));
    for (const item of value) write(item, parts);
    parts.push(Buffer.of(END));
  } else {
    writeText(MAP, textForm(value), parts);
  }
}

/** The sort key of a value as lowercase hex (hex keeps byte order under COLLATE "C"). */
export function sortKeyHex(value: unknown): string {
  const parts: Buffer[] = [];
  write(value, parts);
  return Buffer.concat(parts).toString('hex');
}

/** `{ key: hex }` for the list and map values of indexed_data; undefined when there are none. */
export function sortKeysOf(indexed: Record<string, unknown> | null | undefined): Record<string, string> | undefined {
  if (indexed === null || indexed === undefined) return undefined;
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(indexed)) {
    if (value !== null && typeof value === 'object') {
      out ??= {};
      Object.defineProperty(out, key, { value: sortKeyHex(value), enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}
