import { MigrationError, type ResourceMeta } from '@specstar/interfaces';
import type { ResourceManager } from '../manager';
import type { QueryInput } from '../search';
import { searchInPages } from '../search/pages';

/** What happened to one resource (or one of its revisions) in a bulk migration. */
export interface MigrateOutcome {
  resource_id: string;
  /** The revision migrated; null when the call chose the current revision. */
  revision_id: string | null;
  /** `skipped`: the current revision was already at the target version (nothing to do). */
  status: 'success' | 'failed' | 'skipped';
  /** The resource's schema version before the call. */
  from_version: string | null;
  /** The failure's message; null unless `failed`. */
  error: string | null;
}

export interface MigrateManyProgress {
  /** Outcomes so far (resources, or revisions with `revisions: 'all'`). */
  done: number;
  /** Resources chosen (known before the first outcome). */
  resources: number;
  success: number;
  failed: number;
  skipped: number;
  /** The outcome just reported. */
  outcome: MigrateOutcome;
}

export interface MigrateManyOptions {
  /** Which resources: these ids, or the matches of a query (its limit and offset apply), or — neither given — every resource of the model, deleted included. */
  resourceIds?: string[];
  query?: QueryInput;
  /** `current` (default): each current revision, skipped when already at the target; `all`: every revision; else that revision id. */
  revisions?: string;
  /** Convert in memory (a failing step is reported as it would fail) and write nothing. */
  dryRun?: boolean;
  /** Called after each outcome, in order; a returned promise is awaited (a stream's back-pressure). */
  onProgress?: (progress: MigrateManyProgress) => void | Promise<void>;
}

export interface MigrateManyResult {
  /** The target schema version. */
  version: string | null;
  dryRun: boolean;
  total: number;
  success: number;
  failed: number;
  skipped: number;
  errors: Array<{ resource_id: string; revision_id: string | null; error: string }>;
}

const QUERY_PAGE = 1000;
const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The chosen resources' ids, collected before anything is written (a migration changes metas a search may page over). */
async function chosenIds(rm: ResourceManager, options: MigrateManyOptions): Promise<string[]> {
  if (options.resourceIds !== undefined) return [...options.resourceIds];
  const ids: string[] = [];
  if (options.query === undefined) {
    for await (const meta of rm.storage.iterMetas()) ids.push(meta.resource_id);
    return ids;
  }
  for await (const meta of searchInPages(rm.storage, rm.query(options.query), QUERY_PAGE)) ids.push(meta.resource_id);
  return ids;
}

async function migrateOne(rm: ResourceManager, meta: ResourceMeta, revisionId: string | null, target: string | null, dryRun: boolean): Promise<MigrateOutcome> {
  const outcome = { resource_id: meta.resource_id, revision_id: revisionId, from_version: meta.schema_version };
  if (revisionId === null && meta.schema_version === target) return { ...outcome, status: 'skipped', error: null };
  try {
    await rm.migrate(meta.resource_id, revisionId === null ? { dryRun } : { revisionId, dryRun });
    return { ...outcome, status: 'success', error: null };
  } catch (error) {
    return { ...outcome, status: 'failed', error: errorText(error) };
  }
}

/**
 * Migrates many resources, one at a time, reporting each outcome through `onProgress`: a
 * failure is reported and the run goes on; re-runs skip what is already at the target, so they
 * are idempotent. The model must have a migration (MigrationError otherwise, before anything runs).
 */
export async function migrateMany(rm: ResourceManager, options: MigrateManyOptions = {}): Promise<MigrateManyResult> {
  if (!rm.migration?.hasMigration) throw new MigrationError(`Migration is not set for model '${rm.name}'`);
  if (options.resourceIds !== undefined && options.query !== undefined) throw new MigrationError('Pass resourceIds or a query, not both');
  if (options.revisions === '') throw new MigrationError("revisions must be 'current', 'all' or a revision id");
  const target = rm.migration.version;
  const dryRun = options.dryRun === true;
  const ids = await chosenIds(rm, options);
  const result: MigrateManyResult = { version: target, dryRun, total: 0, success: 0, failed: 0, skipped: 0, errors: [] };
  const report = async (outcome: MigrateOutcome): Promise<void> => {
    result.total++;
    result[outcome.status]++;
    if (outcome.status === 'failed') result.errors.push({ resource_id: outcome.resource_id, revision_id: outcome.revision_id, error: outcome.error ?? '' });
    const { total: done, success, failed, skipped } = result;
    await options.onProgress?.({ done, resources: ids.length, success, failed, skipped, outcome });
  };
  const choice = options.revisions ?? 'current';
  for (const id of ids) {
    let meta: ResourceMeta;
    let revisionIds: Array<string | null>;
    try {
      meta = await rm.getMeta(id, { includeDeleted: true });
      revisionIds = choice === 'current' ? [null] : choice === 'all' ? await rm.listRevisionIds(id) : [choice];
    } catch (error) {
      await report({ resource_id: id, revision_id: null, status: 'failed', from_version: null, error: errorText(error) });
      continue;
    }
    for (const revisionId of revisionIds) await report(await migrateOne(rm, meta, revisionId, target, dryRun));
  }
  return result;
}
