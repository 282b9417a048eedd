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
