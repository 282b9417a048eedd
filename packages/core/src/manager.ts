import {
  CannotModifyResourceError,
  MigrationError,
  NotSupportedError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionIDNotFoundError,
  RevisionMismatchError,
  RevisionNotMigratedError,
  RevisionStatus,
  ValidationError,
  type EventContext,
  type IBlobStore,
  type IConstraintChecker,
  type IEventHandler,
  type IStorage,
  type IndexableField,
  type Resource,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type RevisionInfo,
  type SearchedResource,
  type SingleActionName,
  type StorageWrite,
  type Binary,
  type Validator,
} from '@specstar/interfaces';
import { type DataCodec, dataHash } from './codec';
import { OperationContext, runInScope, type ScopeValues } from './context';
import { runEvented } from './events';
import { infoRecord, metaRecord } from './records';
import { checkResourceId, newUuid, PrefixedUuids } from './ids';
import { anyRelevantChange, changedFields, runCheckers } from './constraints';
import { type CompiledModel, collectFileIds, indexExtractor, type IndexExtractor, restoreBinaries } from './model';
import type { BlobAccess, BlobWriteGuard } from './model';
import { applyJsonPatch, applyMergePatch } from './patch';
import { type Schema, runValidator } from './schema';
import { normalizeQuery, projectPartial, type QueryInput } from './search';

/** Who and when, accepted as the last argument of every write. */
export type WriteContext = ScopeValues;

export interface CreateOptions extends WriteContext {
  status?: RevisionStatus;
}

export interface UpdateOptions extends WriteContext {
  status?: RevisionStatus;
  /** Refuse the write (RevisionMismatchError) unless this is the current revision (If-Match). */
  expectRevisionId?: string;
}

export interface ModifyInput {
  /** A full value, or an RFC 6902 operation list applied to the current data. */
  data?: unknown;
  status?: RevisionStatus;
}

export interface PatchOptions extends UpdateOptions {
  /** `update` appends a revision (default); `modify` edits the current draft in place. */
  mode?: 'update' | 'modify';
  /** Forces the patch format; by default an array is RFC 6902 and an object is a merge patch. */
  format?: 'json-patch' | 'merge-patch';
}

export interface GetOptions {
  revisionId?: string;
  schemaVersion?: string | null;
  includeDeleted?: boolean;
}

export type ReturnSection = 'data' | 'info' | 'meta';

export interface ListOptions {
  returns?: ReturnSection[];
  partial?: string[];
}

/** Everything a manager is built from; the registry assembles it from its own and per-model options. */
export interface ManagerSettings {
  name: string;
  model: CompiledModel;
  codec: DataCodec;
  storage: IStorage;
  blobStore?: IBlobStore;
  migration?: Schema;
  indexedFields: IndexableField[];
  idGenerator?: () => string;
  defaultStatus: RevisionStatus;
  defaultUser?: string | (() => string);
  defaultNow?: () => Date;
  strictOperationContext: boolean;
  eventHandlers: IEventHandler[];
  validator?: Validator;
  defaultQueryLimit?: number;
  /** Constraint checkers run before and after create/update/modify/switch/restore (core-semantics §7.2). */
  constraintCheckers?: IConstraintChecker[];
  /** Unique fields the storage enforces inside commit (it has `atomicUnique`). */
  uniqueClaims?: readonly string[];
  /** Moves Binary bytes into the blob store; runs on written data before encoding (core-semantics §6.2). */
  storeBinaries?: (value: unknown, guard?: BlobWriteGuard) => Promise<unknown>;
  /** Who may reference which blobs; consulted only while a permission checker guards the registry. */
  blobAccess?: BlobAccess;
  /** Referential integrity around soft deletes (core-semantics §7.3), supplied by the registry. */
  integrity?: DeleteIntegrity;
}

/** What the registry does around a soft delete of one of this model's resources. */
export interface DeleteIntegrity {
  /** Throws (writing nothing) when `restrict` refs forbid the delete. */
  beforeDelete(resourceId: string): Promise<void>;
  /** Runs the cascade / set_null actions as the deleting user at the deleting time. */
  afterDelete(resourceId: string, ctx: WriteContext): Promise<void>;
}

// Shared, never mutated: create's expectation.
const EXPECT_ABSENT = Object.freeze({ absent: true as const });

const STATUSES: ReadonlySet<string> = new Set(Object.values(RevisionStatus));
const RETURN_SECTIONS: ReadonlySet<string> = new Set(['data', 'info', 'meta']);
// Fetching the items of a page runs with bounded concurrency; order always follows the search.
const LIST_FETCH_CONCURRENCY = 16;

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

function revisionMirror(info: RevisionInfo): Pick<ResourceMeta, 'rev_status' | 'rev_created_by' | 'rev_updated_by' | 'rev_created_time' | 'rev_updated_time'> {
  return {
    rev_status: info.status,
    rev_created_by: info.created_by,
    rev_updated_by: info.updated_by,
    rev_created_time: info.created_time,
    rev_updated_time: info.updated_time,
  };
}

/** A lookup result as a checked read sees it: absent and soft-deleted resources are not found. */
function checkedMeta(resourceId: string, meta: ResourceMeta | undefined, includeDeleted: boolean): ResourceMeta {
  if (!meta) throw new ResourceIDNotFoundError(resourceId);
  if (meta.is_deleted && !includeDeleted) throw new ResourceIsDeletedError(resourceId);
  return meta;
}

/** Encoded data of one write, with the hash that decides whether anything changed. */
interface EncodedData {
  value: unknown;
  bytes: Uint8Array;
  hash: string;
}

/**
 * The per-model engine: every resource is a timeline of revisions behind one meta record.
 * All operations are async; writes resolve the acting user and clock once.
 */
export class ResourceManager<T = unknown> {
  readonly name: string;
  readonly model: CompiledModel;
  readonly storage: IStorage;
  readonly blobStore: IBlobStore | undefined;
  readonly migration: Schema | undefined;
  private readonly codec: DataCodec;
  private readonly settings: ManagerSettings;
  private readonly handlers: IEventHandler[];
  private indexed: IndexableField[];
  private extractIndex: IndexExtractor;
  private readonly checkers: IConstraintChecker[];
  private readonly uniqueClaims: readonly string[];
  /** Default resource ids, `<name>:<uuid4>`. */
  private readonly freshIds: PrefixedUuids;

  constructor(settings: ManagerSettings) {
    this.settings = settings;
    this.name = settings.name;
    this.model = settings.model;
    this.codec = settings.codec;
    this.storage = settings.storage;
    this.blobStore = settings.blobStore;
    this.migration = settings.migration;
    this.handlers = [...settings.eventHandlers];
    this.indexed = [...settings.indexedFields];
    this.extractIndex = indexExtractor(this.indexed, this.model);
    this.checkers = [...(settings.constraintCheckers ?? [])];
    this.uniqueClaims = settings.uniqueClaims ?? [];
    this.freshIds = new PrefixedUuids(`${settings.name}:`);
  }

  /** Data encoding of stored payloads (also what data_hash is computed over). */
  get encoding(): DataCodec['encoding'] {
    return this.codec.encoding;
  }

  /** The schema version new writes are stamped with; null without a Schema. */
  get schemaVersion(): string | null {
    return this.migration?.version ?? null;
  }

  /** Whether writes without an explicit or scoped user fall back to a configured default user. */
  get hasDefaultUser(): boolean {
    return this.settings.defaultUser !== undefined;
  }

  /** Whether writes without an explicit or scoped clock fall back to a configured defaultNow. */
  get hasDefaultNow(): boolean {
    return this.settings.defaultNow !== undefined;
  }

  get indexedFields(): readonly IndexableField[] {
    return this.indexed;
  }

  /** Adds an indexed field; one whose path is already indexed is ignored. Existing metas refresh on their next write. */
  addIndexedField(field: IndexableField): void {
    if (this.indexed.some((f) => f.field_path === field.field_path)) return;
    this.indexed = [...this.indexed, field];
    this.extractIndex = indexExtractor(this.indexed, this.model);
  }

  /** Adds a constraint checker; it runs after those already registered. */
  addConstraintChecker(checker: IConstraintChecker): void {
    this.checkers.push(checker);
  }

  addEventHandler(handler: IEventHandler): void {
    this.handlers.push(handler);
  }

  // ---- context -------------------------------------------------------------------------

  private context(method: string, explicit: WriteContext | undefined): OperationContext {
    return OperationContext.resolve(this, method, explicit, {
      defaultUser: this.settings.defaultUser,
      defaultNow: this.settings.defaultNow,
      strict: this.settings.strictOperationContext,
    });
  }

  /** Reads take no context; events still carry user/now when they resolve. */
  private readContext(method: string): OperationContext | undefined {
    if (this.handlers.length === 0) return undefined;
    try {
      return OperationContext.resolve(this, method, undefined, {
        defaultUser: this.settings.defaultUser,
        defaultNow: this.settings.defaultNow,
        strict: false,
      });
    } catch {
      return undefined;
    }
  }

  private evented<R>(
    action: SingleActionName,
    op: OperationContext | undefined,
    fields: Record<string, unknown>,
    resultField: string | undefined,
    run: (before: EventContext | undefined) => Promise<R>,
  ): Promise<R> {
    if (this.handlers.length === 0) return run(undefined);
    return runEvented(
      this.handlers,
      { action, resourceName: this.name, user: op?.userIfKnown, now: op?.now, fields, resultField },
      run,
    );
  }

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

  /** Decodes stored data bytes (this model's encoding) into the plain form. */
  decodeData(bytes: Uint8Array): T {
    return this.decode(bytes);
  }

  // ---- data pipeline -------------------------------------------------------------------

  /** Defaults and type validation; the value the operation will persist. */
  private prepare(data: unknown): unknown {
    return this.model.prepare(data);
  }

  /** Encode, run the validator, hash (core-semantics §1.6). Synchronous when there is no validator. */
  private encode(value: unknown): EncodedData | Promise<EncodedData> {
    const bytes = this.codec.encode(value);
    const encoded: EncodedData = { value, bytes, hash: dataHash(bytes) };
    const validator = this.settings.validator ?? this.migration?.validator;
    return validator === undefined ? encoded : runValidator(validator, value).then(() => encoded);
  }

  /** Re-validates when before-handlers had a chance to change the data. */
  private afterHandlers(before: EventContext | undefined, prepared: unknown): unknown {
    if (!before) return prepared;
    const data = before.data;
    if (data !== prepared) return this.prepare(data);
    this.model.validate(data);
    return data;
  }

  private decode(bytes: Uint8Array): T {
    return this.codec.decode(bytes) as T;
  }

  private index(value: unknown): Record<string, unknown> {
    return this.indexed.length === 0 ? {} : this.extractIndex(value);
  }

  private newResourceId(explicit: string | undefined): string {
    if (explicit !== undefined) return checkResourceId(explicit);
    if (this.settings.idGenerator) return checkResourceId(this.settings.idGenerator());
    return this.freshIds.next();
  }

  // ---- lookups -------------------------------------------------------------------------

  /** Unchecked lookup: deleted metas allowed, no events. */
  private async metaOrThrow(resourceId: string): Promise<ResourceMeta> {
    const meta = await this.storage.getMeta(resourceId);
    if (!meta) throw new ResourceIDNotFoundError(resourceId);
    return meta;
  }

  private async currentInfo(meta: ResourceMeta): Promise<RevisionInfo> {
    const info = await this.storage.getRevisionInfo(meta.resource_id, meta.current_revision_id, meta.schema_version);
    if (!info) throw new RevisionIDNotFoundError(meta.resource_id, meta.current_revision_id);
    return info;
  }

  /**
   * The schema version to read a revision under: the one the manager writes when the revision is
   * stored there, else the greatest stored version (null only when that is all there is).
   */
  async findRevisionSchemaVersion(resourceId: string, revisionId: string): Promise<string | null | undefined> {
    const versions = await this.storage.listSchemaVersions(resourceId, revisionId);
    if (versions.length === 0) return undefined;
    if (versions.includes(this.schemaVersion)) return this.schemaVersion;
    let best: string | null = null;
    for (const v of versions) if (v !== null && (best === null || v > best)) best = v;
    return best;
  }

  // ---- reads ---------------------------------------------------------------------------

  async exists(resourceId: string): Promise<boolean> {
    return this.storage.exists(resourceId);
  }

  async revisionExists(resourceId: string, revisionId: string): Promise<boolean> {
    const meta = await this.storage.getMeta(resourceId);
    if (!meta) return false;
    return this.storage.revisionExists(resourceId, revisionId, meta.schema_version);
  }

  async getMeta(resourceId: string, options: { includeDeleted?: boolean } = {}): Promise<ResourceMeta> {
    return this.getMetaWith(resourceId, options.includeDeleted ?? false, this.readContext('getMeta'));
  }

  private getMetaWith(resourceId: string, includeDeleted: boolean, op: OperationContext | undefined): Promise<ResourceMeta> {
    if (this.handlers.length === 0) return this.storage.getMeta(resourceId).then((meta) => checkedMeta(resourceId, meta, includeDeleted));
    return this.evented('get_meta', op, { resource_id: resourceId }, 'meta', async () =>
      checkedMeta(resourceId, await this.storage.getMeta(resourceId), includeDeleted),
    );
  }

  /** The current revision, or the given one. Soft-deleted resources are not found unless includeDeleted. */
  get(resourceId: string, options: GetOptions = {}): Promise<Resource<T>> {
    try {
      return this.getWith(resourceId, options, this.readContext('get'));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private getWith(resourceId: string, options: GetOptions, op: OperationContext | undefined): Promise<Resource<T>> {
    if (this.handlers.length === 0 && options.revisionId === undefined && options.schemaVersion === undefined) {
      // The common read, without event plumbing: the current revision under the meta's version.
      return this.getMetaWith(resourceId, options.includeDeleted ?? false, undefined).then((meta) =>
        this.storage.getRevision(resourceId, meta.current_revision_id, meta.schema_version).then((stored) => {
          if (!stored) throw new RevisionIDNotFoundError(resourceId, meta.current_revision_id);
          return { info: stored.info, data: this.decode(stored.data) };
        }),
      );
    }
    const fields: Record<string, unknown> = { resource_id: resourceId };
    if (options.revisionId !== undefined) fields.revision_id = options.revisionId;
    if (options.schemaVersion !== undefined) fields.schema_version = options.schemaVersion;
    return this.evented('get', op, fields, 'resource', async () => {
      let { revisionId, schemaVersion } = options;
      if (revisionId === undefined || schemaVersion === undefined) {
        const meta = await this.getMetaWith(resourceId, options.includeDeleted ?? false, op);
        if (revisionId === undefined) {
          revisionId = meta.current_revision_id;
          schemaVersion ??= meta.schema_version;
        } else if (schemaVersion === undefined) {
          // An older revision may still be stored only under the version it was written with.
          const stored = await this.storage.revisionExists(resourceId, revisionId, meta.schema_version);
          schemaVersion = stored ? meta.schema_version : await this.findRevisionSchemaVersion(resourceId, revisionId);
          if (schemaVersion === undefined) throw new RevisionIDNotFoundError(resourceId, revisionId);
        }
      }
      return this.getRevisionWith(resourceId, revisionId, schemaVersion, op);
    });
  }

  /** Any revision, deleted resources included (audit access). */
  async getResourceRevision(resourceId: string, revisionId: string, options: { schemaVersion?: string | null } = {}): Promise<Resource<T>> {
    return this.getRevisionWith(resourceId, revisionId, options.schemaVersion, this.readContext('getResourceRevision'));
  }

  private getRevisionWith(
    resourceId: string,
    revisionId: string,
    schemaVersion: string | null | undefined,
    op: OperationContext | undefined,
  ): Promise<Resource<T>> {
    const fields: Record<string, unknown> = { resource_id: resourceId, revision_id: revisionId };
    if (schemaVersion !== undefined) fields.schema_version = schemaVersion;
    return this.evented('get_resource_revision', op, fields, 'resource', async () => {
      const version = schemaVersion !== undefined ? schemaVersion : (await this.metaOrThrow(resourceId)).schema_version;
      const stored = await this.storage.getRevision(resourceId, revisionId, version);
      if (!stored) throw new RevisionIDNotFoundError(resourceId, revisionId);
      return { info: stored.info, data: this.decode(stored.data) };
    });
  }

  /** The revision record only; the current one when no revision id is given (checked lookup). */
  async getRevisionInfo(resourceId: string, revisionId?: string): Promise<RevisionInfo> {
    if (revisionId === undefined) return this.currentInfo(await this.getMeta(resourceId));
    const version = await this.findRevisionSchemaVersion(resourceId, revisionId);
    const info = version === undefined ? undefined : await this.storage.getRevisionInfo(resourceId, revisionId, version);
    if (!info) {
      if (!(await this.storage.exists(resourceId))) throw new ResourceIDNotFoundError(resourceId);
      throw new RevisionIDNotFoundError(resourceId, revisionId);
    }
    return info;
  }

  /** Only the requested branches of a revision's data (core-semantics §2.4.6). */
  async getPartial(resourceId: string, revisionId: string, paths: string[], options: { schemaVersion?: string | null } = {}): Promise<Record<string, unknown>> {
    const version = options.schemaVersion !== undefined ? options.schemaVersion : (await this.metaOrThrow(resourceId)).schema_version;
    const stored = await this.storage.getRevision(resourceId, revisionId, version);
    if (!stored) throw new RevisionIDNotFoundError(resourceId, revisionId);
    return projectPartial(this.decode(stored.data), paths);
  }

  /** Revision ids in store order (deleted resources included). */
  async listRevisionIds(resourceId: string): Promise<string[]> {
    return this.evented('list_revisions', this.readContext('listRevisions'), { resource_id: resourceId }, 'revisions', async () => {
      await this.metaOrThrow(resourceId);
      return this.storage.listRevisions(resourceId);
    });
  }

  /** Every revision record of the resource, in store order. */
  async listRevisions(resourceId: string): Promise<RevisionInfo[]> {
    const ids = await this.listRevisionIds(resourceId);
    const infos = await Promise.all(
      ids.map(async (revisionId) => {
        const version = await this.findRevisionSchemaVersion(resourceId, revisionId);
        return version === undefined ? undefined : this.storage.getRevisionInfo(resourceId, revisionId, version);
      }),
    );
    return infos.filter((info): info is RevisionInfo => info !== undefined);
  }

  // ---- search --------------------------------------------------------------------------

  /** Turns a builder or a wire-form query object into a checked query. */
  query(input?: QueryInput): ResourceMetaSearchQuery {
    return normalizeQuery(input, { dateTimeFields: this.model.dateTimePaths, defaultLimit: this.settings.defaultQueryLimit });
  }

  async searchResources(input?: QueryInput): Promise<ResourceMeta[]> {
    const query = this.query(input);
    return this.evented('search_resources', this.readContext('searchResources'), { query }, 'results', () => this.storage.search(query));
  }

  /** Number of matches, ignoring limit and offset. Not evented, not permission-checked. */
  async count(input?: QueryInput): Promise<number> {
    return this.storage.count(this.query(input));
  }

  /**
   * Search, then fetch the requested sections of each match. Items whose fetch fails are
   * dropped (core-semantics §2.4.8); order follows the search.
   */
  async listResources(input?: QueryInput, options: ListOptions = {}): Promise<SearchedResource<T>[]> {
    const returns = new Set<string>(options.returns ?? ['data', 'info', 'meta']);
    for (const r of returns) {
      if (!RETURN_SECTIONS.has(r)) {
        throw new ValidationError(`returns may only hold data, info and meta; got '${r}'`, { kind: 'input', issues: [{ path: 'returns', message: `unknown section '${r}'` }] });
      }
    }
    const partials: Record<ReturnSection, string[]> = { data: [], info: [], meta: [] };
    for (const raw of options.partial ?? []) {
      const path = raw.startsWith('/') ? raw.slice(1) : raw;
      const slash = path.indexOf('/');
      const head = slash < 0 ? path : path.slice(0, slash);
      if ((head === 'meta' || head === 'info' || head === 'data') && slash > 0) partials[head].push(path.slice(slash + 1));
      else partials.data.push(path);
    }
    const metas = await this.searchResources(input);
    const op = this.readContext('listResources');
    const fetchOne = async (meta: ResourceMeta): Promise<SearchedResource<T> | undefined> => {
      try {
        const item: SearchedResource<T> = {};
        let info: RevisionInfo | undefined;
        if (returns.has('data')) {
          if (partials.data.length > 0) {
            item.data = await this.getPartial(meta.resource_id, meta.current_revision_id, partials.data, { schemaVersion: meta.schema_version });
          } else {
            const resource = await this.getWith(meta.resource_id, { revisionId: meta.current_revision_id, schemaVersion: meta.schema_version }, op);
            item.data = resource.data;
            info = resource.info;
          }
        }
        if (returns.has('info')) {
          info ??= await this.storage.getRevisionInfo(meta.resource_id, meta.current_revision_id, meta.schema_version);
          if (!info) return undefined;
          item.info = partials.info.length > 0 ? projectPartial(info, partials.info) : info;
        }
        if (returns.has('meta')) item.meta = partials.meta.length > 0 ? projectPartial(meta, partials.meta) : meta;
        return item;
      } catch {
        return undefined;
      }
    };
    const results: (SearchedResource<T> | undefined)[] = new Array(metas.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < metas.length) {
        const i = next++;
        results[i] = await fetchOne(metas[i]!);
      }
    };
    await Promise.all(Array.from({ length: Math.min(LIST_FETCH_CONCURRENCY, metas.length) }, worker));
    return results.filter((r): r is SearchedResource<T> => r !== undefined);
  }

  // ---- writes --------------------------------------------------------------------------

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
      return Promise.reject(error);
    }
  }

  /** The body of create once the data is prepared; `before` is the before-event when handlers ran. */
  private createPrepared(prepared: unknown, status: RevisionStatus, op: OperationContext, before: EventContext | undefined): Promise<RevisionInfo> {
    const resourceId = this.newResourceId(op.resourceId);
    const value = this.afterHandlers(before, prepared);
    if (this.checkers.length > 0 || this.settings.storeBinaries !== undefined) return this.createChecked(resourceId, status, value, op);
    const encoding = this.encode(value);
    return encoding instanceof Promise
      ? encoding.then((encoded) => this.insertNew(resourceId, status, encoded, op))
      : this.insertNew(resourceId, status, encoding, op);
  }

  /** Create with blob extraction and constraint checks; a failing post-check removes the new resource again. */
  private async createChecked(resourceId: string, status: RevisionStatus, prepared: unknown, op: OperationContext): Promise<RevisionInfo> {
    const value = await this.withBlobs(prepared, op);
    await runCheckers(this.checkers, value, null);
    const info = await this.insertNew(resourceId, status, await this.encode(value), op);
    await this.postCheck(value, resourceId, () => this.storage.purgeResource(resourceId));
    return info;
  }

  /** Moves new Binary bytes to the blob store; `current` is the meta being replaced, whose blobs the write may keep. */
  private withBlobs(value: unknown, op: OperationContext, current?: ResourceMeta): unknown {
    const store = this.settings.storeBinaries;
    if (!store) return value;
    const access = this.settings.blobAccess;
    if (!access?.enforced) return store(value);
    return store(value, access.writer(op.user, this.name, current && (() => this.referencedFileIds(current))));
  }

  /** The blobs the current revision of `meta` references, read straight from storage (no events: this is part of a write). */
  private async referencedFileIds(meta: ResourceMeta): Promise<ReadonlySet<string>> {
    const stored = await this.storage.getRevision(meta.resource_id, meta.current_revision_id, meta.schema_version);
    return new Set(stored ? collectFileIds(this.decode(stored.data), this.model) : []);
  }

  /**
   * The constraint post-check (core-semantics §7.2): catches what a concurrent writer changed
   * between the pre-check and the write. On failure it undoes this write, then rethrows.
   */
  private async postCheck(data: unknown, resourceId: string, compensate: () => Promise<unknown>): Promise<void> {
    if (this.checkers.length === 0) return;
    try {
      await runCheckers(this.checkers, data, resourceId);
    } catch (error) {
      await compensate();
      throw error;
    }
  }

  /** The unique fields a write must claim: those whose indexed value changes (all of them for a resource coming back to life). */
  private claims(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): readonly string[] | undefined {
    if (this.uniqueClaims.length === 0) return undefined;
    const changed = before === undefined ? this.uniqueClaims : changedFields(this.uniqueClaims, before, after);
    return changed.length > 0 ? changed : undefined;
  }

  /** Writes revision :1 and the meta of a new resource; the id must still be free. */
  private insertNew(resourceId: string, status: RevisionStatus, encoded: EncodedData, op: OperationContext): Promise<RevisionInfo> {
    const user = op.user;
    const now = op.now;
    const revisionId = `${resourceId}:1`;
    // Both literals list their fields in the canonical order of records.ts (one hidden class).
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
    const op = this.context('update', options);
    const status = checkStatus(options.status) ?? this.settings.defaultStatus;
    const prepared = this.prepare(data);
    const fields: Record<string, unknown> = { resource_id: resourceId, data: prepared };
    if (options.status !== undefined) fields.status = options.status;
    return this.evented('update', op, fields, 'revision_info', async (before) => {
      const meta = await this.getMetaWith(resourceId, false, op);
      this.checkExpectedRevision(meta, options.expectRevisionId);
      const current = await this.currentInfo(meta);
      const value = await this.withBlobs(this.afterHandlers(before, prepared), op, meta);
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
      await this.commitCurrent(meta, info, encoded.bytes, this.index(encoded.value), op);
      // The new revision stays as an orphan record if the post-check undoes the update (§11.34).
      await this.postCheck(value, resourceId, () => this.storage.commit({ meta, expect: { current_revision_id: info.revision_id } }));
      return info;
    });
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
      value = await this.withBlobs(value, op, meta);
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
  private async changeStatus(meta: ResourceMeta, current: RevisionInfo, status: RevisionStatus, op: OperationContext): Promise<RevisionInfo> {
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
  private async commitCurrent(
    meta: ResourceMeta,
    info: RevisionInfo,
    data: Uint8Array,
    indexedData: Record<string, unknown> | undefined,
    op: OperationContext,
  ): Promise<RevisionInfo> {
    const appended = info.revision_id !== meta.current_revision_id;
    const next: ResourceMeta = {
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
    const write: StorageWrite = { revision: { info, data }, meta: next, expect: { current_revision_id: meta.current_revision_id } };
    const unique = this.claims(meta.indexed_data, indexedData);
    if (unique !== undefined) write.unique = unique;
    await this.storage.commit(write);
    return info;
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

  /** Makes another revision current. Revision records are untouched; the count does not change. */
  async switch(resourceId: string, revisionId: string, options: WriteContext = {}): Promise<ResourceMeta> {
    const op = this.context('switch', options);
    return this.evented('switch', op, { resource_id: resourceId, revision_id: revisionId }, 'meta', async () => {
      const meta = await this.getMetaWith(resourceId, false, op);
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
  async delete(resourceId: string, options: WriteContext = {}): Promise<ResourceMeta> {
    const op = this.context('delete', options);
    return this.evented('delete', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.getMetaWith(resourceId, false, op);
      const integrity = this.settings.integrity;
      if (integrity === undefined) return this.writeDeleted(meta, true, op);
      await integrity.beforeDelete(resourceId);
      const deleted = await this.writeDeleted(meta, true, op);
      await integrity.afterDelete(resourceId, { user: op.user, now: op.now });
      return deleted;
    });
  }

  /** Undoes a soft delete; a live resource is returned unchanged. */
  async restore(resourceId: string, options: WriteContext = {}): Promise<ResourceMeta> {
    const op = this.context('restore', options);
    return this.evented('restore', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.metaOrThrow(resourceId);
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
  async permanentlyDelete(resourceId: string, options: WriteContext = {}): Promise<ResourceMeta> {
    const op = this.context('permanentlyDelete', options);
    return this.evented('permanently_delete', op, { resource_id: resourceId }, 'meta', async () => {
      const meta = await this.metaOrThrow(resourceId);
      await this.storage.purgeResource(resourceId);
      return meta;
    });
  }

  private checkExpectedRevision(meta: ResourceMeta, expected: string | undefined): void {
    if (expected !== undefined && expected !== meta.current_revision_id) {
      throw new RevisionMismatchError(meta.resource_id, expected, meta.current_revision_id);
    }
  }

  // ---- migration -----------------------------------------------------------------------

  /**
   * Converts stored data to the manager's schema version: the current revision (updating the
   * meta and its indexed data) or a given older revision (meta untouched). Timestamps stay; the
   * migrated record gets a new uid and the old-version record is kept.
   */
  async migrate(resourceId: string, options: { revisionId?: string } = {}): Promise<ResourceMeta> {
    const migration = this.migration;
    if (!migration?.hasMigration) throw new MigrationError(`Migration is not set for model '${this.name}'`);
    const fields: Record<string, unknown> = { resource_id: resourceId };
    if (options.revisionId !== undefined) fields.revision_id = options.revisionId;
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
