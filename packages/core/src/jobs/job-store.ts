import {
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionMismatchError,
  RevisionStatus,
  TaskStatus,
  type DataSearchCondition,
  type Job,
  type JobStore,
  type Resource,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type RevisionInfo,
} from '@specstar/interfaces';
import { lookupScope } from '../context';

const where = (field_path: string, operator: 'eq' | 'lte', value: unknown): DataSearchCondition => ({ type: 'DataSearchCondition', field_path, operator, value, transform: null });
import type { KnownState, ResourceManager } from '../manager';

/** Who and when a queue write is stamped with: the consumer's scope, else the job's submitter and the wall clock. */
export interface JobWriter {
  user: string;
  now: Date;
}

/** Lost races and vanished jobs: the expected ways a compare-and-set state change does not happen. */
export function isLostRace(error: unknown): boolean {
  return error instanceof RevisionMismatchError || error instanceof ResourceIDNotFoundError || error instanceof ResourceIsDeletedError;
}

/**
 * The job model's storage as queues see it (the JobStore contract) plus the state writes the
 * runner makes. Every state change is a manager write, so job history is the revision list and
 * events, permissions and indexes apply as to any write.
 */
export class ManagerJobStore<T = unknown> implements JobStore<T> {
  /** Metas of the last pending search, for the claim that follows it. */
  private readonly seen = new Map<string, ResourceMeta>();
  /** Jobs this store claimed and has not written an outcome for: the state the claim left. */
  private readonly claimed = new Map<string, KnownState>();

  constructor(readonly manager: ResourceManager<Job<T>>) {}

  get resourceName(): string {
    return this.manager.name;
  }

  writer(submitter: string): JobWriter {
    const scope = lookupScope(this.manager);
    return { user: scope.user ?? submitter, now: scope.now ?? new Date() };
  }

  async get(resourceId: string): Promise<Resource<Job<T>> | null> {
    try {
      return await this.manager.get(resourceId);
    } catch (error) {
      if (error instanceof ResourceIDNotFoundError || error instanceof ResourceIsDeletedError) return null;
      throw error;
    }
  }

  /** The live meta, or null. */
  async meta(resourceId: string): Promise<ResourceMeta | null> {
    const meta = await this.manager.storage.getMeta(resourceId);
    return meta && !meta.is_deleted ? meta : null;
  }

  async pendingIds(limit: number): Promise<string[]> {
    const metas = await this.metasWhere([where('status', 'eq', TaskStatus.PENDING)], limit, [
      { type: 'data', field_path: 'retries', direction: '+' },
      { type: 'meta', key: 'created_time', direction: '+' },
    ]);
    // The claim that usually follows starts from these metas instead of reading them again.
    this.seen.clear();
    for (const meta of metas) this.seen.set(meta.resource_id, meta);
    return metas.map((meta) => meta.resource_id);
  }

  async dueIds(now: Date, limit: number): Promise<string[]> {
    const metas = await this.metasWhere([where('status', 'eq', TaskStatus.COMPLETED), where('next_run_at', 'lte', now.toISOString())], limit, [
      { type: 'data', field_path: 'next_run_at', direction: '+' },
    ]);
    return metas.map((meta) => meta.resource_id);
  }

  /** Ids of jobs in `status`, all of them (paged). */
  async idsInStatus(status: TaskStatus): Promise<string[]> {
    const out: string[] = [];
    const page = 500;
    for (let offset = 0; ; offset += page) {
      const metas = await this.manager.searchResources(this.query([where('status', 'eq', status)], page, offset));
      for (const meta of metas) out.push(meta.resource_id);
      if (metas.length < page) return out;
    }
  }

  private metasWhere(conditions: ResourceMetaSearchQuery['conditions'], limit: number, sorts: ResourceMetaSearchQuery['sorts']): Promise<ResourceMeta[]> {
    return this.manager.searchResources({ ...this.query(conditions, limit, 0), sorts });
  }

  private query(conditions: ResourceMetaSearchQuery['conditions'], limit: number, offset: number): ResourceMetaSearchQuery {
    return { is_deleted: false, conditions, limit, offset };
  }

  async claim(resourceId: string, options: { requirePending?: boolean; accept?: (job: Resource<Job<T>>) => boolean } = {}): Promise<Resource<Job<T>> | null> {
    const seen = this.seen.get(resourceId);
    this.seen.delete(resourceId);
    const state = await this.read(resourceId, seen);
    if (!state) return null;
    const { meta, job } = state;
    if ((options.requirePending ?? true) && job.data.status !== TaskStatus.PENDING) return null;
    if (options.accept !== undefined && !options.accept(job)) return null;
    const who = this.writer(meta.created_by);
    const data: Job<T> = { ...job.data, status: TaskStatus.PROCESSING, last_heartbeat_at: who.now.toISOString(), next_run_at: null };
    try {
      const written = await this.manager.updateKnown({ meta, current: job.info }, data, { status: RevisionStatus.draft, ...who });
      this.claimed.set(resourceId, { meta: written.meta, current: written.info });
      return { info: written.info, data };
    } catch (error) {
      if (isLostRace(error)) return null;
      throw error;
    }
  }

  /** The live job with its meta, starting from a meta already at hand when there is one. */
  private async read(resourceId: string, known?: ResourceMeta): Promise<{ meta: ResourceMeta; job: Resource<Job<T>> } | null> {
    const meta = known ?? (await this.manager.storage.getMeta(resourceId));
    if (!meta || meta.is_deleted) return null;
    const stored = await this.manager.storage.getRevision(resourceId, meta.current_revision_id, meta.schema_version);
    if (!stored) return known ? this.read(resourceId) : null; // a search result may be outdated
    return { meta, job: { info: stored.info, data: this.manager.decodeData(stored.data) } };
  }

  async release(resourceId: string): Promise<boolean> {
    const job = await this.get(resourceId);
    if (!job || job.data.status !== TaskStatus.COMPLETED || job.data.next_run_at == null) return false;
    if (Date.parse(job.data.next_run_at) > Date.now()) return false;
    return (await this.change(job, { status: TaskStatus.PENDING, next_run_at: null })) !== null;
  }

  async fail(resourceId: string, errmsg: string, retries?: number): Promise<void> {
    const job = await this.get(resourceId);
    if (!job) return;
    await this.change(job, { status: TaskStatus.FAILED, errmsg, ...(retries !== undefined && { retries }) }, false);
  }

  /**
   * Writes `fields` over the job as a new stable revision. With `expectCurrent` (default) it is
   * a compare-and-set on the revision `job` was read at and returns null when that lost.
   */
  async change(job: Resource<Job<T>>, fields: Partial<Job<T>>, expectCurrent = true): Promise<RevisionInfo | null> {
    const id = job.info.resource_id;
    const claimed = this.claimed.get(id);
    this.claimed.delete(id);
    const data = { ...job.data, ...fields };
    try {
      // A job this store claimed: write over the state the claim left (compare-and-set on it).
      if (claimed && expectCurrent && claimed.current.revision_id === job.info.revision_id) {
        return (await this.manager.updateKnown(claimed, data, { status: RevisionStatus.stable, ...this.writer(claimed.meta.created_by) })).info;
      }
      const meta = await this.meta(id);
      if (!meta) return null;
      return await this.manager.update(id, data, {
        status: RevisionStatus.stable,
        ...(expectCurrent && { expectRevisionId: job.info.revision_id }),
        ...this.writer(meta.created_by),
      });
    } catch (error) {
      if (isLostRace(error)) return null;
      throw error;
    }
  }

  /** Stamps the heartbeat on the draft in place (no new revision); false when the job is no longer processing. */
  async heartbeat(resourceId: string): Promise<boolean> {
    const job = await this.get(resourceId);
    if (!job || job.data.status !== TaskStatus.PROCESSING) return false;
    const meta = this.claimed.get(resourceId)?.meta ?? (await this.meta(resourceId));
    const who = this.writer(meta?.created_by ?? 'system');
    await this.manager.modify(resourceId, { data: { ...job.data, last_heartbeat_at: who.now.toISOString() } }, { expectRevisionId: job.info.revision_id, ...who });
    return true;
  }
}
