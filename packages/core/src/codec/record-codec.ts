import { type ResourceMeta, type RevisionInfo, ValidationError } from '@specstar/interfaces';
import { ANY, canonicalize } from './canonical';
import { createPackr, type EncodingName } from './codec';
import { formatInstant, toInstant } from './instants';

/**
 * Encoding of the engine's own records (RevisionInfo, ResourceMeta) for stores and archives.
 * Keys follow the interfaces' declaration order; times are ISO `Z` strings with milliseconds
 * in JSON and msgpack timestamp extensions (type −1) in msgpack, as Python msgspec writes
 * aware datetimes. Decoding accepts what upstream Python writes as well.
 */

export type RecordKind = 'meta' | 'info';

type FieldType = 'string' | 'string?' | 'time' | 'int' | 'bool' | 'map';

const INFO_FIELDS: ReadonlyArray<readonly [keyof RevisionInfo, FieldType]> = [
  ['uid', 'string'],
  ['resource_id', 'string'],
  ['revision_id', 'string'],
  ['parent_revision_id', 'string?'],
  ['parent_schema_version', 'string?'],
  ['schema_version', 'string?'],
  ['data_hash', 'string?'],
  ['status', 'string'],
  ['created_time', 'time'],
  ['updated_time', 'time'],
  ['created_by', 'string'],
  ['updated_by', 'string'],
];
const INFO_REQUIRED = new Set<string>(['uid', 'resource_id', 'revision_id', 'status', 'created_time', 'updated_time', 'created_by', 'updated_by']);

const META_FIELDS: ReadonlyArray<readonly [keyof ResourceMeta, FieldType]> = [
  ['current_revision_id', 'string'],
  ['resource_id', 'string'],
  ['schema_version', 'string?'],
  ['total_revision_count', 'int'],
  ['created_time', 'time'],
  ['updated_time', 'time'],
  ['created_by', 'string'],
  ['updated_by', 'string'],
  ['is_deleted', 'bool'],
  ['indexed_data', 'map'],
  ['rev_status', 'string?'],
  ['rev_created_by', 'string?'],
  ['rev_updated_by', 'string?'],
  ['rev_created_time', 'time'],
  ['rev_updated_time', 'time'],
];
const META_REQUIRED = new Set<string>([
  'current_revision_id',
  'resource_id',
  'total_revision_count',
  'created_time',
  'updated_time',
  'created_by',
  'updated_by',
]);

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

const packr = createPackr();

function fieldsOf(kind: RecordKind): ReadonlyArray<readonly [string, FieldType]> {
  if (kind === 'meta') return META_FIELDS;
  if (kind === 'info') return INFO_FIELDS;
  throw new ValidationError(`Unknown record kind '${String(kind)}'`, { kind: 'input', issues: [{ path: '', message: 'kind must be meta or info' }] });
}

function recordName(kind: RecordKind): string {
  return kind === 'meta' ? 'ResourceMeta' : 'RevisionInfo';
}

function invalid(kind: RecordKind, field: string, message: string): ValidationError {
  return new ValidationError(`${recordName(kind)}.${field} ${message}`, {
    kind: 'input',
    issues: [{ path: field === '' ? '' : `/${field}`, message }],
  });
}

/** Encodes a RevisionInfo (`info`) or ResourceMeta (`meta`); UNSET fields are left out, nulls kept. */
export function encodeRecord(kind: 'meta', value: ResourceMeta, encoding: EncodingName): Uint8Array;
export function encodeRecord(kind: 'info', value: RevisionInfo, encoding: EncodingName): Uint8Array;
export function encodeRecord(kind: RecordKind, value: ResourceMeta | RevisionInfo, encoding: EncodingName): Uint8Array;
export function encodeRecord(kind: RecordKind, value: ResourceMeta | RevisionInfo, encoding: EncodingName): Uint8Array {
  const fields = fieldsOf(kind);
  if (typeof value !== 'object' || value === null) throw invalid(kind, '', 'must be an object');
  const json = encoding === 'json';
  if (!json && encoding !== 'msgpack') {
    throw new ValidationError(`Unknown encoding '${String(encoding)}'`, { kind: 'input', issues: [{ path: '', message: 'encoding must be json or msgpack' }] });
  }
  const source = value as unknown as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [field, type] of fields) {
    const v = source[field];
    if (v === undefined) continue;
    if (type === 'time' && v !== null) {
      const instant = toInstant(v);
      if (!instant) throw invalid(kind, field, 'must be a Date or an ISO-8601 date-time');
      out[field] = json ? formatInstant(instant) : instant;
    } else if (type === 'map' && v !== null) {
      out[field] = canonicalize(v, ANY, encoding);
    } else {
      out[field] = v;
    }
  }
  return json ? Buffer.from(JSON.stringify(out), 'utf8') : packr.pack(out);
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

function parse(kind: RecordKind, bytes: Uint8Array, encoding: EncodingName): Record<string, unknown> {
  let value: unknown;
  try {
    if (encoding === 'json') {
      value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    } else if (encoding === 'msgpack') {
      value = packr.unpack(bytes);
    } else {
      throw new Error(`unknown encoding '${String(encoding)}'`);
    }
  } catch (error) {
    throw new ValidationError(`${recordName(kind)} bytes cannot be decoded as ${String(encoding)}`, {
      kind: 'input',
      issues: [{ path: '', message: `is not valid ${String(encoding)}` }],
      cause: error,
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid(kind, '', 'must be an encoded object');
  }
  return value as Record<string, unknown>;
}

/** Python's defaults for fields a record may lack (written by older versions or by hand). */
const INFO_DEFAULTS: Record<string, unknown> = { parent_revision_id: null, schema_version: null };
const META_DEFAULTS: Record<string, unknown> = { schema_version: null, is_deleted: false };

function decodeFields(
  kind: RecordKind,
  raw: Record<string, unknown>,
  required: ReadonlySet<string>,
  defaults: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, type] of fieldsOf(kind)) {
    const v = raw[field];
    if (v === undefined) {
      if (required.has(field)) throw invalid(kind, field, 'is required');
      if (field in defaults) out[field] = defaults[field];
      continue;
    }
    if (v === null) {
      if (required.has(field) || type === 'bool' || type === 'int') throw invalid(kind, field, 'must not be null');
      out[field] = null;
      continue;
    }
    switch (type) {
      case 'time': {
        const instant = toInstant(v);
        if (!instant) throw invalid(kind, field, 'must be a date-time');
        out[field] = instant;
        break;
      }
      case 'string':
      case 'string?':
        if (typeof v !== 'string') throw invalid(kind, field, 'must be a string');
        out[field] = v;
        break;
      case 'int':
        if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(kind, field, 'must be an integer');
        out[field] = v;
        break;
      case 'bool':
        if (typeof v !== 'boolean') throw invalid(kind, field, 'must be a boolean');
        out[field] = v;
        break;
      case 'map':
        if (typeof v !== 'object' || Array.isArray(v)) throw invalid(kind, field, 'must be a map');
        out[field] = v;
        break;
    }
  }
  return out;
}

/** Decodes a stored ResourceMeta; times become Dates (UTC, milliseconds). */
export function decodeMeta(bytes: Uint8Array, encoding: EncodingName): ResourceMeta {
  return decodeFields('meta', parse('meta', bytes, encoding), META_REQUIRED, META_DEFAULTS) as unknown as ResourceMeta;
}

/** Decodes a stored RevisionInfo; times become Dates (UTC, milliseconds). */
export function decodeInfo(bytes: Uint8Array, encoding: EncodingName): RevisionInfo {
  return decodeFields('info', parse('info', bytes, encoding), INFO_REQUIRED, INFO_DEFAULTS) as unknown as RevisionInfo;
}
