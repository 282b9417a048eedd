/**
 * The meta attributes a condition or sort can name. Every SQL store keeps each as a real column
 * of the meta table under the same name, plus `rev_null_mask`, whose bits tell an explicit null
 * from unset for the rev_* mirrors (both read as SQL NULL).
 */
import type { MetaField } from '@specstar/interfaces';

export type MetaKind = 'text' | 'number' | 'bool' | 'time';

export interface MetaColumn {
  /** Column name (equal to the attribute name; plain identifiers). */
  name: MetaField;
  kind: MetaKind;
  /** Bit of rev_null_mask telling an explicit null from unset (rev_* mirrors only). */
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
