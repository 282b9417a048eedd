import {
  CannotModifyResourceError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionIDNotFoundError,
  RevisionStatus,
  ValidationError,
  type EventContext,
  type ResourceMeta,
  type RevisionInfo,
  type StorageWrite,
} from '@specstar/interfaces';
import type { OperationContext } from '../context';
import { infoRecord } from '../record-shapes';
import { checkResourceId, newUuid } from '../ids';
import { anyRelevantChange, runCheckers } from '../constraints';
import { applyJsonPatch, applyMergePatch } from '../patch';
import type { EncodedData } from './base';
import { runAfterCreate, runPrepareSteps } from './pipeline';
import { ManagerReads } from './reads';
import type { CreateOptions, KnownState, KnownUpdate, ModifyInput, PatchOptions, UpdateOptions } from './types';

// Shared, never mutated: create's expectation.
const EXPECT_ABSENT = Object.freeze({ absent: true as const });

const STATUSES: ReadonlySet<string> = new Set(Object.values(RevisionStatus));

function checkStatus(status: unknown): RevisionStatus | undefined {
  if (status === undefined) return undefined;
  if (typeof status !== 'string' || !STATUSES.has(status)) {
    throw new ValidationError(`status must be 'draft' or 'stable', got ${JSON.stringify(status)}`, {
      kind: 'input',
      issues: [{ path: 'status', message: "must be 'draft' or 'stable'" }],
    });
  }
  return status as RevisionStatus;
}

/** The write pipeline: create, update, modify, patch. */
export class ManagerWrites<T = unknown> extends ManagerReads<T> {
  create(data: unknown, options: CreateOptions = {}): Promise<RevisionInfo> {
    // Not `async`: validation errors still reject, but the hot path skips a promise layer.
    try {
      const op = this.context('create', options);
      const status = checkStatus(options.status) ?? this.settings.defaultStatus;
      const prepared = this.prepare(data);
      if (this.handlers.length === 0) return this.createPrepared(prepared, status, op, undefined);
      const fields: Record<string, unknown> = { data: prepared };
      if (options.status !== undefined) fields.status = options.status;
      return this.evented('create', op, fields, 'info', (before) => this.createPrepared(prepared, status, op, before));
    } catch (error) {
      // oxlint-disable-next-line typescript/prefer-promise-reject-errors -- rejects with the caught value unchanged.
      return Promise.reject(error);
    }
  }

  /** The body of create once the data is prepared; `before` is the before-event when handlers ran. */
  protected createPrepared(prepared: unknown, status: RevisionStatus, op: OperationContext, before: EventContext | undefined): Promise<RevisionInfo> {
    const resourceId = this.newResourceId(op.resourceId);
    const value = this.afterHandlers(before, prepared);
    if (this.checkers.length > 0 || this.prepareSteps.length > 0 || this.afterCreateHooks.length > 0) {
      return this.createChecked(resourceId, status, value, op);
    }
    const encoding = this.encode(value);
    return encoding instanceof Promise
      ? encoding.then((encoded) => this.insertNew(resourceId, status, encoded, op))
      : this.insertNew(resourceId, status, encoding, op);
  }

  /**
   * Create through the whole pipeline: prepare-value steps, constraint checks (a failing
   * post-check removes the new resource again), then the after-create hooks.
   */
  protected async createChecked(resourceId: string, status: RevisionStatus, prepared: unknown, op: OperationContext): Promise<RevisionInfo> {
    const value = await this.prepareValue(prepared, op, undefined);
    await runCheckers(this.checkers, value, null);
    const info = await this.insertNew(resourceId, status, await this.encode(value), op);
    await this.postCheck(value, resourceId, () => this.storage.purgeResource(resourceId));
    if (this.afterCreateHooks.length === 0) return info;
    return runAfterCreate(this.afterCreateHooks, { manager: this, info, data: value, op });
  }

  /** Runs the prepare-value steps; `current` is the meta being replaced (its blobs the write may keep). */
  protected prepareValue(value: unknown, op: OperationContext, current: ResourceMeta | undefined): unknown {
    if (this.prepareSteps.length === 0) return value;
    return runPrepareSteps(this.prepareSteps, value, { manager: this, op, current });
  }

  /** Writes revision :1 and the meta of a new resource; the id must still be free. */
  protected insertNew(resourceId: string, status: RevisionStatus, encoded: EncodedData, op: OperationContext): Promise<RevisionInfo> {
    const user = op.user;
    const now = op.now;
    const revisionId = `${resourceId}:1`;
    // Both literals list their fields in the canonical order of record-shapes.ts (one hidden class).
    const info: RevisionInfo = {
      uid: newUuid(),
      resource_id: resourceId,
      revision_id: revisionId,
      parent_revision_id: null,
      parent_schema_version: undefined,
      schema_version: this.schemaVersion,
      data_hash: encoded.hash,
      status,
      created_time: now,
      updated_time: now,
      created_by: user,
      updated_by: user,
    };
    const meta: ResourceMeta = {
      current_revision_id: revisionId,
      resource_id: resourceId,
      schema_version: this.schemaVersion,
      total_revision_count: 1,
      created_time: now,
      updated_time: now,
      created_by: user,
      updated_by: user,
      is_deleted: false,
      indexed_data: this.index(encoded.value),
      rev_status: status,
      rev_created_by: user,
      rev_updated_by: user,
      rev_created_time: now,
      rev_updated_time: now,
    };
    const write: StorageWrite = { revision: { info, data: encoded.bytes }, meta, expect: EXPECT_ABSENT };
    if (this.uniqueClaims.length > 0) write.unique = this.uniqueClaims;
    return this.storage.commit(write).then(() => info);
  }

  async update(resourceId: string, data: unknown, options: UpdateOptions = {}): Promise<RevisionInfo> {
    return (await this.updateWith(resourceId, undefined, data, options)).info;
  }

  /**
   * @internal An update over a meta and current revision the caller already holds (the job
   * queue's state writes), saving their two reads: the commit still compares-and-sets on
   * `known.meta.current_revision_id`. Resolves to the written (or unchanged) revision and the
   * meta now stored.
   */
  updateKnown(known: KnownState, data: unknown, options: UpdateOptions = {}): Promise<KnownUpdate> {
    return this.updateWith(known.meta.resource_id, known, data, options);
  }

  private async updateWith(resourceId: string, known: KnownState | undefined, data: unknown, options: UpdateOptions): Promise<KnownUpdate> {
    const op = this.context('update', options);
    const status = checkStatus(options.status) ?? this.settings.defaultStatus;
    const prepared = this.prepare(data);
    const fields: Record<string, unknown> = { resource_id: resourceId, data: prepared };
    if (options.status !== undefined) fields.status = options.status;
    let stored: ResourceMeta | undefined;
    const info = await this.evented('update', op, fields, 'revision_info', async (before) => {
      const meta = known?.meta ?? (await this.getMetaWith(resourceId, false, op));
      if (meta.is_deleted) throw new ResourceIsDeletedError(resourceId);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      const current = known?.current ?? (await this.currentInfo(meta));
      stored = meta;
      const value = await this.prepareValue(this.afterHandlers(before, prepared), op, meta);
      const encoded = await this.encode(value);
      if (encoded.hash === current.data_hash) return current;
      await runCheckers(this.checkers, value, resourceId);
      const user = op.user;
      const info: RevisionInfo = infoRecord({
        uid: newUuid(),
        resource_id: resourceId,
        revision_id: `${resourceId}:${meta.total_revision_count + 1}`,
        parent_revision_id: meta.current_revision_id,
        schema_version: this.schemaVersion,
        data_hash: encoded.hash,
        status,
        created_time: op.now,
        updated_time: op.now,
        created_by: user,
        updated_by: user,
      });
      const next = this.nextMeta(meta, info, this.index(encoded.value), op);
      await this.commitNext(meta, next, info, encoded.bytes);
      stored = next;
      // The new revision stays as an orphan record if the post-check undoes the update.
      await this.postCheck(value, resourceId, async () => {
        await this.storage.commit({ meta, expect: { current_revision_id: info.revision_id } });
        stored = meta;
      });
      return info;
    });
    return { info, meta: stored! };
  }

  /** Update, or create with exactly this id when it does not exist. A soft-deleted id is not recreated. */
  async createOrUpdate(resourceId: string, data: unknown, options: CreateOptions = {}): Promise<RevisionInfo> {
    checkResourceId(resourceId);
    try {
      return await this.update(resourceId, data, options);
    } catch (error) {
      if (!(error instanceof ResourceIDNotFoundError) || error instanceof ResourceIsDeletedError) throw error;
      return this.create(data, { ...options, resourceId });
    }
  }

  /**
   * In-place change of the current revision: new data (full value or RFC 6902 operations) on a
   * draft, and/or a status change. A stable revision is only editable together with
   * `status: 'draft'`, which re-opens it.
   */
  async modify(resourceId: string, input: ModifyInput = {}, options: UpdateOptions = {}): Promise<RevisionInfo> {
    const op = this.context('modify', options);
    const status = checkStatus(input.status);
    // A model whose root is an array takes arrays as data; otherwise an array is a patch.
    const isPatch = Array.isArray(input.data) && this.model.schema.type !== 'array';
    const prepared = input.data === undefined || isPatch ? input.data : this.prepare(input.data);
    const fields: Record<string, unknown> = { resource_id: resourceId };
    if (prepared !== undefined) fields.data = prepared;
    if (status !== undefined) fields.status = status;
    return this.evented('modify', op, fields, 'revision_info', async (before) => {
      const meta = await this.getMetaWith(resourceId, false, op);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      const current = await this.currentInfo(meta);
      const data = before ? before.data : prepared;
      if (data === undefined) {
        if (status === undefined || status === current.status) return current;
        return this.changeStatus(meta, current, status, op);
      }
      if (current.status !== RevisionStatus.draft && status !== RevisionStatus.draft) throw new CannotModifyResourceError(resourceId);
      let value: unknown;
      let currentData: unknown;
      if (isPatch || this.checkers.length > 0) {
        currentData = (await this.getWith(resourceId, { revisionId: meta.current_revision_id, schemaVersion: meta.schema_version }, op)).data;
      }
      if (isPatch) {
        value = this.prepare(applyJsonPatch(currentData, data));
      } else {
        value = this.afterHandlers(before, prepared);
      }
      value = await this.prepareValue(value, op, meta);
      const encoded = await this.encode(value);
      if (encoded.hash === current.data_hash) {
        // Unchanged data with a different status is still a status change (port decision).
        return status === undefined || status === current.status ? current : this.changeStatus(meta, current, status, op);
      }
      const user = op.user;
      const info: RevisionInfo = infoRecord({
        ...current,
        uid: newUuid(),
        schema_version: this.schemaVersion,
        data_hash: encoded.hash,
        status: status ?? current.status,
        updated_time: op.now,
        updated_by: user,
      });
      info.parent_schema_version = undefined;
      if (this.checkers.length === 0 || !anyRelevantChange(this.checkers, currentData, value)) {
        return this.commitCurrent(meta, info, encoded.bytes, this.index(encoded.value), op);
      }
      await runCheckers(this.checkers, value, resourceId);
      // The draft is edited in place, so undoing it needs the record it replaces.
      const previous = await this.storage.getRevision(resourceId, current.revision_id, meta.schema_version);
      await this.commitCurrent(meta, info, encoded.bytes, this.index(encoded.value), op);
      await this.postCheck(value, resourceId, () =>
        this.storage.commit({ ...(previous && { revision: previous }), meta, expect: { current_revision_id: meta.current_revision_id } }),
      );
      return info;
    });
  }

  /** Status-only change: same bytes and hash under a new record; no draft check, no validation. */
  protected async changeStatus(meta: ResourceMeta, current: RevisionInfo, status: RevisionStatus, op: OperationContext): Promise<RevisionInfo> {
    const stored = await this.storage.getRevision(meta.resource_id, current.revision_id, meta.schema_version);
    if (!stored) throw new RevisionIDNotFoundError(meta.resource_id, current.revision_id);
    const user = op.user;
    const info: RevisionInfo = infoRecord({ ...current, uid: newUuid(), schema_version: this.schemaVersion, status, updated_time: op.now, updated_by: user });
    return this.commitCurrent(meta, info, stored.data, meta.indexed_data, op);
  }

  /**
   * Commits `info` as the current revision: a new revision id appends (the count grows), the
   * current one is replaced in place. The meta is stamped and mirrors the record.
   */
  protected async commitCurrent(
    meta: ResourceMeta,
    info: RevisionInfo,
    data: Uint8Array,
    indexedData: Record<string, unknown> | undefined,
    op: OperationContext,
  ): Promise<RevisionInfo> {
    await this.commitNext(meta, this.nextMeta(meta, info, indexedData, op), info, data);
    return info;
  }

  /** The meta that makes `info` current over `meta`, stamped by the operation. */
  protected nextMeta(meta: ResourceMeta, info: RevisionInfo, indexedData: Record<string, unknown> | undefined, op: OperationContext): ResourceMeta {
    const appended = info.revision_id !== meta.current_revision_id;
    return {
      current_revision_id: info.revision_id,
      resource_id: meta.resource_id,
      schema_version: this.schemaVersion,
      total_revision_count: meta.total_revision_count + (appended ? 1 : 0),
      created_time: meta.created_time,
      updated_time: op.now,
      created_by: meta.created_by,
      updated_by: info.updated_by,
      is_deleted: meta.is_deleted,
      indexed_data: indexedData,
      rev_status: info.status,
      rev_created_by: info.created_by,
      rev_updated_by: info.updated_by,
      rev_created_time: info.created_time,
      rev_updated_time: info.updated_time,
    };
  }

  /** Commits revision and meta, compare-and-set on the meta being replaced, with the unique claims that change. */
  private async commitNext(meta: ResourceMeta, next: ResourceMeta, info: RevisionInfo, data: Uint8Array): Promise<void> {
    const write: StorageWrite = { revision: { info, data }, meta: next, expect: { current_revision_id: meta.current_revision_id } };
    const unique = this.claims(meta.indexed_data, next.indexed_data);
    if (unique !== undefined) write.unique = unique;
    await this.storage.commit(write);
  }

  /**
   * Applies a patch to the current data: an RFC 6902 operation list, or an RFC 7386 merge patch
   * object. `mode: 'update'` (default) appends a revision; `modify` edits the draft in place.
   */
  async patch(resourceId: string, patch: unknown, options: PatchOptions = {}): Promise<RevisionInfo> {
    const op = this.context('patch', options);
    const format = options.format ?? (Array.isArray(patch) ? 'json-patch' : 'merge-patch');
    const ctx: UpdateOptions = { user: op.userIfKnown, now: op.now, status: options.status, expectRevisionId: options.expectRevisionId };
    return this.evented('patch', op, { resource_id: resourceId, patch_data: patch }, 'revision_info', async (before) => {
      const operations = before ? before.patch_data : patch;
      const current = await this.getWith(resourceId, {}, op);
      const patched = format === 'json-patch' ? applyJsonPatch(current.data, operations) : applyMergePatch(current.data, operations);
      if (options.mode === 'modify') return this.modify(resourceId, { data: patched, status: options.status }, ctx);
      return this.update(resourceId, patched, ctx);
    });
  }

}
