/**
 * Keeps the local copy of a meta database and its object in the bucket in step:
 *
 *   load     GET at start; no object → an empty database
 *   write    applied in the copy's open transaction (LocalMetaCopy), remembered as pending
 *   upload   PUT of the whole database, conditional on the ETag we last loaded or wrote
 *            (If-Match; If-None-Match: * while there is no object), unless locking is off;
 *            success commits the transaction, the new ETag becomes ours
 *   conflict the transaction is rolled back: the copy is the last synced state again. With
 *            auto-reload: GET the object, redo the pending writes on it (each re-checks its
 *            expectation and unique claims; a refused one is dropped with its error), upload
 *            again, a bounded number of times. Otherwise MetaSyncConflictError.
 *
 * Every method here runs under the store's write lock.
 */
import type { SqliteMetaTable } from '@specstar/storage-sql';
import { MetaSyncConflictError } from './meta-errors';
import type { LocalMetaCopy } from './meta-local';
import type { MetaObject } from './meta-object';

/** One write waiting in the open transaction, redone on a reloaded copy after a conflict. */
export interface PendingWrite {
  redo(table: SqliteMetaTable): unknown;
  /** What the last run returned. */
  result: unknown;
  /** Set when the write was refused on a reloaded copy (it is then no longer pending). */
  refusal?: unknown;
  resourceId?: string;
}

export interface SyncPolicy {
  /** Conditional PUTs (enable_locking). */
  locking: boolean;
  /** Reload and redo on a conflict (auto_reload_on_conflict). */
  reloadOnConflict: boolean;
  /** Uploads after the first conflict before giving up. */
  retries: number;
}

export class MetaSync {
  /** The ETag of the object as of our last load or upload; null when there was no object. */
  etag: string | null = null;
  readonly pending: PendingWrite[] = [];
  /** Set by a conflict given up on: the object moved, so the next operation reloads first. */
  stale = false;

  constructor(
    readonly local: LocalMetaCopy,
    readonly object: MetaObject,
    private readonly policy: SyncPolicy,
  ) {}

  /** Applies a write to the copy. A write that changed nothing is not kept pending. */
  apply(write: PendingWrite, changed: (result: unknown) => boolean): void {
    let kept = false;
    try {
      write.result = this.local.apply((table) => write.redo(table));
      kept = changed(write.result);
    } finally {
      if (kept) this.pending.push(write);
      else if (this.pending.length === 0) this.local.rollback(); // no transaction left open for nothing
    }
  }

  /** Replaces the copy with the object when its ETag moved (nothing pending). */
  async reload(): Promise<void> {
    const read = await this.object.read(this.etag);
    this.stale = false;
    if (read === 'unchanged') return;
    if (read === 'absent') {
      if (this.etag !== null) this.local.replace(undefined);
      this.etag = null;
      return;
    }
    this.local.replace(read.bytes);
    this.etag = read.etag;
  }

  /** Drops the pending writes: the copy is the last synced state again. */
  discard(): void {
    this.local.rollback();
    this.pending.length = 0;
  }

  /**
   * Uploads the pending writes (see the file comment). Rejects with MetaSyncConflictError or the
   * error of the request; `keepOnFailure` leaves them pending after an error that is not a
   * conflict (a batched sync retries later), else they are rolled back. Resolves to the writes
   * refused when they were redone on a reloaded copy.
   */
  async upload(keepOnFailure: boolean): Promise<PendingWrite[]> {
    const refused: PendingWrite[] = [];
    for (let attempt = 0; this.pending.length > 0; attempt++) {
      const image = this.local.image();
      try {
        const etag = await this.object.write(image, this.policy.locking ? this.etag : undefined, this.pending[0]?.resourceId);
        this.local.commit();
        this.etag = etag;
        this.pending.length = 0;
        return refused;
      } catch (error) {
        const conflict = error instanceof MetaSyncConflictError;
        if (!conflict && keepOnFailure) throw error;
        const writes = this.pending.splice(0);
        this.local.rollback();
        if (!conflict) throw error;
        if (!this.policy.reloadOnConflict || attempt >= this.policy.retries) {
          this.stale = true;
          throw new MetaSyncConflictError(this.object.bucket.name, this.object.key, attempt > 0, writes[0]?.resourceId);
        }
        await this.reload();
        refused.push(...this.redo(writes));
      }
    }
    return refused;
  }

  /** Runs the writes again on the reloaded copy; those refused now carry their refusal. */
  private redo(writes: PendingWrite[]): PendingWrite[] {
    const refused: PendingWrite[] = [];
    for (const write of writes) {
      try {
        this.apply(write, () => true);
      } catch (refusal) {
        write.refusal = refusal;
        refused.push(write);
      }
    }
    return refused;
  }
}
