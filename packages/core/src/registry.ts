import {
  ConfigurationError,
  ModelNotFoundError,
  RevisionStatus,
  type IBlobStore,
  type IEventHandler,
  type IMessageQueueFactory,
  type Job,
  type JobHandler,
  type IMigration,
  type IPermissionChecker,
  type IStorage,
  type IStorageFactory,
  type IndexableField,
  type Validator,
} from '@specstar/interfaces';
import { BackendConfigError, resolveBackend, resolveBackendSync, type BackendBundle, type BackendConfig, type BackendConfigValue } from './backend';
import { createDataCodec, type EncodingName } from './codec';
import { runInScope, type ScopeValues } from './context';
import { ActionBook, CustomAction, type CreateActionHandler, type CreateActionOptions, type UpdateActionHandler, type UpdateActionOptions } from './actions';
import { ResourceManager } from './manager';
import {
  assertValidModelName,
  compileModel,
  deriveModelName,
  normaliseIndexedFields,
  type JsonSchema,
  type ModelNaming,
} from './model';
import { Schema } from './schema';
import type { DataOf, TypedSchema } from './model/typed-schema';
import type { TypedResourceManager } from './typed-manager';
import { BlobAccess } from './model/blob-access';
import { blobExtractionStep } from './manager/blob-step';
import { checkModelRetention, DumpGuard, scheduleRetention, type RetentionPolicy, type RetentionSchedule, type RetentionScheduleOptions } from './retention';
import { dumpArchive, loadArchive, type ByteSource, type DumpArchiveOptions, type LoadArchiveOptions, type LoadStats } from './archive';
import type { QueryInput } from './search';
import { AllowAll, RBACPermissionChecker, permissionHandler } from './permissions';
import { UniqueConstraintChecker, type ConstraintCheckerSpec } from './constraints';
import {
  RefExistenceChecker,
  applyOnDelete,
  checkRefDeclarations,
  checkRestrict,
  findReferrers,
  relationshipOf,
  type ReferrerGroup,
  type Relationship,
} from './integrity';
import { MemoryBlobStore, MemoryStorageFactory } from './storage';
import { JobFacility, SimpleMessageQueueFactory, type JobHandlerFactory } from './jobs';
import { UploadSessions } from './uploads';

/** Registry-wide settings; each feeds every model registered afterwards. */
export interface SpecStarOptions {
  modelNaming?: ModelNaming;
  storageFactory?: IStorageFactory;
  encoding?: EncodingName;
  defaultUser?: string | (() => string);
  defaultNow?: () => Date;
  defaultStatus?: RevisionStatus;
  strictOperationContext?: boolean;
  eventHandlers?: IEventHandler[];
  /** Page size of searches that do not set a limit (default 10, or SPECSTAR_DEFAULT_QUERY_LIMIT). */
  defaultQueryLimit?: number;
  /**
   * Signs revision-list cursors (default SPECSTAR_REVISION_CURSOR_SECRET, else a per-process
   * secret). Cursors do not survive a change of secret, nor a restart without a configured one.
   */
  revisionCursorSecret?: string;
  /**
   * The unified backend config: a BackendConfig, a plain object or a JSON
   * file path. `configure()` accepts every provider; the synchronous constructor cannot wait for
   * a provider whose validate() is asynchronous and says so. Exclusive with `storageFactory`.
   */
  backend?: BackendConfigValue | null;
  /**
   * The queue factory of job models that do not name their own: default a SimpleMessageQueueFactory,
   * or the backend config's `mq` binding (none when `mq` is omitted); null: no queues.
   */
  messageQueueFactory?: IMessageQueueFactory | null;
  /** Without a permissionChecker: RBAC (strict) with this user as root. */
  admin?: string;
  /** Checks every evented operation of every model; a model's own checker wins. */
  permissionChecker?: IPermissionChecker;
  /** Refuse writes whose resource-id refs name missing or deleted resources (InvalidReferenceError, 422). */
  validateRefs?: boolean;
  /** Seconds an upload session lives before it lapses (default 86400: a day); null: no expiry. */
  uploadSessionExpiry?: number | null;
}

export type IndexedFieldSpec = string | IndexableField | [string, string];

export interface AddModelOptions {
  name?: string;
  indexedFields?: IndexedFieldSpec[];
  idGenerator?: () => string;
  /** Storage for this model only; default: the registry's storage factory. */
  storage?: IStorage;
  /** A Schema (version + migration steps) or a legacy IMigration. */
  migration?: Schema | IMigration;
  eventHandlers?: IEventHandler[];
  encoding?: EncodingName;
  defaultStatus?: RevisionStatus;
  defaultUser?: string | (() => string);
  defaultNow?: () => Date;
  validator?: Validator;
  /** This model's checker; it replaces the registry's. */
  permissionChecker?: IPermissionChecker;
  /** Checkers (or factories given the manager) run around create/update/modify/switch/restore. */
  constraintCheckers?: ConstraintCheckerSpec<ResourceManager>[];
  /** Refuse writes whose resource-id refs name missing or deleted resources (default: the registry's). */
  validateRefs?: boolean;
  /** This job model's queue factory (default: the registry's); null: no queue. */
  messageQueueFactory?: IMessageQueueFactory | null;
  /** A job model's handler: `(job, ctx) => artifact-less result`; with it (or a factory) the model gets a queue. */
  // oxlint-disable-next-line typescript/no-explicit-any -- a handler typed for its own payload must be accepted.
  jobHandler?: JobHandler<any, any>;
  /** Builds the handler once, on the first job; wins over `jobHandler`. */
  // oxlint-disable-next-line typescript/no-explicit-any -- as jobHandler.
  jobHandlerFactory?: JobHandlerFactory<any>;
  /** Revision retention applied by `rm.prune` (checked here: a policy that keeps nothing is refused). */
  retention?: RetentionPolicy;
}

// Names of the internal permission models; no user model may take them.
const RESERVED_MODEL_NAMES: ReadonlySet<string> = new Set(['ACLPermission', 'RBACPermission']);

/** Whether options carry a backend config; `backend` with `storageFactory` is ambiguous. */
function hasBackend(options: SpecStarOptions): boolean {
  if (options.backend === undefined || options.backend === null) return false;
  if (options.storageFactory !== undefined) {
    throw new BackendConfigError('Pass either backend or storageFactory, not both: backend builds the storage factory itself', {
      problem: 'invalid_input',
      field: 'backend',
    });
  }
  return true;
}

/** Whether a configured checker restricts anything (AllowAll, like no checker, does not). */
const guards = (checker: IPermissionChecker | undefined): boolean => checker !== undefined && !(checker instanceof AllowAll);

function envQueryLimit(): number | undefined {
  const raw = process.env.SPECSTAR_DEFAULT_QUERY_LIMIT;
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new ConfigurationError(`SPECSTAR_DEFAULT_QUERY_LIMIT must be a positive integer, got '${raw}'`);
  return n;
}

function isJsonSchemaObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The registry: models by name, the storage they share, and registry-wide defaults.
 * `addModel` returns the model's ResourceManager.
 */
export class SpecStar {
  private options: SpecStarOptions;
  private readonly managers = new Map<string, ResourceManager>();
  private readonly bySchema = new Map<object, ResourceManager[]>();
  private blobStore: IBlobStore | undefined;
  private backendBundle: BackendBundle | undefined;
  private defaultQueueFactory: SimpleMessageQueueFactory | undefined;
  private adminChecker: RBACPermissionChecker | undefined;
  /** Set once any model registers a checker of its own: from then on blob access is guarded. */
  private modelHasChecker = false;
  /**
   * Who may read and reference which blob. Guarded whenever a permission checker is configured
   * anywhere in the registry: a blob referenced from one guarded model must not leak through
   * an unguarded one.
   */
  readonly blobAccess = new BlobAccess(
    () => this.getBlobStore(),
    () => this.modelHasChecker || guards(this.options.permissionChecker) || this.options.admin !== undefined,
  );

  constructor(options: SpecStarOptions = {}) {
    const { backend, ...rest } = options;
    const bundle = hasBackend(options) ? resolveBackendSync(backend as BackendConfigValue) : undefined;
    this.options = { ...rest };
    if (bundle) this.useBackend(bundle);
  }

  /**
   * Replaces registry settings; models already registered keep theirs (a warning says so).
   * A backend config is resolved completely before anything changes, so a configure() that
   * throws leaves the previous settings as they were.
   */
  async configure(options: SpecStarOptions): Promise<void> {
    const { backend, ...rest } = options;
    const bundle = hasBackend(options) ? await resolveBackend(backend as BackendConfigValue) : undefined;
    if (this.managers.size > 0) {
      process.emitWarning(`SpecStar.configure() after ${this.managers.size} model(s) were registered only affects models added later`);
    }
    this.options = { ...this.options, ...rest };
    this.adminChecker = undefined; // rebuilt from the new settings for models added from now on
    if (bundle) this.useBackend(bundle);
    else if (options.storageFactory) {
      // The lower-level path replaces a unified backend.
      this.backendBundle = undefined;
      this.blobStore = undefined;
    }
  }

  private useBackend(bundle: BackendBundle): void {
    this.backendBundle = bundle;
    this.options.storageFactory = bundle.storageFactory;
    this.blobStore = undefined; // the bundle's factory hands out its shared blob store
  }

  /** The unified backend config in use, if the registry was configured with one. */
  get backend(): BackendConfig | undefined {
    return this.backendBundle?.config;
  }

  /**
   * The queue factory job models get unless they name their own: the `messageQueueFactory`
   * option, else the backend's `mq` binding (undefined when `mq` is omitted), else the simple queue.
   */
  get messageQueueFactory(): IMessageQueueFactory | undefined {
    if (this.options.messageQueueFactory !== undefined) return this.options.messageQueueFactory ?? undefined;
    if (this.backendBundle) return this.backendBundle.messageQueueFactory;
    this.defaultQueueFactory ??= new SimpleMessageQueueFactory();
    return this.defaultQueueFactory;
  }

  private get storageFactory(): IStorageFactory {
    this.options.storageFactory ??= new MemoryStorageFactory();
    return this.options.storageFactory;
  }

  /**
   * Blob upload sessions (proxy parts or presigned single PUTs) over the shared blob store;
   * sessions belong to their creator while blob access is guarded.
   */
  readonly uploadSessions = new UploadSessions({
    store: () => this.getBlobStore(),
    access: this.blobAccess,
    expiresIn: () => this.options.uploadSessionExpiry,
    presignedExpiry: () => this.blobBindingExpiry(),
  });

  /** The blob binding's `presigned_url_expiry` (binding > connection > defaults), if a backend config set one. */
  private blobBindingExpiry(): number | undefined {
    const expiry = this.backendBundle?.bindings.blob?.options['presigned_url_expiry'];
    return typeof expiry === 'number' ? expiry : undefined;
  }

  /** The blob store every model of this registry shares. */
  getBlobStore(): IBlobStore {
    this.blobStore ??= this.storageFactory.buildBlobStore?.() ?? new MemoryBlobStore();
    return this.blobStore;
  }

  /** A schema that declares its data type (TypeBox `Type.Object(...)`): the manager's data type is inferred from it. */
  addModel<M extends TypedSchema>(model: M, options?: AddModelOptions): TypedResourceManager<DataOf<M>>;
  /** Plain JSON Schema or a Schema: the data type is `unknown` unless given as the type parameter. */
  addModel<T = unknown>(model: JsonSchema | Schema, options?: AddModelOptions): ResourceManager<T>;
  addModel<T = unknown>(model: JsonSchema | Schema, options: AddModelOptions = {}): ResourceManager<T> {
    let schema: JsonSchema;
    let migration: Schema | undefined;
    if (model instanceof Schema) {
      if (options.migration !== undefined || options.validator !== undefined) {
        throw new ConfigurationError('addModel: pass migration and validator inside the Schema, not beside it');
      }
      if (!model.model) throw new ConfigurationError('addModel: a Schema used as the model needs a model schema');
      schema = model.model;
      migration = model;
    } else if (isJsonSchemaObject(model)) {
      schema = model;
      const given = options.migration;
      if (given === undefined || given instanceof Schema) migration = given;
      else if (typeof given === 'object' && given !== null && typeof given.migrate === 'function') migration = Schema.fromLegacy(given);
      else throw new ConfigurationError('addModel: migration must be a Schema or an object with migrate() and schema_version');
    } else {
      throw new ConfigurationError('addModel: the model must be a JSON Schema object or a Schema');
    }

    const name = options.name ?? deriveModelName(schema, this.options.modelNaming ?? 'kebab');
    assertValidModelName(name);
    if (RESERVED_MODEL_NAMES.has(name)) throw new ConfigurationError(`Model name '${name}' is reserved for internal permission models`);
    if (this.managers.has(name)) throw new ConfigurationError(`A model named '${name}' is already registered`);

    const compiled = compileModel(schema);
    // Per-model › registry › the backend's `defaults.encoding` › json: the most specific setting wins.
    const encoding = options.encoding ?? this.options.encoding ?? this.backend?.defaults.encoding ?? 'json';
    if (encoding !== 'json' && encoding !== 'msgpack') throw new ConfigurationError(`encoding must be 'json' or 'msgpack', got '${String(encoding)}'`);
    const indexedFields = normaliseIndexedFields(options.indexedFields ?? []);
    // Unique fields and resource-id refs are always searchable (their checks search them).
    const autoIndexed = [
      ...compiled.uniqueFields.map((field) => ({ field_path: field })),
      ...compiled.refs.filter((r) => r.refType === 'resource_id').map((r) => ({ field_path: r.field, field_type: r.isList ? 'array' : 'string' })),
    ];
    const queueFactory = this.queueFactoryFor(compiled.isJob, options);
    // The queue searches jobs by state, retries and due time.
    if (queueFactory) autoIndexed.push({ field_path: 'status' }, { field_path: 'retries' }, { field_path: 'next_run_at' });
    for (const field of autoIndexed) if (!indexedFields.some((f) => f.field_path === field.field_path)) indexedFields.push(field);

    checkRefDeclarations(name, compiled.refs);
    const retention = options.retention === undefined ? undefined : checkModelRetention(name, options.retention);
    if (retention) this.retentionModels.add(name);
    const storage = options.storage ?? this.storageFactory.build(name);
    // A storage that decides unique claims inside its commit needs no search-based checks around it.
    const atomicUnique = storage.capabilities?.atomicUnique === true;
    const constraintCheckers = [];
    if (compiled.uniqueFields.length > 0 && !atomicUnique) constraintCheckers.push(new UniqueConstraintChecker(storage, compiled.uniqueFields));
    if ((options.validateRefs ?? this.options.validateRefs) === true && compiled.refs.length > 0) {
      constraintCheckers.push(new RefExistenceChecker(compiled.refs, (target) => this.managers.get(target)));
    }

    const defaultStatus = options.defaultStatus ?? this.options.defaultStatus ?? RevisionStatus.stable;
    if (defaultStatus !== 'draft' && defaultStatus !== 'stable') throw new ConfigurationError(`defaultStatus must be 'draft' or 'stable', got '${String(defaultStatus)}'`);

    const manager = new ResourceManager<T>({
      name,
      model: compiled,
      codec: createDataCodec(encoding, schema),
      storage,
      blobStore: this.getBlobStore(),
      // Binary bytes move to the shared blob store before a write is encoded.
      pipeline: { prepareValue: compiled.hasBinary ? [blobExtractionStep(() => this.getBlobStore(), this.blobAccess)] : [] },
      // Every model: untyped data and archive loads may reference blobs too.
      blobAccess: this.blobAccess,
      migration,
      indexedFields,
      idGenerator: options.idGenerator,
      defaultStatus,
      defaultUser: options.defaultUser ?? this.options.defaultUser,
      defaultNow: options.defaultNow ?? this.options.defaultNow,
      strictOperationContext: this.options.strictOperationContext ?? false,
      eventHandlers: this.handlersFor(options),
      validator: options.validator,
      defaultQueryLimit: this.options.defaultQueryLimit ?? envQueryLimit(),
      revisionCursorSecret: this.options.revisionCursorSecret,
      constraintCheckers,
      uniqueClaims: atomicUnique ? compiled.uniqueFields : undefined,
      integrity: {
        beforeDelete: (resourceId) => checkRestrict(this.managers.values(), name, resourceId),
        afterDelete: (resourceId, ctx) => applyOnDelete(this.managers.values(), name, resourceId, ctx),
      },
      retention: { policy: retention, managers: () => this.managers.values(), dumpRunning: () => this.dumpGuard.running },
    });
    for (const checker of options.constraintCheckers ?? []) {
      manager.addConstraintChecker(typeof checker === 'function' ? checker(manager) : checker);
    }
    if (queueFactory) this.attachQueue(manager as ResourceManager<Job>, queueFactory, options);
    this.warnAboutUnregisteredTargets(name, compiled.refs.map((ref) => ref.target));
    this.managers.set(name, manager);
    const sameSchema = this.bySchema.get(schema) ?? [];
    sameSchema.push(manager);
    this.bySchema.set(schema, sameSchema);
    this.actionBook.modelAdded(manager);
    return manager;
  }

  /** The factory of a job model's queue: only job models with a handler get one, and only from a non-null factory. */
  private queueFactoryFor(isJob: boolean, options: AddModelOptions): IMessageQueueFactory | undefined {
    const hasHandler = options.jobHandler !== undefined || options.jobHandlerFactory !== undefined;
    if (!isJob) {
      if (hasHandler) throw new ConfigurationError('addModel: jobHandler and jobHandlerFactory need a job model (jobSchema(payload))');
      return undefined;
    }
    if (!hasHandler) return undefined;
    if (options.jobHandler !== undefined && typeof options.jobHandler !== 'function') throw new ConfigurationError('addModel: jobHandler must be a function (job, ctx) => …');
    if (options.jobHandlerFactory !== undefined && typeof options.jobHandlerFactory !== 'function') throw new ConfigurationError('addModel: jobHandlerFactory must be a function');
    if (options.messageQueueFactory === null) return undefined;
    return options.messageQueueFactory ?? this.messageQueueFactory;
  }

  /** Gives a job model its queue; a create enqueues once the job is committed and readable. */
  private attachQueue(manager: ResourceManager<Job>, factory: IMessageQueueFactory, options: AddModelOptions): void {
    const facility = new JobFacility<unknown>({
      manager,
      factory,
      handler: options.jobHandler,
      handlerFactory: options.jobHandlerFactory,
      blobStore: () => manager.blobStore,
    });
    manager.attachJobs(facility);
    // A new job is stored in its initial state (waiting, when it has an initial delay) and handed to the queue once readable.
    manager.addPrepareValueStep((value, ctx) => (ctx.current === undefined ? facility.initialState(value as Job) : value));
    manager.addAfterCreateHook((created) => facility.enqueue(created.info.resource_id, created.data as Job));
  }

  /** Registry handlers, then the model's, then the permission check (so user handlers run first). */
  private handlersFor(options: AddModelOptions): IEventHandler[] {
    const handlers = [...(this.options.eventHandlers ?? []), ...(options.eventHandlers ?? [])];
    if (guards(options.permissionChecker)) this.modelHasChecker = true;
    const checker = options.permissionChecker ?? this.registryChecker();
    if (checker !== undefined) handlers.push(permissionHandler(checker));
    return handlers;
  }

  /** The registry-wide checker: the configured one, else RBAC rooted at `admin`; none means allow all. */
  private registryChecker(): IPermissionChecker | undefined {
    if (this.options.permissionChecker !== undefined) return this.options.permissionChecker;
    if (this.options.admin === undefined) return undefined;
    this.adminChecker ??= new RBACPermissionChecker({ rootUser: this.options.admin, storageFactory: this.storageFactory });
    return this.adminChecker;
  }

  /**
   * Refs may name models registered later in the same startup, so the check waits for the
   * current tick to end; a target still unknown then stays dangling, with a warning.
   */
  private warnAboutUnregisteredTargets(source: string, targets: string[]): void {
    if (targets.length === 0) return;
    setImmediate(() => {
      for (const target of new Set(targets)) {
        if (!this.managers.has(target)) {
          process.emitWarning(`Model '${source}' references model '${target}', which is not registered: its references stay dangling`, { code: 'SPECSTAR_UNREGISTERED_REF_TARGET' });
        }
      }
    }).unref();
  }

  /** Every reference field of every registered model, in registration order (`GET /_relationships`). */
  relationships(): Relationship[] {
    const out: Relationship[] = [];
    for (const manager of this.managers.values()) for (const ref of manager.model.refs) out.push(relationshipOf(manager.name, ref));
    return out;
  }

  /** Models that some registered model references by resource id (they get a referrers route). */
  referencedModels(): ReadonlySet<string> {
    const names = new Set<string>();
    for (const manager of this.managers.values()) {
      for (const ref of manager.model.refs) if (ref.refType === 'resource_id' && this.managers.has(ref.target)) names.add(ref.target);
    }
    return names;
  }

  /** Live referrers of a resource, grouped by source field; the target must exist and be live. */
  findReferrers(target: string, resourceId: string): Promise<ReferrerGroup[]> {
    return findReferrers(this.managers.values(), this.getResourceManager(target), resourceId);
  }

  /**
   * Writes a `.acbak` archive of the given models (all, in registration order, by default; a
   * query selects resources of a model) to `writable`, with backpressure. The stream is not ended.
   */
  dump(writable: NodeJS.WritableStream, modelQueries?: Record<string, QueryInput | null>, options?: DumpArchiveOptions): Promise<void> {
    return this.dumpGuard.around(() => dumpArchive(this.managers, writable, modelQueries, options)).then(() => undefined);
  }

  /** Loads a `.acbak` archive, streaming; returns per-model counts. */
  load(source: ByteSource, options?: LoadArchiveOptions): Promise<Record<string, LoadStats>> {
    return loadArchive(this.managers, source, options);
  }

  /** A manager by the typed schema (TypeBox) it was registered with: its data type is inferred. */
  getResourceManager<M extends TypedSchema>(schema: M): TypedResourceManager<DataOf<M>>;
  /** A manager by model name, or by the schema object it was registered with. */
  getResourceManager<T = unknown>(nameOrSchema: string | JsonSchema): ResourceManager<T>;
  getResourceManager<T = unknown>(nameOrSchema: string | JsonSchema): ResourceManager<T> {
    if (typeof nameOrSchema === 'string') {
      const manager = this.managers.get(nameOrSchema);
      if (!manager) throw new ModelNotFoundError(nameOrSchema);
      return manager as ResourceManager<T>;
    }
    const candidates = this.bySchema.get(nameOrSchema) ?? [];
    if (candidates.length > 1) {
      throw new ConfigurationError(`The schema is registered under several names (${candidates.map((m) => m.name).join(', ')}); look it up by name`);
    }
    const manager = candidates[0];
    if (!manager) throw new ModelNotFoundError(typeof nameOrSchema.title === 'string' ? nameOrSchema.title : '<schema>');
    return manager as ResourceManager<T>;
  }

  // ---- custom actions ------------------------------------------------------------------

  private readonly actionBook = new ActionBook(this);
  // Dumps in flight: prune removes nothing while one runs.
  private readonly dumpGuard = new DumpGuard();
  // Models registered with a `retention` policy, which scheduleRetention prunes.
  private readonly retentionModels = new Set<string>();

  /**
   * Prunes every resource of every model with a `retention` policy every `intervalMs` (the first
   * round after one interval; `runNow()` for one at once). Stop it before `close()`.
   */
  scheduleRetention(intervalMs: number, options?: RetentionScheduleOptions): RetentionSchedule {
    return scheduleRetention(() => [...this.retentionModels].map((name) => this.getResourceManager(name)), intervalMs, options);
  }

  /**
   * Declares a custom create action on `model` (a name or its schema; it may be registered
   * later): `spec.createAction('article', { input })(async function generate_article(input, ctx) { … })`.
   * Returns the handler unchanged. The handler returns the data to create, or null.
   */
  createAction<I = Record<string, unknown>, D = unknown>(model: string | JsonSchema, options: CreateActionOptions = {}): <H extends CreateActionHandler<I, D>>(handler: H) => H {
    return (handler) => {
      this.actionBook.record(new CustomAction('create', model, options, handler, (values, fn) => this.using(values, fn)));
      return handler;
    };
  }

  /**
   * Declares a custom update action on `model`: the handler gets `{ existing, info, meta }` of
   * the resource, the input and the context, and returns the new data, or null.
   */
  updateAction<I = Record<string, unknown>, D = unknown>(model: string | JsonSchema, options: UpdateActionOptions = {}): <H extends UpdateActionHandler<I, D>>(handler: H) => H {
    return (handler) => {
      this.actionBook.record(new CustomAction('update', model, options, handler, (values, fn) => this.using(values, fn)));
      return handler;
    };
  }

  /** Every declared custom action, in declaration order; each has `invoke(input, options)`. */
  get actions(): readonly CustomAction[] {
    return this.actionBook.list;
  }

  /**
   * Calls `listener` whenever the set of bound actions changes (an action declared for a
   * registered model, or a model registered for declared actions), so a server mounted before
   * serves them too. A listener that throws makes that declaration or registration throw.
   * Returns the unsubscribe.
   */
  onActionsChanged(listener: () => void): () => void {
    return this.actionBook.onChange(listener);
  }

  /** Registered managers in registration order. */
  get resourceManagers(): ReadonlyMap<string, ResourceManager> {
    return this.managers;
  }

  /** A scope every manager of this registry sees (user, now, resourceId for create). */
  using<R>(values: ScopeValues, fn: () => R | Promise<R>): Promise<R> {
    return Promise.resolve(runInScope(null, values, fn));
  }

  /** Closes every storage, the blob store and the factory. */
  async close(): Promise<void> {
    // Consumers first: their last writes need the stores.
    await Promise.all([...this.managers.values()].map((manager) => manager.jobs?.close() ?? Promise.resolve()));
    const closing: Promise<void>[] = [];
    for (const manager of this.managers.values()) closing.push(manager.storage.close());
    if (this.blobStore?.close) closing.push(this.blobStore.close());
    await Promise.all(closing);
    await this.adminChecker?.close();
    await this.options.storageFactory?.close?.();
  }
}

/** A ready registry for applications that need only one. */
export const spec = new SpecStar();
