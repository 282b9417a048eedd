import { UniqueConstraintError, type IConstraintChecker, type IStorage, type ResourceMetaSearchQuery } from '@specstar/interfaces';
import { isDeepStrictEqual } from 'node:util';

/** A checker, or a factory the registry calls with the model's manager. */
export type ConstraintCheckerSpec<M = unknown> = IConstraintChecker | ((manager: M) => IConstraintChecker);

/**
 * Unique fields checked by searching: the earliest live holder of a value
 * (by updated_time) keeps it. Used for storages without `atomicUnique`, where core checks before
 * and after the write; storages with it decide inside the commit instead.
 */
export class UniqueConstraintChecker implements IConstraintChecker {
  constructor(
    private readonly storage: IStorage,
    readonly fields: readonly string[],
  ) {}

  async check(data: unknown, options: { excludeResourceId?: string | null } = {}): Promise<void> {
    if (typeof data !== 'object' || data === null) return;
    const record = data as Record<string, unknown>;
    for (const field of this.fields) {
      const value = record[field];
      if (value === null || value === undefined) continue;
      const query: ResourceMetaSearchQuery = {
        is_deleted: false,
        data_conditions: [{ type: 'DataSearchCondition', field_path: field, operator: 'eq', value, transform: null }],
        sorts: [{ type: 'meta', key: 'updated_time', direction: '+' }],
        limit: 1,
        offset: 0,
      };
      const [holder] = await this.storage.search(query);
      if (holder && holder.resource_id !== options.excludeResourceId) throw new UniqueConstraintError(field, value, holder.resource_id);
    }
  }

  dataRelevantChanged(current: unknown, next: unknown): boolean {
    return changedFields(this.fields, current, next).length > 0;
  }
}

/** The fields among `fields` whose top-level values differ between two data values. */
export function changedFields(fields: readonly string[], current: unknown, next: unknown): string[] {
  const a = (typeof current === 'object' && current !== null ? current : {}) as Record<string, unknown>;
  const b = (typeof next === 'object' && next !== null ? next : {}) as Record<string, unknown>;
  return fields.filter((field) => !isDeepStrictEqual(a[field] ?? null, b[field] ?? null));
}

/** Runs every checker in order; the first failure stops the rest. */
export async function runCheckers(checkers: readonly IConstraintChecker[], data: unknown, excludeResourceId: string | null): Promise<void> {
  for (const checker of checkers) await checker.check(data, { excludeResourceId });
}

/** Whether any checker says the change from `current` to `next` concerns it (default: yes). */
export function anyRelevantChange(checkers: readonly IConstraintChecker[], current: unknown, next: unknown): boolean {
  return checkers.some((checker) => (checker.dataRelevantChanged ? checker.dataRelevantChanged(current, next) : true));
}
