import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { BackendDefaults, BackendProvider, BackendRole, ResolvedOptions } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage } from '../storage';
import { BACKEND_ROLES } from './config';
import { BackendConfigError } from './errors';
import { SimpleMessageQueueFactory } from '../jobs/simple-queue';

/** What core knows about a provider type without loading it. */
export interface KnownProviderType {
  readonly roles: ReadonlyArray<BackendRole>;
  /** The package that exports `<type>BackendProvider`; absent for providers built into core. */
  readonly package?: string;
  /** Options that must be set; an inner list means "one of these" (`dsn` or `connection_string`). */
  readonly requiredOptions: ReadonlyArray<ReadonlyArray<string>>;
  /** The BackendDefaults fields this provider consults (seed reference, "Used by"). */
  readonly defaults: ReadonlyArray<keyof BackendDefaults>;
}

export const KNOWN_PROVIDER_TYPES: Readonly<Record<string, KnownProviderType>> = Object.freeze({
  memory: { roles: ['meta', 'resource', 'blob'], requiredOptions: [], defaults: ['encoding'] },
  simple: { roles: ['mq'], requiredOptions: [], defaults: [] },
  disk: { roles: ['meta', 'resource', 'blob'], package: '@specstar/storage-disk', requiredOptions: [['rootdir']], defaults: ['encoding'] },
  postgres: {
    roles: ['meta', 'resource'],
    package: '@specstar/storage-postgres',
    requiredOptions: [['dsn', 'connection_string']],
    defaults: ['encoding', 'table_prefix'],
  },
  s3: {
    roles: ['meta', 'resource', 'blob'],
    package: '@specstar/storage-s3',
    requiredOptions: [['bucket']],
    defaults: ['encoding', 'blob_prefix', 'upload_method', 'presigned_url_expiry'],
  },
  rabbitmq: { roles: ['mq'], package: '@specstar/mq-rabbitmq', requiredOptions: [], defaults: [] },
  celery: { roles: ['mq'], package: '@specstar/mq-celery', requiredOptions: [], defaults: [] },
});

/** How on-demand provider packages are loaded: by package name, returning the module's exports. */
export type PackageLoader = (packageName: string) => unknown;

// ---- built-in providers ------------------------------------------------------------------

// Built-in providers ignore options they do not use, so one connection can
// switch between types (say memory in tests, disk in production) without editing its options.

/** Memory stores for meta, resource and blob; meta + resource with the same options → MemoryStorage. */
export const memoryBackendProvider: BackendProvider = Object.freeze({
  type: 'memory',
  roles: ['meta', 'resource', 'blob'] as const,
  buildStorage: () => new MemoryStorage(),
  buildMetaStore: () => new MemoryMetaStore(),
  buildResourceStore: () => new MemoryResourceStore(),
  buildBlobStore: () => new MemoryBlobStore(),
});

/** The in-process queue (`mq` only): option `max_retries` (default 3). */
export const simpleBackendProvider: BackendProvider = Object.freeze({
  type: 'simple',
  roles: ['mq'] as const,
  buildMessageQueueFactory: (options: ResolvedOptions) => new SimpleMessageQueueFactory({ maxRetries: (options.max_retries as number | undefined) ?? 3 }),
  validate(role: BackendRole, options: ResolvedOptions): void {
    const retries = options.max_retries;
    if (retries !== undefined && (typeof retries !== 'number' || !Number.isInteger(retries) || retries < 0)) {
      throw new BackendConfigError(`Provider 'simple' option 'max_retries' must be a non-negative integer, got ${JSON.stringify(retries)}`, {
        problem: 'invalid_field',
        role,
        provider: 'simple',
        option: 'max_retries',
      });
    }
  },
});

const BUILT_IN: ReadonlyMap<string, BackendProvider> = new Map([
  ['memory', memoryBackendProvider],
  ['simple', simpleBackendProvider],
]);

// ---- the registry ------------------------------------------------------------------------

const registered = new Map<string, BackendProvider>();

const BUILDER_OF_ROLE: Record<BackendRole, ReadonlyArray<keyof BackendProvider>> = {
  meta: ['buildMetaStore', 'buildStorage'],
  resource: ['buildResourceStore', 'buildStorage'],
  blob: ['buildBlobStore'],
  mq: ['buildMessageQueueFactory'],
};

/** Checks the shape of a provider (registered, or exported by a package). */
export function assertValidProvider(provider: unknown, source: string): asserts provider is BackendProvider {
  const fail = (why: string): never => {
    throw new BackendConfigError(`Invalid backend provider from ${source}: ${why}`, { problem: 'invalid_provider' });
  };
  if (typeof provider !== 'object' || provider === null) return fail('not an object');
  const candidate = provider as Partial<Record<keyof BackendProvider, unknown>>;
  if (typeof candidate.type !== 'string' || candidate.type.trim() === '') return fail("'type' must be a non-empty string");
  const roles = candidate.roles;
  if (!Array.isArray(roles) || roles.length === 0) return fail("'roles' must be a non-empty array of meta, resource, blob, mq");
  for (const role of roles as unknown[]) {
    if (!BACKEND_ROLES.includes(role as BackendRole)) return fail(`unknown role ${JSON.stringify(role)} (roles are meta, resource, blob, mq)`);
    const builders = BUILDER_OF_ROLE[role as BackendRole];
    if (!builders.some((name) => typeof candidate[name] === 'function')) return fail(`serves '${String(role)}' but has no ${builders.join(' or ')}()`);
  }
  for (const name of ['validate', 'close'] as const) {
    if (candidate[name] !== undefined && typeof candidate[name] !== 'function') return fail(`'${name}' must be a function`);
  }
}

/**
 * Makes a provider usable by its `type` in bindings and connections. Registering a type that is
 * already registered — or that names a built-in or on-demand type such as 'memory' or 'disk' —
 * replaces it for every config resolved afterwards; configs already resolved keep the provider
 * they got. Returns the provider it replaced, if one was registered.
 */
export function registerBackendProvider(provider: BackendProvider): BackendProvider | undefined {
  assertValidProvider(provider, 'registerBackendProvider()');
  const previous = registered.get(provider.type);
  registered.set(provider.type, provider);
  return previous;
}

/** Removes a registered provider; a built-in or on-demand type falls back to its default. */
export function unregisterBackendProvider(type: string): boolean {
  return registered.delete(type);
}

/** Whether `type` names a provider: registered, built into core, or loadable on demand. */
export function isKnownProviderType(type: string): boolean {
  return registered.has(type) || BUILT_IN.has(type) || Object.hasOwn(KNOWN_PROVIDER_TYPES, type);
}

/** Every usable type name, for error messages. */
export function knownProviderTypes(): string[] {
  return [...new Set([...registered.keys(), ...BUILT_IN.keys(), ...Object.keys(KNOWN_PROVIDER_TYPES)])].sort();
}

/** The provider registered or built in for `type`, without loading any package. */
export function providerInReach(type: string): BackendProvider | undefined {
  return registered.get(type) ?? BUILT_IN.get(type);
}

/** `disk` → `diskBackendProvider`, `my-queue` → `myQueueBackendProvider`. */
export function providerExportName(type: string): string {
  const camel = type.replace(/[-_]+([a-z0-9])/gi, (_match: string, char: string) => char.toUpperCase());
  return `${camel}BackendProvider`;
}

// ---- on-demand loading -------------------------------------------------------------------

/**
 * True when `error` says the package itself cannot be found, as opposed to a package that is
 * there but fails to load (a missing dependency of its own, a syntax error, an unbuilt dist).
 */
export function isMissingPackageError(error: unknown, packageName: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  const firstLine = message.split('\n')[0] ?? '';
  if (code === 'MODULE_NOT_FOUND') return firstLine.includes(`'${packageName}'`);
  // jest's module mapper reports a workspace package whose sources do not exist this way.
  return message.includes(`Could not locate module ${packageName} `);
}

/**
 * Loads a package from where core is installed, then from the application (its main module,
 * then the working directory): with pnpm's strict layout an adapter installed by the app is not
 * visible from core's own directory. The name is computed at run time, so neither the
 * type-checker nor a bundler pulls adapters into core.
 */
export const defaultPackageLoader: PackageLoader = (packageName: string): unknown => {
  let firstMissing: unknown;
  const attempts: Array<() => unknown> = [() => require(packageName) as unknown];
  const bases = [require.main?.filename === undefined ? undefined : dirname(require.main.filename), process.cwd()];
  for (const base of new Set(bases)) {
    if (base !== undefined) attempts.push(() => createRequire(join(base, 'noop.js'))(packageName) as unknown);
  }
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch (error) {
      if (!isMissingPackageError(error, packageName)) throw error;
      firstMissing ??= error;
    }
  }
  throw firstMissing;
};
