/**
 * A stored meta record (the JSON text core's encodeRecord wrote) back as the meta, without the
 * general decoder's per-row work when the record is in the form the stores write: times as
 * `toISOString()` text, every field of its type. Anything else (another time spelling, a missing
 * or mistyped field, bad JSON) goes to core's decodeMeta, which decides it and raises its errors.
 */
import type { ResourceMeta } from '@specstar/interfaces';
import { decodeMeta } from '@specstar/core/adapter';

type Kind = 'string' | 'string?' | 'time' | 'int' | 'bool' | 'map';

/** Core's meta fields in its codec's order (decoded metas keep it), with kind and whether required. */
const FIELDS: ReadonlyArray<readonly [string, Kind, boolean]> = [
  ['current_revision_id', 'string', true],
  ['resource_id', 'string', true],
  ['schema_version', 'string?', false],
  ['total_revision_count', 'int', true],
  ['created_time', 'time', true],
  ['updated_time', 'time', true],
  ['created_by', 'string', true],
  ['updated_by', 'string', true],
  ['is_deleted', 'bool', false],
  ['indexed_data', 'map', false],
  ['rev_status', 'string?', false],
  ['rev_created_by', 'string?', false],
  ['rev_updated_by', 'string?', false],
  ['rev_created_time', 'time', false],
  ['rev_updated_time', 'time', false],
];

/** The number written by `length` ASCII digits from `at`, or NaN. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return Number.NaN;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A time exactly as toISOString() writes it (`YYYY-MM-DDTHH:MM:SS.mmmZ`, year 100 or later),
 * else undefined: the general decoder then decides.
 */
function canonicalInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.length !== 24) return undefined;
  if (value[4] !== '-' || value[7] !== '-' || value[10] !== 'T' || value[13] !== ':' || value[16] !== ':' || value[19] !== '.' || value[23] !== 'Z') return undefined;
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const hour = digits(value, 11, 2);
  const minute = digits(value, 14, 2);
  const second = digits(value, 17, 2);
  const millis = digits(value, 20, 3);
  // NaN fails every comparison, so a non-digit is refused here too. Date.UTC reads years below 100 as 19xx.
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59 && millis >= 0)) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  return date.getUTCDate() === day ? date : undefined; // February 30th rolls over: not a date
}

function slow(text: string): ResourceMeta {
  return decodeMeta(Buffer.from(text, 'utf8'), 'json');
}

export function decodeMetaJson(text: string): ResourceMeta {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return slow(text);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return slow(text);
  const raw = parsed as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [field, kind, required] of FIELDS) {
    const value = raw[field];
    if (value === undefined) {
      if (required) return slow(text);
      if (field === 'schema_version') out[field] = null; // core's defaults for fields a record may lack
      else if (field === 'is_deleted') out[field] = false;
      continue;
    }
    if (value === null) {
      if (required || kind === 'bool' || kind === 'int') return slow(text);
      out[field] = null;
      continue;
    }
    let ok: boolean;
    switch (kind) {
      case 'time': {
        const instant = canonicalInstant(value);
        if (instant === undefined) return slow(text);
        out[field] = instant;
        continue;
      }
      case 'string':
      case 'string?':
        ok = typeof value === 'string';
        break;
      case 'int':
        ok = Number.isInteger(value);
        break;
      case 'bool':
        ok = typeof value === 'boolean';
        break;
      case 'map':
        ok = typeof value === 'object' && !Array.isArray(value);
        break;
    }
    if (!ok) return slow(text);
    out[field] = value;
  }
  return out as unknown as ResourceMeta;
}
