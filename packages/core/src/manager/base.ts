import {
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionIDNotFoundError,
  RevisionMismatchError,
  type EventContext,
  type IBlobStore,
  type IConstraintChecker,
  type IEventHandler,
  type IStorage,
  type IndexableField,
  type Resource,
  type ResourceMeta,
  type RevisionInfo,
  type SingleActionName,
} from '@specstar/interfaces';
import { type DataCodec, dataHash } from '../codec';
import { OperationContext } from '../context';
import { runEvented } from '../events';
import { checkResourceId, PrefixedUuids } from '../ids';
import { changedFields, runCheckers } from '../constraints';
import { type CompiledModel, indexExtractor, type IndexExtractor } from '../model';
import { type Schema, runValidator } from '../schema';
import type { AfterCreateHook, PrepareValueStep } from './pipeline';
import type { GetOptions, ManagerSettings, WriteContext } from './types';

/** A lookup result as a checked read sees it: absent and soft-deleted resources are not found. */
function checkedMeta(resourceId: string, meta: ResourceMeta | undefined, includeDeleted: boolean): ResourceMeta {
  if (!meta) throw new ResourceIDNotFoundError(resourceId);
  if (meta.is_deleted && !includeDeleted) throw new ResourceIsDeletedError(resourceId);
  return meta;
}

/** Encoded data of one write, with the hash that decides whether anything changed. */
export interface EncodedData {
  value: unknown;
  bytes: Uint8Array;
  hash: string;
}

/**
 * The state every part of a manager shares, and the plumbing under its operations: operation
 * context and events, the data pipeline (prepare, encode, index), unchecked lookups and the
 * checked reads writes build on. Reads, writes and the lifecycle are layered on top of it
 * (reads.ts, writes.ts, manager.ts); `ResourceManager` is the class apps use.
 */
export class ManagerBase<T = unknown> {
  readonly name: string;
  readonly model: CompiledModel;
  readonly storage: IStorage;
  readonly blobStore: IBlobStore | undefined;
  readonly migration: Schema | undefined;
  protected readonly codec: DataCodec;
  protected readonly settings: ManagerSettings;
  protected readonly handlers: IEventHandler[];
  protected indexed: IndexableField[];
  protected extractIndex: IndexExtractor;
  protected readonly checkers: IConstraintChecker[];
  protected readonly uniqueClaims: readonly string[];
  /** Default resource ids, `<name>:<uuid4>`. */
  protected readonly freshIds: PrefixedUuids;
  protected readonly prepareSteps: PrepareValueStep[];
  protected readonly afterCreateHooks: AfterCreateHook[];

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
    this.prepareSteps = [...(settings.pipeline?.prepareValue ?? [])];
    this.afterCreateHooks = [...(settings.pipeline?.afterCreate ?? [])];
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

  /**
   * Who and when a write by this manager would record now: the explicit values, then the
   * scope's, then the model's defaults (the user stays undefined when none applies).
   */
  resolveContext(explicit?: WriteContext): { user: string | undefined; now: Date } {
    const op = this.context('resolveContext', explicit);
    return { user: op.userIfKnown, now: op.now };
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

  /** Adds a step every written value passes through before checks and encoding; it runs after those already added. */
  addPrepareValueStep(step: PrepareValueStep): void {
    this.prepareSteps.push(step);
  }

  /** Adds a hook that runs after every create of this model; it runs after those already added. */
  addAfterCreateHook(hook: AfterCreateHook): void {
    this.afterCreateHooks.push(hook);
  }

  // ---- context -------------------------------------------------------------------------

  protected context(method: string, explicit: WriteContext | undefined): OperationContext {
    return OperationContext.resolve(this, method, explicit, {
      defaultUser: this.settings.defaultUser,
      defaultNow: this.settings.defaultNow,
      strict: this.settings.strictOperationContext,
    });
  }

  /** Reads take no context; events still carry user/now when they resolve. */
  protected readContext(method: string): OperationContext | undefined {
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

  protected evented<R>(
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

  /** Decodes stored data bytes (this model's encoding) into the plain form. */
  decodeData(bytes: Uint8Array): T {
    return this.decode(bytes);
  }

  // ---- data pipeline -------------------------------------------------------------------

  /** Defaults and type validation; the value the operation will persist. */
  protected prepare(data: unknown): unknown {
    return this.model.prepare(data);
  }

  /** Encode, run the validator, hash (the hash is over the encoded bytes). Synchronous when there is no validator. */
  protected encode(value: unknown): EncodedData | Promise<EncodedData> {
    const bytes = this.codec.encode(value);
    const encoded: EncodedData = { value, bytes, hash: dataHash(bytes) };
    const validator = this.settings.validator ?? this.migration?.validator;
    return validator === undefined ? encoded : runValidator(validator, value).then(() => encoded);
  }

  /** Re-validates when before-handlers had a chance to change the data. */
  protected afterHandlers(before: EventContext | undefined, prepared: unknown): unknown {
    if (!before) return prepared;
    const data = before.data;
    if (data !== prepared) return this.prepare(data);
    this.model.validate(data);
    return data;
  }

  protected decode(bytes: Uint8Array): T {
    return this.codec.decode(bytes) as T;
  }

  protected index(value: unknown): Record<string, unknown> {
    return this.indexed.length === 0 ? {} : this.extractIndex(value);
  }

  protected newResourceId(explicit: string | undefined): string {
    if (explicit !== undefined) return checkResourceId(explicit);
    if (this.settings.idGenerator) return checkResourceId(this.settings.idGenerator());
    return this.freshIds.next();
  }

  // ---- lookups -------------------------------------------------------------------------

  /** Unchecked lookup: deleted metas allowed, no events. */
  protected async metaOrThrow(resourceId: string): Promise<ResourceMeta> {
    const meta = await this.storage.getMeta(resourceId);
    if (!meta) throw new ResourceIDNotFoundError(resourceId);
    return meta;
  }

  protected async currentInfo(meta: ResourceMeta): Promise<RevisionInfo> {
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

  protected getMetaWith(resourceId: string, includeDeleted: boolean, op: OperationContext | undefined): Promise<ResourceMeta> {
    if (this.handlers.length === 0) return this.storage.getMeta(resourceId).then((meta) => checkedMeta(resourceId, meta, includeDeleted));
    return this.evented('get_meta', op, { resource_id: resourceId }, 'meta', async () =>
      checkedMeta(resourceId, await this.storage.getMeta(resourceId), includeDeleted),
    );
  }


  protected getWith(resourceId: string, options: GetOptions, op: OperationContext | undefined): Promise<Resource<T>> {
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

  protected getRevisionWith(
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

  /**
   * The constraint post-check: catches what a concurrent writer changed
   * between the pre-check and the write. On failure it undoes this write, then rethrows.
   */
  protected async postCheck(data: unknown, resourceId: string, compensate: () => Promise<unknown>): Promise<void> {
    if (this.checkers.length === 0) return;
    try {
      await runCheckers(this.checkers, data, resourceId);
    } catch (error) {
      await compensate();
      throw error;
    }
  }

  /** The unique fields a write must claim: those whose indexed value changes (all of them for a resource coming back to life). */
  protected claims(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): readonly string[] | undefined {
    if (this.uniqueClaims.length === 0) return undefined;
    const changed = before === undefined ? this.uniqueClaims : changedFields(this.uniqueClaims, before, after);
    return changed.length > 0 ? changed : undefined;
  }

  protected checkExpectedRevision(meta: ResourceMeta, expected: string | undefined): void {
    if (expected !== undefined && expected !== meta.current_revision_id) {
      throw new RevisionMismatchError(meta.resource_id, expected, meta.current_revision_id);
    }
  }
}
