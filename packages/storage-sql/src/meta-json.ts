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

/** A time exactly as toISOString() writes it, else undefined (the general decoder then decides). */
function canonicalInstant(value: unknown): Date | undefined {
  if (typeof value !== 'string' || value.length !== 24 || value.charCodeAt(23) !== 0x5a /* Z */) return undefined;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value ? date : undefined;
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
