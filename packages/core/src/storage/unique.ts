import { UniqueConstraintError, type ResourceMeta, type StorageWrite } from '@specstar/interfaces';
import { isDeepStrictEqual } from 'node:util';

/**
 * The first unique claim of `write` that another live resource already holds, as the error a
 * store throws (core-semantics §7.1: nulls and deleted metas claim nothing). `holderOf` answers
 * which other non-deleted resource, if any, has `indexed_data[field]` equal to `value`.
 */
export function findUniqueViolation(
  write: StorageWrite,
  holderOf: (field: string, value: unknown, exceptId: string) => string | undefined,
): UniqueConstraintError | undefined {
  const { meta, unique } = write;
  if (unique === undefined || unique.length === 0 || meta.is_deleted) return undefined;
  for (const field of unique) {
    const value = meta.indexed_data?.[field];
    if (value === null || value === undefined) continue;
    const holder = holderOf(field, value, meta.resource_id);
    if (holder !== undefined) return new UniqueConstraintError(field, value, holder);
  }
  return undefined;
}

/** Whether a stored meta holds `value` in a unique field (for stores that compare in code). */
export function holdsValue(meta: ResourceMeta, field: string, value: unknown): boolean {
  if (meta.is_deleted) return false;
  const held = meta.indexed_data?.[field];
  return held === value || (typeof held === 'object' && held !== null && isDeepStrictEqual(held, value));
}
