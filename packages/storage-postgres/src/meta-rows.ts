/**
 * A ResourceMeta as a row of the meta table: a real column for every attribute a query can name,
 * indexed_data as jsonb, list/map sort keys, and the encoded meta (JSON) so reads return exactly
 * what was written.
 */
import { ValidationError, type ResourceMeta } from '@specstar/interfaces';
import { asBuffer, decodeMeta, encodeRecord } from '@specstar/core/adapter';
import { sortKeysOf } from '@specstar/storage-sql';
import { assertStorableJson, assertStorableText } from './text';

export type SqlValue = string | boolean | Buffer | null;

/** Column name and the cast its parameter gets, in insert order. */
export const META_COLUMN_LIST: ReadonlyArray<readonly [string, string]> = [
  ['resource_id', 'text'],
  ['current_revision_id', 'text'],
  ['schema_version', 'text'],
  ['total_revision_count', 'bigint'],
  ['created_time', 'timestamptz'],
  ['updated_time', 'timestamptz'],
  ['created_by', 'text'],
  ['updated_by', 'text'],
  ['is_deleted', 'boolean'],
  ['rev_status', 'text'],
  ['rev_created_by', 'text'],
  ['rev_updated_by', 'text'],
  ['rev_created_time', 'timestamptz'],
  ['rev_updated_time', 'timestamptz'],
  ['rev_null_mask', 'smallint'],
  ['indexed_data', 'text::jsonb'],
  ['sort_keys', 'text::jsonb'],
  ['record', 'bytea'],
];

const TEXT_FIELDS = ['resource_id', 'current_revision_id', 'schema_version', 'created_by', 'updated_by', 'rev_status', 'rev_created_by', 'rev_updated_by'] as const;
const NULL_BITS: Readonly<Record<string, number>> = { rev_status: 1, rev_created_by: 2, rev_updated_by: 4, rev_created_time: 8, rev_updated_time: 16 };

function time(value: Date | undefined | null): string | null {
  return value === undefined || value === null ? null : value.toISOString();
}

/**
 * The column values of a meta, in META_COLUMN_LIST order. The meta is encoded, then decoded:
 * what reaches the table is exactly what reads return, and a meta that would not read back is
 * refused here (ValidationError), as is text PostgreSQL cannot hold.
 */
export function metaRow(meta: ResourceMeta): SqlValue[] {
  if (meta === null || typeof meta !== 'object') {
    throw new ValidationError('A meta must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
  }
  const record = asBuffer(encodeRecord('meta', meta, 'json'));
  const m = decodeMeta(record, 'json');
  for (const field of TEXT_FIELDS) {
    const value = m[field];
    if (typeof value === 'string') assertStorableText(value, `/${field}`);
  }
  if (m.indexed_data !== undefined && m.indexed_data !== null) assertStorableJson(m.indexed_data, '/indexed_data');
  let mask = 0;
  for (const [field, bit] of Object.entries(NULL_BITS)) if (m[field as keyof ResourceMeta] === null) mask |= bit;
  const indexed = m.indexed_data ?? null;
  const sortKeys = sortKeysOf(indexed);
  return [
    m.resource_id,
    m.current_revision_id,
    m.schema_version ?? null,
    String(m.total_revision_count),
    time(m.created_time),
    time(m.updated_time),
    m.created_by,
    m.updated_by,
    m.is_deleted === true,
    m.rev_status ?? null,
    m.rev_created_by ?? null,
    m.rev_updated_by ?? null,
    time(m.rev_created_time),
    time(m.rev_updated_time),
    String(mask),
    indexed === null ? null : JSON.stringify(indexed),
    sortKeys === undefined ? null : JSON.stringify(sortKeys),
    record,
  ];
}

/** `($1::text, $2::text, …)` for row `index` of a multi-row VALUES list. */
export function valuesTuple(index: number): string {
  const base = index * META_COLUMN_LIST.length;
  return `(${META_COLUMN_LIST.map(([, cast], i) => `$${base + i + 1}::${cast}`).join(', ')})`;
}

export const META_COLUMN_NAMES = META_COLUMN_LIST.map(([name]) => name).join(', ');
/** `SET col = EXCLUDED.col, …` for every column but the key. */
export const META_UPSERT_SET = META_COLUMN_LIST.filter(([name]) => name !== 'resource_id')
  .map(([name]) => `${name} = EXCLUDED.${name}`)
  .join(', ');
/** `col = $2::text, …` for an UPDATE of every column but the key (the key is $1). */
export const META_UPDATE_SET = META_COLUMN_LIST.map(([name, cast], i) => (name === 'resource_id' ? undefined : `${name} = $${i + 1}::${cast}`))
  .filter((part): part is string => part !== undefined)
  .join(', ');
