/**
 * The meta attributes a condition or sort can name, as real columns of the meta table.
 * Instants are INTEGER epoch milliseconds, booleans 0/1.
 */
import type { MetaField, ResourceMeta } from '@specstar/interfaces';

export type MetaKind = 'text' | 'number' | 'bool' | 'time';

export interface MetaColumn {
  /** Column name (equal to the attribute name; plain identifiers). */
  name: MetaField;
  kind: MetaKind;
  /**
   * rev_* mirrors may be unset on old metas (missing) or, in hand-made records, null. Both read
   * as SQL NULL; this bit of `rev_null_mask` tells an explicit null from unset.
   */
  nullBit?: number;
}

export const REV_NULL_MASK_COLUMN = 'rev_null_mask';

const column = (name: MetaField, kind: MetaKind, nullBit?: number): MetaColumn => ({ name, kind, nullBit });

export const META_COLUMNS: Readonly<Record<MetaField, MetaColumn>> = {
  resource_id: column('resource_id', 'text'),
  current_revision_id: column('current_revision_id', 'text'),
  schema_version: column('schema_version', 'text'),
  total_revision_count: column('total_revision_count', 'number'),
  created_time: column('created_time', 'time'),
  updated_time: column('updated_time', 'time'),
  created_by: column('created_by', 'text'),
  updated_by: column('updated_by', 'text'),
  is_deleted: column('is_deleted', 'bool'),
  rev_status: column('rev_status', 'text', 1),
  rev_created_by: column('rev_created_by', 'text', 2),
  rev_updated_by: column('rev_updated_by', 'text', 4),
  rev_created_time: column('rev_created_time', 'time', 8),
  rev_updated_time: column('rev_updated_time', 'time', 16),
};

export function isMetaField(path: string): path is MetaField {
  return Object.prototype.hasOwnProperty.call(META_COLUMNS, path);
}

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
