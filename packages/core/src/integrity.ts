import {
  ConfigurationError,
  InvalidReferenceError,
  ReferenceRestrictError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  type IConstraintChecker,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
} from '@specstar/interfaces';
import type { ResourceManager, WriteContext } from './manager';
import type { OnDelete, RefInfo, RefType } from './model';

/** One reference field of a registered model (as `GET /_relationships` lists it). */
export interface Relationship {
  source: string;
  source_field: string;
  target: string;
  ref_type: RefType;
  on_delete: OnDelete;
  nullable: boolean;
}

/** Live resources of one source field that reference a target resource. */
export interface ReferrerGroup {
  source: string;
  source_field: string;
  ref_type: 'resource_id';
  on_delete: OnDelete;
  resource_ids: string[];
}

/** How the integrity code reaches the registry's managers (kept narrow so it never holds the registry). */
export type ManagerLookup = (name: string) => ResourceManager | undefined;

// Referrers are collected page by page, so a target with any number of referrers is handled whole.
const REFERRER_PAGE = 1000;

export function relationshipOf(source: string, ref: RefInfo): Relationship {
  return { source, source_field: ref.field, target: ref.target, ref_type: ref.refType, on_delete: ref.onDelete, nullable: ref.nullable };
}

/** Startup checks of one model's refs: set_null needs a nullable field. */
export function checkRefDeclarations(model: string, refs: readonly RefInfo[]): void {
  for (const ref of refs) {
    if (ref.onDelete === 'set_null' && !ref.nullable && !ref.isList) {
      throw new ConfigurationError(
        `Model '${model}': field '${ref.field}' references '${ref.target}' with onDelete 'set_null' but does not accept null; ` +
          `make it nullable (e.g. type ['string', 'null']) or choose another onDelete`,
      );
    }
  }
}

function referrerQuery(ref: RefInfo, targetId: string, offset: number): ResourceMetaSearchQuery {
  return {
    is_deleted: false,
    // A list ref matches by membership, a plain one by equality.
    data_conditions: [{ type: 'DataSearchCondition', field_path: ref.field, operator: ref.isList ? 'contains' : 'eq', value: targetId, transform: null }],
    // No sorts: ties order by resource_id, which keeps the pages stable.
    limit: REFERRER_PAGE,
    offset,
  };
}

/** Every live resource of `source` whose `ref` field points at `targetId` (un-evented: an internal lookup). */
export async function referringIds(source: ResourceManager, ref: RefInfo, targetId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += REFERRER_PAGE) {
    const page = await source.storage.search(referrerQuery(ref, targetId, offset));
    for (const meta of page) ids.push(meta.resource_id);
    if (page.length < REFERRER_PAGE) return ids;
  }
}

/** The resource-id refs of every registered model that point at `target`. */
export function* refsTo(managers: Iterable<ResourceManager>, target: string): Iterable<[ResourceManager, RefInfo]> {
  for (const source of managers) {
    for (const ref of source.model.refs) if (ref.target === target && ref.refType === 'resource_id') yield [source, ref];
  }
}

/** `GET /{target}/{id}/referrers`: one group per source field with at least one live referrer. */
export async function findReferrers(managers: Iterable<ResourceManager>, target: ResourceManager, resourceId: string): Promise<ReferrerGroup[]> {
  const meta = await target.storage.getMeta(resourceId);
  if (!meta) throw new ResourceIDNotFoundError(resourceId, `${target.name} '${resourceId}' not found`);
  if (meta.is_deleted) throw new ResourceIsDeletedError(resourceId, `${target.name} '${resourceId}' not found`);
  const groups: ReferrerGroup[] = [];
  for (const [source, ref] of refsTo(managers, target.name)) {
    const ids = await referringIds(source, ref, resourceId);
    if (ids.length > 0) groups.push({ source: source.name, source_field: ref.field, ref_type: 'resource_id', on_delete: ref.onDelete, resource_ids: ids });
  }
  return groups;
}

/**
 * Refuses a delete that `restrict` refs forbid: live referrers through such a ref must go first.
 * Runs before the delete writes anything.
 */
export async function checkRestrict(managers: Iterable<ResourceManager>, target: string, resourceId: string): Promise<void> {
  const blocking: ReferrerGroup[] = [];
  for (const [source, ref] of refsTo(managers, target)) {
    if (ref.onDelete !== 'restrict') continue;
    const ids = await referringIds(source, ref, resourceId);
    if (ids.length > 0) blocking.push({ source: source.name, source_field: ref.field, ref_type: 'resource_id', on_delete: 'restrict', resource_ids: ids });
  }
  if (blocking.length > 0) throw new ReferenceRestrictError(resourceId, blocking);
}

/**
 * The referential actions after a soft delete of `resourceId`: cascade
 * soft-deletes live referrers (which may cascade further; already-deleted ones are skipped, so
 * cycles end), set_null clears the field (or removes the id from a list) through a new revision.
 * Every action runs as the triggering user at the triggering time.
 */
export async function applyOnDelete(managers: Iterable<ResourceManager>, target: string, resourceId: string, ctx: WriteContext): Promise<void> {
  for (const [source, ref] of refsTo(managers, target)) {
    if (ref.onDelete !== 'cascade' && ref.onDelete !== 'set_null') continue;
    for (const id of await referringIds(source, ref, resourceId)) {
      if (ref.onDelete === 'cascade') {
        // A referrer deleted meanwhile (by an earlier step of the same cascade) needs nothing more.
        const meta = await source.storage.getMeta(id);
        if (meta && !meta.is_deleted) await source.delete(id, ctx);
        continue;
      }
      const { data } = await source.get(id);
      const current = (data as Record<string, unknown>)[ref.field];
      const value = Array.isArray(current) ? current.filter((item) => item !== resourceId) : null;
      await source.patch(id, [{ op: 'replace', path: `/${escapePointer(ref.field)}`, value }], ctx);
    }
  }
}

function escapePointer(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * `validateRefs`: every resource-id ref in written data must name an existing, live resource of
 * its target model (refs to unregistered models are not checked; they only warn at startup).
 */
export class RefExistenceChecker implements IConstraintChecker {
  constructor(
    private readonly refs: readonly RefInfo[],
    private readonly lookup: ManagerLookup,
  ) {}

  async check(data: unknown): Promise<void> {
    if (typeof data !== 'object' || data === null) return;
    const record = data as Record<string, unknown>;
    for (const ref of this.refs) {
      if (ref.refType !== 'resource_id') continue;
      const target = this.lookup(ref.target);
      if (!target) continue;
      const value = record[ref.field];
      const ids = Array.isArray(value) ? value : [value];
      for (const id of ids) {
        if (typeof id !== 'string') continue;
        const meta: ResourceMeta | undefined = await target.storage.getMeta(id);
        if (!meta || meta.is_deleted) throw new InvalidReferenceError(ref.field, ref.target, id);
      }
    }
  }

  dataRelevantChanged(current: unknown, next: unknown): boolean {
    const a = (current ?? {}) as Record<string, unknown>;
    const b = (next ?? {}) as Record<string, unknown>;
    return this.refs.some((ref) => JSON.stringify(a[ref.field]) !== JSON.stringify(b[ref.field]));
  }
}
