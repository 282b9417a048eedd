/**
 * S3SyncedMetaStore: a model's metas in a SQLite database whose durable copy is one object in
 * the bucket, with ETag optimistic locking (see meta-sync.ts). Reads and searches run on the local
 * copy through @specstar/storage-sql (the same table and push-down as the disk store).
 *
 * When writes reach the bucket:
 *   autoSync true, syncInterval 0 (default)  every write uploads before it resolves
 *   autoSync true, syncInterval n > 0        writes resolve once applied locally; uploads at most
 *                                            every n seconds, batched (a crash or a conflict can
 *                                            lose up to n seconds of acknowledged writes)
 *   autoSync false                           only sync() and close() upload
 */
import { inspect } from 'node:util';
import {
  ConfigurationError,
  type IMetaStore,
  type MetaCommit,
  type MetaExpectation,
  type MetaStoreCapabilities,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
} from '@specstar/interfaces';
import { SerialLock, checkResourceIdArgument } from '@specstar/core/adapter';
import { applyMetaCommit, encodedMetaRow, metaRefusal, type SqliteMetaTable } from '@specstar/storage-sql';
import { S3Bucket } from './bucket';
import type { S3ConnectionOptions } from './client';
import { LocalMetaCopy } from './meta-local';
import { MetaObject } from './meta-object';
import { MetaSync, type PendingWrite } from './meta-sync';

/** The name of a model's meta database object under its prefix (`<prefix><model>/meta.sqlite3`). */
export const META_OBJECT_NAME = 'meta.sqlite3';

/** How the meta store syncs (the backend config's `auto_sync`, `sync_interval`, … camel-cased). */
export interface MetaSyncOptions {
  /** Upload automatically (default true); false: only sync() and close() upload. */
  autoSync?: boolean;
  /** Seconds between batched uploads (default 0: every write uploads before it resolves). */
  syncInterval?: number;
  /** Conditional PUTs on the ETag (default true); false: the last writer wins. */
  enableLocking?: boolean;
  /** On a conflict, reload the object and redo the writes (default false: MetaSyncConflictError). */
  autoReloadOnConflict?: boolean;
  /** Reads HEAD the object and reload it when its ETag moved (default true). */
  checkEtagOnRead?: boolean;
  /** Uploads retried after a conflict with autoReloadOnConflict (default 3). */
  conflictRetries?: number;
  /** Where the local copy's directory is made (default: the system temp dir). */
  localDir?: string;
  /** Failures of batched uploads, and batched writes refused when redone (default: a process warning). */
  onSyncError?: (error: unknown) => void;
}

export interface S3SyncedMetaStoreOptions extends S3ConnectionOptions, MetaSyncOptions {
  /** The object holding the database (S3StorageFactory and the provider use `<prefix><model>/meta.sqlite3`). */
  key: string;
}

const changedAlways = (): boolean => true;
const changedWhenTrue = (result: unknown): boolean => result === true;

export class S3SyncedMetaStore implements IMetaStore {
  readonly capabilities: MetaStoreCapabilities;
  readonly bucket: string;
  readonly key: string;
  private readonly state: MetaSync;
  private readonly lock = new SerialLock();
  private readonly immediate: boolean;
  private readonly autoSync: boolean;
  private readonly syncIntervalMs: number;
  private readonly checkEtagOnRead: boolean;
  private readonly onSyncError: ((error: unknown) => void) | undefined;
  private started: Promise<void> | undefined;
  /** Writes waiting for or holding the lock: reads do not reload under them. */
  private writers = 0;
  /** Set while an acknowledged-on-upload write is being uploaded: reads wait for it. */
  private settling: Promise<void> | undefined;
  private reloading: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(options: S3SyncedMetaStoreOptions) {
    if (typeof options.key !== 'string' || options.key === '' || options.key.endsWith('/')) {
      throw new ConfigurationError(`The S3 meta store needs an object key, got ${JSON.stringify(options.key)}`);
    }
    const interval = options.syncInterval ?? 0;
    if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
      throw new ConfigurationError(`syncInterval must be a number of seconds ≥ 0, got ${JSON.stringify(interval)}`);
    }
    const bucket = new S3Bucket(options);
    this.bucket = bucket.name;
    this.key = options.key;
    this.autoSync = options.autoSync ?? true;
    this.syncIntervalMs = interval * 1000;
    this.immediate = this.autoSync && interval === 0;
    this.checkEtagOnRead = options.checkEtagOnRead ?? true;
    this.onSyncError = options.onSyncError;
    const locking = options.enableLocking ?? true;
    // Across processes a create or a claim is only decided by the conditional upload of that very write.
    const crossProcess = locking && this.immediate;
    this.capabilities = { search: true, compareAndSet: true, createIfAbsent: crossProcess, batchWrite: true, atomicUnique: crossProcess };
    this.state = new MetaSync(new LocalMetaCopy(options.localDir, { bucket: bucket.name, key: options.key }), new MetaObject(bucket, options.key), {
      locking,
      reloadOnConflict: options.autoReloadOnConflict ?? false,
      retries: options.conflictRetries ?? 3,
    });
  }

  /** The ETag of the object as of the last load or upload (null: no object yet). */
  get etag(): string | null {
    return this.state.etag;
  }

  /** Writes applied locally and not uploaded yet. */
  get pendingWrites(): number {
    return this.state.pending.length;
  }

  // ---- reads -----------------------------------------------------------------------------

  async get(resourceId: string): Promise<ResourceMeta | undefined> {
    checkResourceIdArgument(resourceId);
    return (await this.readable()).getSync(resourceId);
  }

  async has(resourceId: string): Promise<boolean> {
    checkResourceIdArgument(resourceId);
    return (await this.readable()).hasSync(resourceId);
  }

  async size(): Promise<number> {
    return (await this.readable()).sizeSync();
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    return (await this.readable()).searchSync(query);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    return (await this.readable()).countSync(query);
  }

  /** Every id; read at once (a reload may replace the copy between two pages). */
  async *keys(): AsyncIterable<string> {
    const ids: string[] = [];
    for await (const id of (await this.readable()).keys()) ids.push(id);
    yield* ids;
  }

  /** Every meta, deleted ones included; read at once, as keys(). */
  async *values(): AsyncIterable<ResourceMeta> {
    const metas: ResourceMeta[] = [];
    for await (const meta of (await this.readable()).values()) metas.push(meta);
    yield* metas;
  }

  // ---- writes ----------------------------------------------------------------------------

  put(meta: ResourceMeta): Promise<void> {
    return this.write((table) => table.putSync(meta), changedAlways, meta?.resource_id);
  }

  delete(resourceId: string): Promise<boolean> {
    checkResourceIdArgument(resourceId);
    return this.write((table) => table.deleteSync(resourceId), changedWhenTrue, resourceId);
  }

  insert(meta: ResourceMeta): Promise<boolean> {
    return this.write((table) => table.insertSync(meta), changedWhenTrue, meta?.resource_id);
  }

  putIfCurrent(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    return this.write((table) => table.putIfCurrentSync(meta, expect), changedWhenTrue, meta?.resource_id);
  }

  putMany(metas: ResourceMeta[]): Promise<void> {
    return this.write((table) => table.putManySync(metas), changedAlways);
  }

  /**
   * Decides the write on the local copy, stores its payload (beforeWrite) with the decision held
   * in this process, then applies and uploads it. Another process's write since our copy was
   * loaded makes the upload conflict: MetaSyncConflictError, or with autoReloadOnConflict the
   * decision is made again on the reloaded copy (its refusal is the write's error; the payload
   * already stored stays unreferenced).
   */
  async commit(write: MetaCommit): Promise<void> {
    encodedMetaRow(write?.meta); // bad input is refused before anything is written
    await this.exclusive(async () => {
      const refused = metaRefusal(this.state.local.table, write);
      if (refused !== undefined) throw refused;
      await write.beforeWrite?.();
      await this.applyAndSync({ redo: (table) => applyMetaCommit(table, write), result: undefined, resourceId: write.meta.resource_id }, changedAlways);
    });
  }

  /** Uploads the pending writes now (batched or manual sync); rejects with why it could not. */
  sync(): Promise<void> {
    return this.exclusive(() => this.uploadBatch());
  }

  /** Drops the writes not uploaded yet and loads the object as it is in the bucket now. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      this.state.discard();
      await this.state.reload();
    });
  }

  /** Uploads what is pending, then removes the local copy. Rejects (after closing) when the upload fails. */
  async close(): Promise<void> {
    if (this.closed) return;
    clearTimeout(this.timer);
    let failure: unknown;
    const started = this.started;
    if (started !== undefined) {
      // A store never used has nothing to upload: closing it makes no request.
      try {
        await this.lock.run(async () => {
          await started.catch(() => undefined);
          await this.uploadBatch();
        });
      } catch (error) {
        failure = error;
      }
    }
    this.closed = true;
    this.state.local.close();
    this.state.object.bucket.close();
    if (failure !== undefined) throw failure;
  }

  // ---- internals -------------------------------------------------------------------------

  private start(): Promise<void> {
    this.started ??= this.state.reload().catch((error: unknown) => {
      this.started = undefined; // the next call tries again
      throw error;
    });
    return this.started;
  }

  private assertOpen(): void {
    if (this.closed) throw new ConfigurationError(`The meta store of s3://${this.bucket}/${this.key} is closed`);
  }

  /**
   * The copy, fresh for a read: with checkEtagOnRead a HEAD, and a reload when the ETag moved
   * (or a conflict said so) and no write of this process is pending or under way (those reconcile on upload, and a
   * read made by a commit's beforeWrite must not wait for that commit). Waits for an upload in
   * flight, so a read never sees a write that is not acknowledged.
   */
  private async readable(): Promise<SqliteMetaTable> {
    this.assertOpen();
    await this.start();
    if ((this.state.stale || this.checkEtagOnRead) && this.quiet()) {
      const moved = this.state.stale || (await this.state.object.head()) !== this.state.etag;
      if (moved && this.quiet()) {
        this.reloading ??= this.lock.run(() => this.state.reload()).finally(() => (this.reloading = undefined));
        await this.reloading;
      }
    }
    while (this.settling !== undefined) await this.settling;
    this.assertOpen();
    return this.state.local.table;
  }

  private quiet(): boolean {
    return this.writers === 0 && this.state.pending.length === 0;
  }

  /** Runs a write section under the lock, once the copy is loaded. */
  private async exclusive<T>(section: () => Promise<T>): Promise<T> {
    this.assertOpen();
    this.writers++;
    try {
      return await this.lock.run(async () => {
        this.assertOpen();
        await this.start();
        if (this.state.stale && this.state.pending.length === 0) await this.state.reload();
        return section();
      });
    } finally {
      this.writers--;
    }
  }

  private write<T>(redo: (table: SqliteMetaTable) => T, changed: (result: unknown) => boolean, resourceId?: string): Promise<T> {
    return this.exclusive(() => this.applyAndSync({ redo, result: undefined, resourceId }, changed) as Promise<T>);
  }

  private async applyAndSync(write: PendingWrite, changed: (result: unknown) => boolean): Promise<unknown> {
    this.state.apply(write, changed);
    if (!this.immediate) {
      this.schedule();
      return write.result;
    }
    const upload = this.state.upload(false);
    this.settling = upload.then(
      () => undefined,
      () => undefined,
    );
    try {
      await upload;
    } finally {
      this.settling = undefined;
    }
    if (write.refusal !== undefined) throw write.refusal;
    return write.result;
  }

  /** A batched upload: on failure the writes stay pending (retried next time) unless they conflicted. */
  private async uploadBatch(): Promise<void> {
    const refused = await this.state.upload(true);
    for (const write of refused) this.report(write.refusal);
  }

  private schedule(): void {
    if (!this.autoSync || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      (this.closed ? Promise.resolve() : this.sync()).catch((error: unknown) => {
        this.report(error);
        if (this.state.pending.length > 0) this.schedule();
      });
    }, this.syncIntervalMs);
    this.timer.unref();
  }

  private report(error: unknown): void {
    if (this.onSyncError !== undefined) this.onSyncError(error);
    else process.emitWarning(error instanceof Error ? error.message : String(error), { code: 'SPECSTAR_META_SYNC' });
  }

  /** Logs and REPLs see the bucket and key, never the client's credentials. */
  [inspect.custom](): string {
    return `S3SyncedMetaStore { bucket: '${this.bucket}', key: '${this.key}', etag: ${JSON.stringify(this.state.etag)} }`;
  }
}
