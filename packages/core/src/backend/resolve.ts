import { isDeepStrictEqual } from 'node:util';
import { NotSupportedError, SpecStarError } from '@specstar/interfaces';
import type {
  BackendDefaults,
  BackendProvider,
  BackendRole,
  Binary,
  IBlobStore,
  IMessageQueueFactory,
  IStorage,
  IStorageFactory,
  ResolvedOptions,
} from '@specstar/interfaces';
import { SimpleStorage } from '../storage';
import { BACKEND_ROLES, BackendConfig, type BackendConfigReadOptions, type BackendConfigValue, type NormalizedBinding } from './config';
import { BackendConfigError, fieldPath, type BackendProblem } from './errors';
import {
  KNOWN_PROVIDER_TYPES,
  assertValidProvider,
  defaultPackageLoader,
  isKnownProviderType,
  isMissingPackageError,
  knownProviderTypes,
  providerExportName,
  providerInReach,
  type PackageLoader,
} from './providers';

export interface ResolveBackendOptions extends BackendConfigReadOptions {
  /** How on-demand provider packages are loaded (default: `require`, see defaultPackageLoader). */
  loadPackage?: PackageLoader;
}

/** One role after resolution: the provider and the options it is built with. */
export interface ResolvedBinding {
  readonly role: BackendRole;
  readonly type: string;
  /** The connection profile the binding used, or null for an inline `type`. */
  readonly connection: string | null;
  /** binding options > connection options > BackendDefaults (the fields this provider consults). */
  readonly options: ResolvedOptions;
  readonly provider: BackendProvider;
}

/** An optional binding (`required: false`) that did not resolve, and why. */
export interface SkippedBinding {
  readonly role: BackendRole;
  readonly error: BackendConfigError;
}

/** Everything a registry needs from a backend config. */
export interface BackendBundle {
  readonly config: BackendConfig;
  readonly bindings: Readonly<Partial<Record<BackendRole, ResolvedBinding>>>;
  readonly skipped: ReadonlyArray<SkippedBinding>;
  /** Per-model storage; its buildBlobStore() is the shared blob store; close() releases providers. */
  readonly storageFactory: BackendStorageFactory;
  /** The shared blob store; an UnavailableBlobStore when an optional blob binding did not resolve. */
  readonly blobStore: IBlobStore;
  /** undefined when `mq` is omitted (or optional and unresolved): no queue factory is created. */
  readonly messageQueueFactory: IMessageQueueFactory | undefined;
}

// Problems that mean "this backend is not available here" rather than "this config is wrong":
// an optional binding that hits one of them yields no backend for its role.
const UNAVAILABLE: ReadonlySet<BackendProblem> = new Set(['unknown_connection', 'disabled_connection', 'unknown_provider', 'missing_package']);

const ALL_DEFAULT_KEYS: ReadonlyArray<keyof BackendDefaults> = ['encoding', 'table_prefix', 'blob_prefix', 'upload_method', 'presigned_url_expiry'];

const ROLE_BUILDER: Record<BackendRole, string> = {
  meta: 'buildMetaStore',
  resource: 'buildResourceStore',
  blob: 'buildBlobStore',
  mq: 'buildMessageQueueFactory',
};

/** The first line of an error's message; errors from other realms (jest's loader) are not `instanceof Error`. */
function reasonOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === 'string' ? message : String(error)).split('\n')[0] ?? '';
}

function describeBinding(role: BackendRole, type: string, connection: string | null): string {
  return `the ${role} backend (${connection === null ? '' : `connection '${connection}', `}type '${type}')`;
}

function listOf(items: ReadonlyArray<string>): string {
  return items.length === 0 ? 'none' : items.map((item) => `'${item}'`).join(', ');
}

function loadProvider(type: string, role: BackendRole, connection: string | null, load: PackageLoader): BackendProvider {
  const packageName = KNOWN_PROVIDER_TYPES[type]?.package;
  if (packageName === undefined) {
    // isKnownProviderType() said yes, so a provider without a package is registered or built in.
    throw new BackendConfigError(`Provider '${type}' is not available`, { problem: 'unknown_provider', provider: type, role });
  }
  const details = { role, provider: type, package: packageName, connection: connection ?? undefined };
  let exports: unknown;
  try {
    exports = load(packageName);
  } catch (error) {
    if (isMissingPackageError(error, packageName)) {
      throw new BackendConfigError(`provider '${type}' needs the package ${packageName}: pnpm add ${packageName}`, {
        ...details,
        problem: 'missing_package',
        cause: error,
      });
    }
    throw new BackendConfigError(`provider '${type}': the package ${packageName} is installed but failed to load: ${reasonOf(error)}`, {
      ...details,
      problem: 'package_load_failed',
      cause: error,
    });
  }
  const exportName = providerExportName(type);
  const provider = (exports as Record<string, unknown> | null | undefined)?.[exportName];
  if (provider === undefined) {
    throw new BackendConfigError(`provider '${type}': the package ${packageName} does not export ${exportName} (version mismatch?)`, {
      ...details,
      problem: 'invalid_provider',
    });
  }
  try {
    assertValidProvider(provider, `${packageName} (${exportName})`);
  } catch (error) {
    if (error instanceof BackendConfigError) throw new BackendConfigError(error.message, { ...details, problem: 'invalid_provider' });
    throw error;
  }
  if (provider.type !== type) {
    throw new BackendConfigError(`provider '${type}': ${packageName} exports ${exportName} of type '${provider.type}'`, {
      ...details,
      problem: 'invalid_provider',
    });
  }
  return provider;
}

function planRole(config: BackendConfig, role: BackendRole, binding: NormalizedBinding, load: PackageLoader): ResolvedBinding {
  let type: string;
  let connection: string | null = null;
  let connectionOptions: Readonly<Record<string, unknown>> = {};
  if (binding.use !== null) {
    const name = binding.use;
    const profile = Object.hasOwn(config.connections, name) ? config.connections[name] : undefined;
    if (profile === undefined) {
      throw new BackendConfigError(`The ${role} binding uses connection '${name}', which is not defined (connections: ${listOf(Object.keys(config.connections))})`, {
        problem: 'unknown_connection',
        role,
        connection: name,
        field: fieldPath([role, 'use']),
      });
    }
    if (!profile.enabled) {
      throw new BackendConfigError(`The ${role} binding uses connection '${name}', which is disabled (enabled: false)`, {
        problem: 'disabled_connection',
        role,
        connection: name,
        field: fieldPath([role, 'use']),
      });
    }
    type = profile.type;
    connection = name;
    connectionOptions = profile.options;
  } else {
    type = binding.type ?? 'memory';
  }
  const where = describeBinding(role, type, connection);
  const base = { role, provider: type, connection: connection ?? undefined };

  if (!isKnownProviderType(type)) {
    throw new BackendConfigError(`Unknown backend provider type '${type}' for ${where} (known: ${listOf(knownProviderTypes())}; add others with registerBackendProvider)`, {
      ...base,
      problem: 'unknown_provider',
      field: connection === null ? fieldPath([role, 'type']) : fieldPath(['connections', connection, 'type']),
    });
  }
  const known = KNOWN_PROVIDER_TYPES[type];
  let provider = providerInReach(type);
  const roles = provider?.roles ?? known?.roles ?? [];
  const roleError = (served: ReadonlyArray<BackendRole>): BackendConfigError =>
    new BackendConfigError(`'${type}' serves ${served.join(', ')} only; it cannot be the ${role} backend`, { ...base, problem: 'role_not_supported' });
  if (!roles.includes(role)) throw roleError(roles);

  // Precedence, highest first: binding options > connection options > BackendDefaults.
  const options: Record<string, unknown> = {};
  const set = (key: string, value: unknown): void => {
    // defineProperty: an option named "__proto__" stays an option, never a prototype.
    Object.defineProperty(options, key, { value, enumerable: true, writable: true, configurable: true });
  };
  for (const key of known?.defaults ?? ALL_DEFAULT_KEYS) set(key, config.defaults[key]);
  for (const [key, value] of [...Object.entries(connectionOptions), ...Object.entries(binding.options)]) set(key, value);

  for (const alternatives of known?.requiredOptions ?? []) {
    const present = alternatives.filter((key) => options[key] !== undefined && options[key] !== null && options[key] !== '');
    if (present.length === 0) {
      const option = alternatives.join(' or ');
      throw new BackendConfigError(`${where.charAt(0).toUpperCase()}${where.slice(1)} needs the option ${alternatives.map((key) => `'${key}'`).join(' or ')}`, {
        ...base,
        problem: 'missing_option',
        option,
      });
    }
    for (const key of present) {
      if (typeof options[key] !== 'string') {
        throw new BackendConfigError(`Option '${key}' of ${where} must be a string, got ${typeof options[key]}`, { ...base, problem: 'invalid_field', option: key });
      }
    }
  }

  provider ??= loadProvider(type, role, connection, load);
  if (!provider.roles.includes(role)) throw roleError(provider.roles);
  return Object.freeze({ role, type, connection, options: Object.freeze(options), provider });
}

/** True when meta and resource resolve to one provider with equal options (one storage per model). */
function sharesStorage(meta: ResolvedBinding, resource: ResolvedBinding): boolean {
  return meta.provider === resource.provider && typeof meta.provider.buildStorage === 'function' && isDeepStrictEqual(meta.options, resource.options);
}

function assertComposable(meta: ResolvedBinding, resource: ResolvedBinding): void {
  if (sharesStorage(meta, resource)) return;
  for (const binding of [meta, resource]) {
    const builder = ROLE_BUILDER[binding.role] as keyof BackendProvider;
    if (typeof binding.provider[builder] !== 'function') {
      throw new BackendConfigError(
        `Provider '${binding.type}' builds ${binding.role} storage only together with the other role (same provider, same options): bind meta and resource to it alike`,
        { problem: 'invalid_provider', role: binding.role, provider: binding.type, connection: binding.connection ?? undefined },
      );
    }
  }
}

/** SpecStar errors pass through unchanged; also those of a provider built against another copy of interfaces. */
function isSpecStarError(error: unknown): boolean {
  if (error instanceof SpecStarError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && /^[a-z][a-z_]*$/.test(code);
}

function wrapProviderError(error: unknown, binding: ResolvedBinding, step: string): unknown {
  if (isSpecStarError(error)) return error;
  return new BackendConfigError(`${step} of ${describeBinding(binding.role, binding.type, binding.connection)} failed: ${reasonOf(error)}`, {
    problem: 'provider_failed',
    role: binding.role,
    provider: binding.type,
    connection: binding.connection ?? undefined,
    cause: error,
  });
}

/** A config whose roles are resolved to providers (packages loaded) but nothing validated or built. */
export interface BackendPlan {
  config: BackendConfig;
  bindings: Partial<Record<BackendRole, ResolvedBinding>>;
  skipped: SkippedBinding[];
}

/** Reads the config and resolves each role (loading on-demand packages); runs no validate(). */
export function planBackend(value: BackendConfigValue, options: ResolveBackendOptions = {}): BackendPlan {
  const config = BackendConfig.fromValue(value, options);
  const load = options.loadPackage ?? defaultPackageLoader;
  const bindings: Partial<Record<BackendRole, ResolvedBinding>> = {};
  const skipped: SkippedBinding[] = [];
  for (const role of BACKEND_ROLES) {
    const binding = config[role];
    if (binding === null) continue;
    try {
      bindings[role] = planRole(config, role, binding, load);
    } catch (error) {
      if (!binding.required && error instanceof BackendConfigError && UNAVAILABLE.has(error.problem)) skipped.push({ role, error });
      else throw error;
    }
  }
  const { meta, resource } = bindings;
  if (meta === undefined || resource === undefined) throw new Error('unreachable: meta and resource are required bindings');
  assertComposable(meta, resource);
  return { config, bindings, skipped };
}

/** Builds the shared blob store, the queue factory and the per-model storage factory of a plan. */
export function buildBackend(planned: BackendPlan): BackendBundle {
  const { config, bindings, skipped } = planned;
  for (const { role, error } of skipped) {
    process.emitWarning(`Optional backend binding '${role}' is not available and is left unset: ${error.message}`, { code: 'SPECSTAR_BACKEND_SKIPPED' });
  }
  const blob = bindings.blob;
  const mq = bindings.mq;
  let blobStore: IBlobStore;
  if (blob === undefined) {
    const reason = skipped.find((s) => s.role === 'blob')?.error.message ?? 'no blob binding';
    blobStore = new UnavailableBlobStore(reason);
  } else {
    try {
      blobStore = (blob.provider.buildBlobStore as NonNullable<BackendProvider['buildBlobStore']>)(blob.options);
    } catch (error) {
      throw wrapProviderError(error, blob, 'Building');
    }
  }
  let messageQueueFactory: IMessageQueueFactory | undefined;
  if (mq !== undefined) {
    try {
      messageQueueFactory = (mq.provider.buildMessageQueueFactory as NonNullable<BackendProvider['buildMessageQueueFactory']>)(mq.options);
    } catch (error) {
      // Nothing half-built survives a failed configuration.
      void blobStore.close?.().catch(() => undefined);
      throw wrapProviderError(error, mq, 'Building');
    }
  }
  const storageFactory = new BackendStorageFactory(bindings, blobStore, messageQueueFactory);
  return Object.freeze({ config, bindings: Object.freeze({ ...bindings }), skipped: Object.freeze([...skipped]), storageFactory, blobStore, messageQueueFactory });
}

function validations(planned: BackendPlan): Array<{ binding: ResolvedBinding; run: () => void | Promise<void> }> {
  return Object.values(planned.bindings)
    .filter((binding) => typeof binding.provider.validate === 'function')
    .map((binding) => ({ binding, run: () => binding.provider.validate?.(binding.role, binding.options) }));
}

/**
 * Resolves a backend config: reads and checks it, finds each role's
 * provider (loading on-demand packages), merges options, runs every provider's validate(), and
 * builds the shared blob store and queue factory. Throws before building anything when a role
 * does not resolve.
 */
export async function resolveBackend(value: BackendConfigValue, options: ResolveBackendOptions = {}): Promise<BackendBundle> {
  const planned = planBackend(value, options);
  await validateBackend(planned);
  return buildBackend(planned);
}

/** Runs every resolved provider's validate(), one after the other; the first failure is thrown. */
export async function validateBackend(planned: BackendPlan): Promise<void> {
  for (const { binding, run } of validations(planned)) {
    try {
      await run();
    } catch (error) {
      throw wrapProviderError(error, binding, 'Validation');
    }
  }
}

/**
 * The synchronous twin of resolveBackend for `new SpecStar({ backend })`. On-demand packages
 * load synchronously too; only a provider whose validate() returns a promise cannot be waited
 * for here, and that is an error pointing at `await spec.configure({ backend })`.
 */
export function resolveBackendSync(value: BackendConfigValue, options: ResolveBackendOptions = {}): BackendBundle {
  const planned = planBackend(value, options);
  for (const { binding, run } of validations(planned)) {
    let result: void | Promise<void>;
    try {
      result = run();
    } catch (error) {
      throw wrapProviderError(error, binding, 'Validation');
    }
    if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
      // The outcome no longer matters; keep a rejection from surfacing as unhandled.
      Promise.resolve(result).catch(() => undefined);
      throw new BackendConfigError(
        `Provider '${binding.type}' validates asynchronously, which new SpecStar({ backend }) cannot wait for: use await spec.configure({ backend }) instead`,
        { problem: 'async_validation', role: binding.role, provider: binding.type, connection: binding.connection ?? undefined },
      );
    }
  }
  return buildBackend(planned);
}

/**
 * The storage factory of a resolved backend: per model, the provider's own storage when meta
 * and resource share provider and options (one transaction per commit), else SimpleStorage over
 * the meta store and the resource store.
 */
export class BackendStorageFactory implements IStorageFactory {
  private closed = false;

  constructor(
    private readonly bindings: Readonly<Partial<Record<BackendRole, ResolvedBinding>>>,
    private readonly blobStore: IBlobStore,
    private readonly messageQueueFactory: IMessageQueueFactory | undefined,
  ) {}

  build(modelName: string): IStorage {
    const { meta, resource } = this.bindings;
    if (meta === undefined || resource === undefined) throw new Error('unreachable: meta and resource are always resolved');
    if (sharesStorage(meta, resource)) {
      return (meta.provider.buildStorage as NonNullable<BackendProvider['buildStorage']>)(modelName, meta.options);
    }
    const metaStore = (meta.provider.buildMetaStore as NonNullable<BackendProvider['buildMetaStore']>)(modelName, meta.options);
    const resourceStore = (resource.provider.buildResourceStore as NonNullable<BackendProvider['buildResourceStore']>)(modelName, resource.options);
    return new SimpleStorage(metaStore, resourceStore);
  }

  buildBlobStore(): IBlobStore {
    return this.blobStore;
  }

  /** Closes the queue factory, then each provider used once (the blob store is the registry's to close). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.messageQueueFactory?.close?.();
    const providers = new Set(Object.values(this.bindings).map((binding) => binding.provider));
    for (const provider of providers) await provider.close?.();
  }
}

/** The blob store of a backend whose optional blob binding did not resolve: every call says so. */
export class UnavailableBlobStore implements IBlobStore {
  constructor(readonly reason: string) {}

  private refuse(): Promise<never> {
    return Promise.reject(new NotSupportedError(`No blob store is configured: ${this.reason}`));
  }

  put(_data: Uint8Array): Promise<Binary> {
    return this.refuse();
  }

  get(_fileId: string): Promise<Binary> {
    return this.refuse();
  }

  exists(_fileId: string): Promise<boolean> {
    return this.refuse();
  }

  getUrl(_fileId: string): Promise<string | null> {
    return this.refuse();
  }
}
