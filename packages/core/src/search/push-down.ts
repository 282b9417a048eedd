import { DEFAULT_QUERY_LIMIT, QueryError, type ResourceMetaSearchQuery } from '@specstar/interfaces';
import { parseInstant } from '../codec/instants';
import { textForm } from './evaluator';

/**
 * Checks every store translating a query to its own language (SQL push-down) makes first, so
 * all stores refuse the same malformed queries with the same QueryError.
 */
export function checkSearchQuery(query: unknown): asserts query is ResourceMetaSearchQuery {
  if (query === null || typeof query !== 'object' || Array.isArray(query)) {
    throw new QueryError(`A search query must be an object, got ${textForm(query)}`);
  }
}

/** limit and offset as the evaluator reads them (absent → the default limit and 0). */
export function pageBounds(query: ResourceMetaSearchQuery): { limit: number; offset: number } {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  const offset = query.offset ?? 0;
  for (const [name, value] of [['limit', limit], ['offset', offset]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new QueryError(`Query ${name} must be a non-negative integer, got ${textForm(value)}`);
    }
  }
  return { limit, offset };
}

/** The time-window criteria of a query: bound key, meta column, and the comparison (both ends inclusive). */
export const QUERY_TIME_BOUNDS = [
  ['created_time_start', 'created_time', '>='],
  ['created_time_end', 'created_time', '<='],
  ['updated_time_start', 'updated_time', '>='],
  ['updated_time_end', 'updated_time', '<='],
] as const;

/** A created/updated time bound of a query as an instant (a Date, or ISO text). */
export function queryInstant(value: unknown): Date {
  if (value instanceof Date && !Number.isNaN(value.getTime())) return value;
  const parsed = typeof value === 'string' ? parseInstant(value) : undefined;
  if (parsed === undefined) throw new QueryError(`Query time bound must be a date-time, got ${textForm(value)}`);
  return parsed;
}

// Sort keys: type bytes follow the evaluator's type rank (bool, number, string, Date, list, map,
// …, null) shifted by one, so 0 is free to end a list: a list that is a prefix of another sorts first.
const END = 0;
const BOOL = 1;
const NUMBER = 2;
const STRING = 3;
const LIST = 5;
const MAP = 6;
const NULL = 8;

/**
 * Encodes a JSON value so that comparing keys bytewise equals the evaluator's sort order
 * (`compareBySorts`): lists element by element and then by length, maps by their text form,
 * strings by code point (UTF-8 bytes), numbers numerically. Every part is self-delimiting. SQL
 * stores keep it beside list and map values, whose native ordering differs.
 */
export function sortKey(value: unknown): Buffer {
  const parts: Buffer[] = [];
  writeSortKey(value, parts);
  return Buffer.concat(parts);
}

function writeSortKey(value: unknown, parts: Buffer[]): void {
  if (value === null || value === undefined) {
    parts.push(Buffer.of(NULL));
  } else if (typeof value === 'boolean') {
    parts.push(Buffer.of(BOOL, value ? 1 : 0));
  } else if (typeof value === 'number') {
    const bytes = Buffer.alloc(9);
    bytes[0] = NUMBER;
    bytes.writeDoubleBE(value === 0 ? 0 : value, 1); // -0 equals 0
    // IEEE order → unsigned byte order: negatives invert every bit, positives set the sign bit.
    if (bytes[1]! & 0x80) for (let i = 1; i < 9; i++) bytes[i] = ~bytes[i]! & 0xff;
    else bytes[1] = bytes[1]! | 0x80;
    parts.push(bytes);
  } else if (typeof value === 'string') {
    writeText(STRING, value, parts);
  } else if (Array.isArray(value)) {
    parts.push(Buffer.of(LIST));
    for (const item of value) writeSortKey(item, parts);
    parts.push(Buffer.of(END));
  } else {
    writeText(MAP, textForm(value), parts);
  }
}

/** UTF-8 with 0x00 escaped as 00 01 and terminated by 00 00, so shorter prefixes sort first. */
function writeText(type: number, text: string, parts: Buffer[]): void {
  const utf8 = Buffer.from(text, 'utf8');
  let zeros = 0;
  for (const byte of utf8) if (byte === 0) zeros++;
  const out = Buffer.alloc(1 + utf8.length + zeros + 2);
  out[0] = type;
  let at = 1;
  for (const byte of utf8) {
    out[at++] = byte;
    if (byte === 0) out[at++] = 1;
  }
  out[at++] = 0;
  out[at] = 0;
  parts.push(out);
}
