/**
 * A meta as the column values of a SQLite meta table row, and back: instants are INTEGER epoch
 * milliseconds, booleans 0/1, and rev_null_mask tells an explicit null from unset.
 */
import { ValidationError, type ResourceMeta } from '@specstar/interfaces';
import { asBuffer, decodeMeta, encodeRecord } from '@specstar/core/adapter';
import { META_COLUMNS, REV_NULL_MASK_COLUMN, type MetaKind } from '../meta-columns';

/** The column values of a (decoded, valid) meta, keyed by column name. */
export function metaColumnValues(meta: ResourceMeta): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  let nullMask = 0;
  for (const col of Object.values(META_COLUMNS)) {
    const value = meta[col.name];
    if (value === null && col.nullBit !== undefined) nullMask |= col.nullBit;
    if (value === undefined || value === null) out[col.name] = null;
    else if (col.kind === 'time') out[col.name] = (value as Date).getTime();
    else if (col.kind === 'bool') out[col.name] = value ? 1 : 0;
    else out[col.name] = value as string | number;
  }
  out[REV_NULL_MASK_COLUMN] = nullMask;
  return out;
}

/** A column value back as the attribute value the evaluator reads (for conditions it evaluates). */
export function metaValueFromColumn(kind: MetaKind, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (kind === 'time') return new Date(value as number);
  if (kind === 'bool') return value === 1;
  return value;
}

/**
 * The bound values of a meta table row: the column values and `record`, the encoded meta. It is
 * encoded, then decoded again: what reaches the table is exactly what reads will return, and a
 * meta that would not read back is refused here (ValidationError), before anything is written.
 */
export function encodedMetaRow(meta: ResourceMeta): Record<string, string | number | Buffer | null> {
  if (meta === null || typeof meta !== 'object') {
    throw new ValidationError('A meta must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
  }
  const record = asBuffer(encodeRecord('meta', meta, 'json'));
  return { ...metaColumnValues(decodeMeta(record, 'json')), record };
}

/** A `record` column value back as the meta. */
export function decodeMetaRecord(record: Buffer): ResourceMeta {
  return decodeMeta(record, 'json');
}

const REV_COLUMNS = [META_COLUMNS.rev_status, META_COLUMNS.rev_created_by, META_COLUMNS.rev_updated_by, META_COLUMNS.rev_created_time, META_COLUMNS.rev_updated_time];

/**
 * What a search selects to build its metas from the columns (written from the decoded record, so
 * they hold the same values) instead of parsing every record: only indexed_data is JSON text
 * to parse, times are already epoch milliseconds. The record itself is read only where
 * indexed_data is NULL, the one column that cannot tell an absent value from a null one.
 */
export const META_READ_COLUMNS =
  'current_revision_id, resource_id, schema_version, total_revision_count, created_time, updated_time, created_by, updated_by, is_deleted, ' +
  `json(indexed_data), ${REV_COLUMNS.map((c) => c.name).join(', ')}, ${REV_NULL_MASK_COLUMN}, CASE WHEN indexed_data IS NULL THEN record END`;

/** A row of META_READ_COLUMNS (raw: an array) as the meta decodeMetaRecord would give, key order included. */
export function metaFromReadColumns(row: unknown[]): ResourceMeta {
  const record = row[16];
  if (record !== null && record !== undefined) return decodeMetaRecord(record as Buffer);
  const meta: Record<string, unknown> = {
    current_revision_id: row[0],
    resource_id: row[1],
    schema_version: row[2],
    total_revision_count: row[3],
    created_time: new Date(row[4] as number),
    updated_time: new Date(row[5] as number),
    created_by: row[6],
    updated_by: row[7],
    is_deleted: row[8] === 1,
    indexed_data: JSON.parse(row[9] as string) as unknown,
  };
  const nullMask = row[15] as number;
  for (let i = 0; i < REV_COLUMNS.length; i++) {
    const col = REV_COLUMNS[i]!;
    const value = row[10 + i];
    if (value !== null) meta[col.name] = col.kind === 'time' ? new Date(value as number) : value;
    else if ((nullMask & col.nullBit!) !== 0) meta[col.name] = null;
  }
  return meta as unknown as ResourceMeta;
}
