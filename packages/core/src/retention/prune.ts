import { NotSupportedError, ResourceIDNotFoundError, type ResourceMeta } from '@specstar/interfaces';
import type { ResourceManager } from '../manager';
import type { QueryInput } from '../search';
import { searchInPages } from '../search/pages';
import { checkPruneRetention, type CheckedRetention, type RetentionPolicy } from './policy';
import { pinnedRevisionIds } from './pins';

/** Why a revision survived a prune (the first reason that applies, in this order). */
export type KeptReason = 'current' | 'pinned' | 'keep_last' | 'keep_newer_than' | 'dump_running';

export interface PruneOptions {
  /** Report what would be pruned without deleting anything. */
  dryRun?: boolean;
  /** This call's policy instead of the model's `retention`. */
  retention?: RetentionPolicy;
  /** The clock `keepNewerThan` is measured against (default: now). */
  now?: Date;
}

export interface PruneResult {
  /** Revisions removed (or, with dryRun, that would be). */
  pruned: number;
  /** Revisions kept, by reason. */
  kept: Partial<Record<KeptReason, number>>;
  /** Resources examined. */
  resources: number;
  dryRun: boolean;
}

/** What the registry gives a manager for pruning. */
export interface RetentionSettings {
  /** The model's checked `retention` option, when it has one. */
  policy?: CheckedRetention;
  /** Every manager of the registry (revision refs of any model pin revisions). */
  managers: () => Iterable<ResourceManager>;
  /** Whether a dump of the registry is in flight. */
  dumpRunning: () => boolean;
}

const QUERY_PAGE = 1000;

async function* targetMetas(rm: ResourceManager, target: string | QueryInput): AsyncGenerator<ResourceMeta> {
  if (typeof target === 'string') {
    const meta = await rm.storage.getMeta(target);
    if (!meta) throw new ResourceIDNotFoundError(target, `${rm.name} '${target}' not found`);
    yield meta;
    return;
  }
  // Prune writes no meta, so offset pages stay stable; the query's own limit and offset are ignored.
  yield* searchInPages(rm.storage, { ...rm.query(target), offset: 0, limit: Number.MAX_SAFE_INTEGER }, QUERY_PAGE);
}

async function createdTime(rm: ResourceManager, resourceId: string, revisionId: string): Promise<Date | undefined> {
  const [version] = await rm.storage.listSchemaVersions(resourceId, revisionId);
  if (version === undefined) return undefined;
  return (await rm.storage.getRevisionInfo(resourceId, revisionId, version))?.created_time;
}

/**
 * Applies a retention policy to one resource (an id) or to every match of a query. Never removes
 * the current revision (read again just before each delete, so a concurrent switch to an old
 * revision is seen), a revision pinned by a revision ref, or anything while a dump runs. The
 * meta is not written: `total_revision_count` keeps counting revisions ever created, so new
 * revision ids never reuse a pruned one.
 */
export async function pruneRevisions(rm: ResourceManager, settings: RetentionSettings | undefined, target: string | QueryInput, options: PruneOptions = {}): Promise<PruneResult> {
  const policy = options.retention !== undefined ? checkPruneRetention(options.retention) : settings?.policy;
  if (policy === undefined) throw new NotSupportedError(`Model '${rm.name}' has no retention policy: pass addModel(…, { retention }) or prune(…, { retention })`);
  const dryRun = options.dryRun === true;
  if (!dryRun && rm.storage.deleteRevision === undefined) throw new NotSupportedError(`The storage of '${rm.name}' cannot delete revisions (capability revisionDelete)`);
  const pinned = await pinnedRevisionIds(settings?.managers() ?? [rm], rm.name);
  const now = (options.now ?? new Date()).getTime();
  const result: PruneResult = { pruned: 0, kept: {}, resources: 0, dryRun };
  const keep = (reason: KeptReason): void => {
    result.kept[reason] = (result.kept[reason] ?? 0) + 1;
  };
  for await (const meta of targetMetas(rm, target)) {
    result.resources++;
    const ids = await rm.storage.listRevisions(meta.resource_id);
    for (let i = 0; i < ids.length; i++) {
      const revisionId = ids[i]!;
      if (revisionId === meta.current_revision_id) keep('current');
      else if (pinned.has(revisionId)) keep('pinned');
      else if (policy.keepLast !== undefined && i >= ids.length - policy.keepLast) keep('keep_last');
      else if (policy.keepNewerThanMs !== undefined && (await isNewer(rm, meta.resource_id, revisionId, now - policy.keepNewerThanMs))) keep('keep_newer_than');
      else if (!dryRun && settings?.dumpRunning() === true) keep('dump_running');
      else if (!dryRun && (await rm.storage.getMeta(meta.resource_id))?.current_revision_id === revisionId) keep('current'); // switched to meanwhile
      else {
        if (!dryRun) await rm.storage.deleteRevision!(meta.resource_id, revisionId);
        result.pruned++;
      }
    }
  }
  return result;
}

async function isNewer(rm: ResourceManager, resourceId: string, revisionId: string, since: number): Promise<boolean> {
  const created = await createdTime(rm, resourceId, revisionId);
  return created !== undefined && new Date(created).getTime() > since;
}
