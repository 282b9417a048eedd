import { UniqueConstraintError, type ResourceMeta } from '@specstar/interfaces';
import { isDeepStrictEqual } from 'node:util';

/** What a write claims: the meta and the unique fields it names (StorageWrite, MetaCommit). */
export interface UniqueClaimant {
  meta: ResourceMeta;
  unique?: readonly string[];
}

/** One value a write claims. */
export interface UniqueClaim {
  field: string;
  value: unknown;
}

/**
 * The values a write claims, one per named field: nulls, absent values and a deleted meta claim
 * nothing.
 */
export function uniqueClaims(write: UniqueClaimant): UniqueClaim[] {
  const { meta, unique } = write;
  if (unique === undefined || unique.length === 0 || meta.is_deleted) return [];
  const claims: UniqueClaim[] = [];
  for (const field of new Set(unique)) {
    const value = meta.indexed_data?.[field];
    if (value !== null && value !== undefined) claims.push({ field, value });
  }
  return claims;
}

/**
 * The first unique claim of `write` that another live resource already holds, as the error a
 * store throws. `holderOf` answers which other non-deleted resource, if any, has
 * `indexed_data[field]` equal to `value`.
 */
export function findUniqueViolation(
  write: UniqueClaimant,
  holderOf: (field: string, value: unknown, exceptId: string) => string | undefined,
): UniqueConstraintError | undefined {
  for (const { field, value } of uniqueClaims(write)) {
    const holder = holderOf(field, value, write.meta.resource_id);
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
