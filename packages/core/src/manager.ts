import {
  MigrationError,
  NotSupportedError,
  RevisionIDNotFoundError,
  RevisionNotMigratedError,
  type Binary,
  type EventContext,
  type ResourceMeta,
  type RevisionInfo,
  type SingleActionName,
} from '@specstar/interfaces';
import { dataHash } from './codec';
import { type OperationContext, runInScope, type ScopeValues } from './context';
import { infoRecord, metaRecord } from './record-shapes';
import { newUuid } from './ids';
import { runCheckers } from './constraints';
import { restoreBinaries } from './model';
import type { BlobWriteGuard } from './model';
import { ManagerJobs } from './manager/jobs';
import type { WriteContext } from './manager/types';
import { diffRevisions, type DiffReader, type JsonPatchOperation } from './manager/diff';
import { migrateMany, type MigrateManyOptions, type MigrateManyResult } from './manager/migrate-many';
import { pruneRevisions, type PruneOptions, type PruneResult } from './retention/prune';
import type { QueryInput } from './search';

export type {
  WriteContext,
  KnownState,
  KnownUpdate,
  CreateOptions,
  UpdateOptions,
  ModifyInput,
  PatchOptions,
  GetOptions,
  ReturnSection,
  ListOptions,
  ManagerSettings,
  DeleteIntegrity,
} from './manager/types';
export type { JsonPatchOperation } from './manager/diff';
export type { ChildJobSelection, ConsumeSelection } from './manager/jobs';
export type { AfterCreateHook, CreatedResource, PipelineManager, PrepareValueStep, WritePipeline, WriteStepContext } from './manager/pipeline';

function revisionMirror(info: RevisionInfo): Pick<ResourceMeta, 'rev_status' | 'rev_created_by' | 'rev_updated_by' | 'rev_created_time' | 'rev_updated_time'> {
  return {
    rev_status: info.status,
    rev_created_by: info.created_by,
    rev_updated_by: info.updated_by,
    rev_created_time: info.created_time,
    rev_updated_time: info.updated_time,
  };
}

/** A lifecycle write (switch, delete, restore, purge); `expectRevisionId` as in UpdateOptions (If-Match). */
export type LifecycleOptions = WriteContext & { expectRevisionId?: string };

/**
 * The per-model engine: every resource is a timeline of revisions behind one meta record.
 * All operations are async; writes resolve the acting user and clock once. Its parts are
 * layered: manager/base.ts (state, context, data pipeline, lookups), manager/reads.ts,
 * manager/writes.ts; this class adds scopes, the lifecycle (switch, delete, restore),
 * migration and blobs.
 */
export class ResourceManager<T = unknown> extends ManagerJobs<T> {
  /**
   * Opens a scope in which calls made directly on this manager, or through the `ops` proxy the
   * callback receives, see the given user/now/resourceId. The proxy re-applies exactly the
   * captured values on every call and refuses to work once the callback has finished.
   */
  async using<R>(values: ScopeValues, fn: (ops: ResourceManager<T>) => R | Promise<R>): Promise<R> {
    let active = true;
    const proxy = new Proxy(this, {
      get: (target, key, receiver) => {
        const member = Reflect.get(target, key, receiver);
        if (typeof member !== 'function') return member;
        if (key === 'using') {
          return () => {
            throw new Error('using() cannot be called on a scoped proxy');
          };
        }
        return (...args: unknown[]) => {
          if (!active) throw new Error(`the using() scope of '${this.name}' has ended; this proxy can no longer be used`);
          return runInScope(target, values, () => (member as (...a: unknown[]) => unknown).apply(target, args));
        };
      },
    });
    try {
      return await runInScope(this, values, () => fn(proxy));
    } finally {
      active = false;
    }
  }

  /**
   * @internal Runs `fn` inside this manager's event protocol as `action` (dump, load and other
   * operations implemented outside this class). `fields` are the action's context fields.
   */
  runAction<R>(action: SingleActionName, fields: Record<string, unknown>, resultField: string | undefined, fn: (before: EventContext | undefined) => Promise<R>): Promise<R> {
    return this.evented(action, this.readContext(action), fields, resultField, fn);
  }

  /**
   * The blob guard of a write by the scope's user, or undefined while blob access is unguarded.
   * Archive loads use it: they write stored records, not data that passes through the write pipeline.
   */
  blobWriteGuard(): BlobWriteGuard | undefined {
    const access = this.settings.blobAccess;
    if (!access?.enforced) return undefined;
    return access.writer(this.context('load', undefined).user, this.name);
  }

  /** Makes another revision current. Revision records are untouched; the count does not change. */
  async switch(resourceId: string, revisionId: string, options: LifecycleOptions = {}): Promise<ResourceMeta> {
    const op = this.context('switch', options);
    return this.evented('switch', op, { resource_id: resourceId, revision_id: revisionId }, 'meta', async () => {
      const meta = await this.getMetaWith(resourceId, false, op);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      if (revisionId === meta.current_revision_id) return meta;
      let version: string | null;
      if (this.migration?.hasMigration) {
        const stored = await this.findRevisionSchemaVersion(resourceId, revisionId);
        if (stored === undefined) throw new RevisionIDNotFoundError(resourceId, revisionId);
        if (stored !== meta.schema_version) throw new RevisionNotMigratedError(resourceId, revisionId, stored, meta.schema_version);
        version = stored;
      } else {
        version = meta.schema_version;
      }
      const target = await this.storage.getRevision(resourceId, revisionId, version);
      if (!target) throw new RevisionIDNotFoundError(resourceId, revisionId);
      const next: ResourceMeta = metaRecord({
        ...meta,
        current_revision_id: revisionId,
        updated_time: op.now,
        updated_by: op.user,
        ...revisionMirror(target.info),
      });
      const targetData = this.indexed.length > 0 || this.checkers.length > 0 ? this.decode(target.data) : undefined;
      if (this.indexed.length > 0) next.indexed_data = this.index(targetData);
      await runCheckers(this.checkers, targetData, resourceId);
      await this.storage.commit({ meta: next, expect: { current_revision_id: meta.current_revision_id }, unique: this.claims(meta.indexed_data, next.indexed_data) });
      await this.postCheck(targetData, resourceId, () => this.storage.commit({ meta, expect: { current_revision_id: revisionId } }));
      return next;
    });
  }

  /** Soft delete: the resource disappears from reads and live searches; revisions stay. */
  async delete(resourceId: string, options: LifecycleOptions = {}): Promise<ResourceMeta> {
    const op = this.context('delete', options);
    return this.evented('delete', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.getMetaWith(resourceId, false, op);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      const integrity = this.settings.integrity;
      if (integrity === undefined) return this.writeDeleted(meta, true, op);
      await integrity.beforeDelete(resourceId);
      const deleted = await this.writeDeleted(meta, true, op);
      await integrity.afterDelete(resourceId, { user: op.user, now: op.now });
      return deleted;
    });
  }

  /** Undoes a soft delete; a live resource is returned unchanged. */
  async restore(resourceId: string, options: LifecycleOptions = {}): Promise<ResourceMeta> {
    const op = this.context('restore', options);
    return this.evented('restore', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.metaOrThrow(resourceId);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      if (!meta.is_deleted) return meta;
      if (this.checkers.length === 0) return this.writeDeleted(meta, false, op);
      const stored = await this.storage.getRevision(resourceId, meta.current_revision_id, meta.schema_version);
      if (!stored) throw new RevisionIDNotFoundError(resourceId, meta.current_revision_id);
      const data = this.decode(stored.data);
      await runCheckers(this.checkers, data, resourceId);
      const restored = await this.writeDeleted(meta, false, op);
      await this.postCheck(data, resourceId, () => this.storage.commit({ meta, expect: { current_revision_id: meta.current_revision_id } }));
      return restored;
    });
  }

  /** Sets the soft-delete flag, stamping who and when; the revisions are untouched. */
  private async writeDeleted(meta: ResourceMeta, isDeleted: boolean, op: OperationContext): Promise<ResourceMeta> {
    const next = metaRecord({ ...meta, is_deleted: isDeleted, updated_time: op.now, updated_by: op.user });
    // Coming back to life claims the unique values again; a delete frees them.
    await this.storage.commit({ meta: next, expect: { current_revision_id: meta.current_revision_id }, unique: isDeleted ? undefined : this.claims(undefined, next.indexed_data) });
    return next;
  }

  /** Hard delete of the meta and every revision record; returns the meta as it was. Blobs stay. */
  async permanentlyDelete(resourceId: string, options: LifecycleOptions = {}): Promise<ResourceMeta> {
    const op = this.context('permanentlyDelete', options);
    return this.evented('permanently_delete', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.metaOrThrow(resourceId);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      await this.storage.purgeResource(resourceId);
      return meta;
    });
  }
  // ---- retention -----------------------------------------------------------------------

  /**
   * Removes the revisions the retention policy (the model's, or `options.retention`) lets go, of
   * one resource or of every match of a query. Keeps the current revision, revisions pinned by a
   * revision ref of any model, and everything while a dump runs; reports `{ pruned, kept }`.
   */
  prune(idOrQuery: string | QueryInput, options: PruneOptions = {}): Promise<PruneResult> {
    return pruneRevisions(this, this.settings.retention, idOrQuery, options);
  }

  // ---- migration -----------------------------------------------------------------------

  /**
   * Converts stored data to the manager's schema version: the current revision (updating the
   * meta and its indexed data) or a given older revision (meta untouched). Timestamps stay; the
   * migrated record gets a new uid and the old-version record is kept. `dryRun` converts in
   * memory (a failing step throws as it would) and writes nothing.
   */
  async migrate(resourceId: string, options: { revisionId?: string; dryRun?: boolean } = {}): Promise<ResourceMeta> {
    const migration = this.migration;
    if (!migration?.hasMigration) throw new MigrationError(`Migration is not set for model '${this.name}'`);
    const fields: Record<string, unknown> = { resource_id: resourceId };
    if (options.revisionId !== undefined) fields.revision_id = options.revisionId;
    if (options.dryRun === true) fields.dry_run = true;
    return this.evented('migrate', this.readContext('migrate'), fields, 'meta', async () => {
      const meta = await this.metaOrThrow(resourceId);
      const target = migration.version;
      const isCurrent = options.revisionId === undefined || options.revisionId === meta.current_revision_id;
      const revisionId = options.revisionId ?? meta.current_revision_id;
      const version = isCurrent && options.revisionId === undefined ? meta.schema_version : await this.findRevisionSchemaVersion(resourceId, revisionId);
      if (version === undefined) throw new RevisionIDNotFoundError(resourceId, revisionId);
      const stored = await this.storage.getRevision(resourceId, revisionId, version);
      if (!stored) throw new RevisionIDNotFoundError(resourceId, revisionId);
      if (stored.info.schema_version === target) return meta;
      const migrated = this.prepare(await migration.migrate(stored.data, stored.info.schema_version, this.codec));
      const bytes = this.codec.encode(migrated);
      if (options.dryRun === true) return meta;
      const info: RevisionInfo = infoRecord({
        ...stored.info,
        uid: newUuid(),
        parent_schema_version: stored.info.schema_version,
        schema_version: target,
        data_hash: dataHash(bytes),
      });
      if (!isCurrent) {
        await this.storage.saveRevision(info, bytes);
        return meta;
      }
      const next: ResourceMeta = metaRecord({ ...meta, schema_version: target, indexed_data: this.index(migrated) });
      await this.storage.commit({ revision: { info, data: bytes }, meta: next, expect: { current_revision_id: meta.current_revision_id } });
      return next;
    });
  }

  /**
   * Migrates many resources (given ids, a query's matches, or all of the model) one at a time;
   * each outcome goes to `onProgress`, a failure is reported without stopping, and what is
   * already at the target is skipped. Serves the CLI's `migrate` and the HTTP migrate routes.
   */
  migrateMany(options: MigrateManyOptions = {}): Promise<MigrateManyResult> {
    return migrateMany(this, options);
  }

  // ---- diffs ---------------------------------------------------------------------------

  /**
   * RFC 6902 operations turning revision `fromRevisionId` (default: the parent of `to`) into
   * `toRevisionId` (default: the current one); sides at another schema version are migrated
   * in memory first. Read-checked like `get`; see manager/diff.ts.
   */
  diff(resourceId: string, fromRevisionId?: string, toRevisionId?: string, options: { includeDeleted?: boolean } = {}): Promise<JsonPatchOperation[]> {
    return diffRevisions(this.diffReader(resourceId, options.includeDeleted ?? false), resourceId, fromRevisionId, toRevisionId);
  }

  private diffReader(resourceId: string, includeDeleted: boolean): DiffReader {
    const op = this.readContext('get');
    return {
      currentRevisionId: async () => (await this.getMetaWith(resourceId, includeDeleted, op)).current_revision_id,
      read: (revisionId) => this.getWith(resourceId, { revisionId, includeDeleted }, op),
      migrated: async ({ info, data }) => {
        const migration = this.migration;
        if (!migration?.hasMigration || info.schema_version === migration.version) return data;
        const stored = await this.storage.getRevision(resourceId, info.revision_id, info.schema_version);
        if (!stored) throw new RevisionIDNotFoundError(resourceId, info.revision_id);
        // Through the codec, so both sides compare in their stored (decoded) form.
        return this.decode(this.codec.encode(this.prepare(await migration.migrate(stored.data, info.schema_version, this.codec))));
      },
    };
  }

  // ---- blobs ---------------------------------------------------------------------------

  async getBlob(fileId: string): Promise<Binary> {
    if (!this.blobStore) throw new NotSupportedError(`Model '${this.name}' has no blob store`);
    return this.blobStore.get(fileId);
  }

  /** The data with every Binary's bytes filled in from the blob store (reads never carry them). */
  async restoreBinary(data: T): Promise<T> {
    if (!this.model.hasBinary || !this.blobStore) return data;
    return (await restoreBinaries(data, this.model, this.blobStore)) as T;
  }
}
