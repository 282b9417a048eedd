import { SimpleMessageQueueFactory } from '../jobs';
import { ConfigurationError, NotSupportedError, ValidationError } from '@specstar/interfaces';
import type { BackendConfigInput, BackendProvider, BackendRole, IMessageQueueFactory, ResolvedOptions } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, SimpleStorage } from '../storage';
import { BackendConfig } from './config';
import { BackendConfigError } from './errors';
import { memoryBackendProvider, registerBackendProvider, unregisterBackendProvider, type PackageLoader } from './providers';
import { BackendStorageFactory, UnavailableBlobStore, resolveBackend, resolveBackendSync, type ResolveBackendOptions } from './resolve';

interface FakeCalls {
  validate: Array<[BackendRole, ResolvedOptions]>;
  storage: Array<[string, ResolvedOptions]>;
  meta: Array<[string, ResolvedOptions]>;
  resource: Array<[string, ResolvedOptions]>;
  blob: ResolvedOptions[];
  mq: ResolvedOptions[];
  closed: number;
  queueClosed: number;
}

/** A provider over memory stores that records every call core makes. */
function fakeProvider(type: string, roles: BackendRole[] = ['meta', 'resource', 'blob', 'mq'], overrides: Partial<BackendProvider> = {}) {
  const calls: FakeCalls = { validate: [], storage: [], meta: [], resource: [], blob: [], mq: [], closed: 0, queueClosed: 0 };
  const queueFactory: IMessageQueueFactory = {
    build: () => {
      throw new Error('not used');
    },
    close: async () => {
      calls.queueClosed += 1;
    },
  };
  const provider: BackendProvider = {
    type,
    roles,
    validate: (role, options) => {
      calls.validate.push([role, options]);
    },
    buildStorage: (model, options) => {
      calls.storage.push([model, options]);
      return new MemoryStorage();
    },
    buildMetaStore: (model, options) => {
      calls.meta.push([model, options]);
      return new MemoryMetaStore();
    },
    buildResourceStore: (model, options) => {
      calls.resource.push([model, options]);
      return new MemoryResourceStore();
    },
    buildBlobStore: (options) => {
      calls.blob.push(options);
      return new MemoryBlobStore();
    },
    buildMessageQueueFactory: (options) => {
      calls.mq.push(options);
      return queueFactory;
    },
    close: async () => {
      calls.closed += 1;
    },
    ...overrides,
  };
  return { provider, calls, queueFactory };
}

const ALL_DEFAULTS = { encoding: 'json', table_prefix: '', blob_prefix: 'blobs/', upload_method: 'proxy', presigned_url_expiry: 3600 };

const registeredTypes: string[] = [];
function register(provider: BackendProvider): void {
  registerBackendProvider(provider);
  registeredTypes.push(provider.type);
}
afterEach(() => {
  for (const type of registeredTypes.splice(0)) unregisterBackendProvider(type);
});

async function resolveError(input: BackendConfigInput | BackendConfig | string, options: ResolveBackendOptions = {}): Promise<BackendConfigError> {
  try {
    await resolveBackend(input, options);
  } catch (error) {
    if (error instanceof BackendConfigError) return error;
    throw error;
  }
  throw new Error('expected resolveBackend to throw');
}

function moduleNotFound(name: string): Error {
  return Object.assign(new Error(`Cannot find module '${name}'\nRequire stack:\n- /app/index.js`), { code: 'MODULE_NOT_FOUND' });
}

/** A loader that knows only the given packages. */
function loaderOf(packages: Record<string, unknown>): PackageLoader & { requested: string[] } {
  const requested: string[] = [];
  const load = (name: string): unknown => {
    requested.push(name);
    if (Object.hasOwn(packages, name)) return packages[name];
    throw moduleNotFound(name);
  };
  return Object.assign(load, { requested });
}

describe('resolving options', () => {
  it('overlays binding options on connection options (invariant 112)', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({
      connections: { c: { type: 'fake', options: { k: 1, j: 3 } } },
      meta: { use: 'c', options: { k: 2 } },
      resource: { use: 'c' },
    });
    // A custom provider is handed every BackendDefaults field; the binding wins over the connection.
    expect(bundle.bindings.meta?.options).toEqual({ ...ALL_DEFAULTS, k: 2, j: 3 });
    expect(bundle.bindings.resource?.options).toEqual({ ...ALL_DEFAULTS, k: 1, j: 3 });
    expect(bundle.bindings.meta).toMatchObject({ role: 'meta', type: 'fake', connection: 'c' });
    expect(calls.validate).toEqual([
      ['meta', { ...ALL_DEFAULTS, k: 2, j: 3 }],
      ['resource', { ...ALL_DEFAULTS, k: 1, j: 3 }],
    ]);
  });

  it('ranks binding options over connection options over BackendDefaults', async () => {
    const { provider } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({
      defaults: { encoding: 'msgpack', table_prefix: 'app_', blob_prefix: 'uploads/' },
      connections: { c: { type: 'fake', options: { table_prefix: 'conn_', blob_prefix: 'conn/' } } },
      meta: { use: 'c', options: { table_prefix: 'bind_' } },
      resource: { type: 'fake' },
    });
    expect(bundle.bindings.meta?.options).toEqual({ ...ALL_DEFAULTS, encoding: 'msgpack', table_prefix: 'bind_', blob_prefix: 'conn/' });
    expect(bundle.bindings.resource?.options).toEqual({ ...ALL_DEFAULTS, encoding: 'msgpack', table_prefix: 'app_', blob_prefix: 'uploads/' });
    expect(bundle.bindings.resource?.connection).toBeNull();
  });

  it('hands a known provider type only the BackendDefaults fields it consults', async () => {
    const postgres = fakeProvider('postgres', ['meta', 'resource']);
    const s3 = fakeProvider('s3', ['meta', 'resource', 'blob']);
    register(postgres.provider);
    register(s3.provider);
    const bundle = await resolveBackend({
      defaults: { table_prefix: 'app_', blob_prefix: 'uploads/', presigned_url_expiry: 900 },
      connections: { pg: { type: 'postgres', options: { dsn: 'postgres://db' } }, files: { type: 's3', options: { bucket: 'media' } } },
      meta: { use: 'pg' },
      resource: { use: 'pg' },
      blob: { use: 'files' },
    });
    expect(bundle.bindings.meta?.options).toEqual({ encoding: 'json', table_prefix: 'app_', dsn: 'postgres://db' });
    expect(bundle.bindings.blob?.options).toEqual({ encoding: 'json', blob_prefix: 'uploads/', upload_method: 'proxy', presigned_url_expiry: 900, bucket: 'media' });
    expect(s3.calls.blob).toEqual([bundle.bindings.blob?.options]);
  });

  it('keeps an option named "__proto__" as an option', async () => {
    const { provider } = fakeProvider('fake');
    register(provider);
    const input = JSON.parse('{"meta": {"type": "fake", "options": {"__proto__": {"polluted": true}}}}') as BackendConfigInput;
    const bundle = await resolveBackend(input);
    const options = bundle.bindings.meta?.options as Record<string, unknown>;
    expect(Object.getPrototypeOf(options)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(options, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('freezes the resolved options', async () => {
    const { provider } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({ meta: { type: 'fake', options: { k: 1 } } });
    expect(Object.isFrozen(bundle.bindings.meta?.options)).toBe(true);
  });
});

describe('resolution errors', () => {
  it('names an unknown connection used by a binding', async () => {
    const error = await resolveError({ connections: { local: { type: 'memory' } }, meta: { use: 'locl' } });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ problem: 'unknown_connection', role: 'meta', connection: 'locl', field: 'meta.use' });
  });

  it('refuses a disabled connection', async () => {
    const error = await resolveError({ connections: { local: { type: 'memory', enabled: false } }, resource: { use: 'local' } });
    expect(error).toMatchObject({ problem: 'disabled_connection', role: 'resource', connection: 'local' });
  });

  it('names an unknown provider type, inline or in a connection', async () => {
    expect(await resolveError({ blob: { type: 'ftp' } })).toMatchObject({ problem: 'unknown_provider', role: 'blob', provider: 'ftp', field: 'blob.type' });
    expect(await resolveError({ connections: { x: { type: 'redis' } }, mq: { use: 'x' } })).toMatchObject({
      problem: 'unknown_provider',
      role: 'mq',
      provider: 'redis',
      connection: 'x',
      field: 'connections.x.type',
    });
  });

  it('refuses a postgres connection for blob without loading anything (invariant 114)', async () => {
    const load = loaderOf({});
    const error = await resolveError(
      { connections: { pg: { type: 'postgres', options: { dsn: 'postgres://db' } } }, blob: { use: 'pg' } },
      { loadPackage: load },
    );
    expect(error).toMatchObject({ problem: 'role_not_supported', role: 'blob', provider: 'postgres', connection: 'pg' });
    expect(load.requested).toEqual([]);
  });

  it.each([
    ['rabbitmq', 'meta'],
    ['celery', 'resource'],
    ['simple', 'blob'],
    ['memory', 'mq'],
    ['disk', 'mq'],
  ] as const)("refuses '%s' as the %s backend", async (type, role) => {
    const error = await resolveError({ [role]: { type, options: { rootdir: '/data' } } }, { loadPackage: loaderOf({}) });
    expect(error).toMatchObject({ problem: 'role_not_supported', role, provider: type });
  });

  it('checks role support against a registered provider', async () => {
    const { provider } = fakeProvider('blobs-only', ['blob']);
    register(provider);
    expect(await resolveError({ meta: { type: 'blobs-only' } })).toMatchObject({ problem: 'role_not_supported', role: 'meta', provider: 'blobs-only' });
  });

  it.each([
    ['disk', {}, 'rootdir'],
    ['disk', { rootdir: '' }, 'rootdir'],
    ['disk', { rootdir: null }, 'rootdir'],
    ['postgres', { table_prefix: 'x_' }, 'dsn or connection_string'],
    ['s3', { region_name: 'eu-west-1' }, 'bucket'],
  ])('names the role, connection and missing required option of %s %j', async (type, options, option) => {
    const load = loaderOf({});
    const error = await resolveError({ connections: { store: { type, options } }, meta: { use: 'store' }, resource: { type: 'memory' } }, { loadPackage: load });
    expect(error).toMatchObject({ problem: 'missing_option', role: 'meta', connection: 'store', provider: type, option });
    expect(load.requested).toEqual([]);
  });

  it('accepts connection_string as the alias of dsn', async () => {
    const load = loaderOf({});
    const error = await resolveError({ meta: { type: 'postgres', options: { connection_string: 'postgres://db' } } }, { loadPackage: load });
    expect(error.problem).toBe('missing_package'); // got past the option check
  });

  it('lets a binding option satisfy a requirement the connection leaves open', async () => {
    const disk = fakeProvider('disk', ['meta', 'resource', 'blob']);
    register(disk.provider);
    const bundle = await resolveBackend({
      connections: { local: { type: 'disk' } },
      meta: { use: 'local', options: { rootdir: '/srv/a' } },
      resource: { use: 'local', options: { rootdir: '/srv/a' } },
    });
    expect(bundle.bindings.meta?.options).toEqual({ encoding: 'json', rootdir: '/srv/a' });
  });

  it('refuses a required option that is not a string', async () => {
    const error = await resolveError({ meta: { type: 'disk', options: { rootdir: 42 } } }, { loadPackage: loaderOf({}) });
    expect(error).toMatchObject({ problem: 'invalid_field', role: 'meta', provider: 'disk', option: 'rootdir' });
  });

  it('says which package to install when an on-demand provider is missing', async () => {
    // An application that did not install the adapter: the loader finds no such module.
    const error = await resolveError({ connections: { pg: { type: 'postgres', options: { dsn: 'postgres://db' } } }, meta: { use: 'pg' } }, { loadPackage: loaderOf({}) });
    expect(error).toMatchObject({ problem: 'missing_package', role: 'meta', provider: 'postgres', connection: 'pg', package: '@specstar/storage-postgres' });
  });

  it.each([
    ['s3', '@specstar/storage-s3', { bucket: 'b' }, 'blob'],
    ['rabbitmq', '@specstar/mq-rabbitmq', {}, 'mq'],
    ['celery', '@specstar/mq-celery', {}, 'mq'],
    ['disk', '@specstar/storage-disk', { rootdir: '/d' }, 'blob'],
  ] as const)("maps '%s' to the package %s", async (type, packageName, options, role) => {
    const load = loaderOf({});
    const error = await resolveError({ [role]: { type, options } }, { loadPackage: load });
    expect(error).toMatchObject({ problem: 'missing_package', provider: type, package: packageName });
    expect(load.requested).toEqual([packageName]);
  });

  it('reports a package that is installed but fails to load', async () => {
    const load = (): unknown => {
      throw moduleNotFound('pg');
    };
    const error = await resolveError({ meta: { type: 'postgres', options: { dsn: 'x' } } }, { loadPackage: load });
    expect(error).toMatchObject({ problem: 'package_load_failed', provider: 'postgres', package: '@specstar/storage-postgres' });
  });

  it('reports a package without the provider export, or with one of another type', async () => {
    const noExport = await resolveError({ meta: { type: 'postgres', options: { dsn: 'x' } } }, { loadPackage: loaderOf({ '@specstar/storage-postgres': { other: 1 } }) });
    expect(noExport).toMatchObject({ problem: 'invalid_provider', provider: 'postgres', package: '@specstar/storage-postgres' });
    const { provider } = fakeProvider('mysql', ['meta', 'resource']);
    const wrongType = await resolveError(
      { meta: { type: 'postgres', options: { dsn: 'x' } } },
      { loadPackage: loaderOf({ '@specstar/storage-postgres': { postgresBackendProvider: provider } }) },
    );
    expect(wrongType).toMatchObject({ problem: 'invalid_provider', provider: 'postgres' });
    const broken = await resolveError(
      { meta: { type: 'postgres', options: { dsn: 'x' } } },
      { loadPackage: loaderOf({ '@specstar/storage-postgres': { postgresBackendProvider: { type: 'postgres', roles: ['meta'] } } }) },
    );
    expect(broken).toMatchObject({ problem: 'invalid_provider', provider: 'postgres' });
  });

  it('refuses a loaded provider that does not serve the role after all', async () => {
    const { provider } = fakeProvider('postgres', ['resource']);
    const error = await resolveError(
      { meta: { type: 'postgres', options: { dsn: 'x' } } },
      { loadPackage: loaderOf({ '@specstar/storage-postgres': { postgresBackendProvider: provider } }) },
    );
    expect(error).toMatchObject({ problem: 'role_not_supported', role: 'meta', provider: 'postgres' });
  });

  it('wraps a plain error thrown by validate(), naming the role and provider', async () => {
    const { provider } = fakeProvider('fake', ['meta', 'resource'], {
      validate: () => {
        throw new Error('ECONNREFUSED');
      },
    });
    register(provider);
    const error = await resolveError({ meta: { type: 'fake' } });
    expect(error).toMatchObject({ problem: 'provider_failed', role: 'meta', provider: 'fake' });
    expect((error.cause as Error).message).toBe('ECONNREFUSED');
  });

  it("passes a provider's own SpecStar error through unchanged", async () => {
    const own = new ConfigurationError('rootdir is not writable');
    const { provider } = fakeProvider('fake', ['meta', 'resource'], {
      validate: async () => {
        throw own;
      },
    });
    register(provider);
    await expect(resolveBackend({ meta: { type: 'fake' } })).rejects.toBe(own);
  });

  it('refuses meta and resource split over a provider that only builds whole storages', async () => {
    const { provider } = fakeProvider('whole', ['meta', 'resource'], { buildMetaStore: undefined, buildResourceStore: undefined });
    register(provider);
    expect(await resolveError({ meta: { type: 'whole', options: { a: 1 } }, resource: { type: 'whole', options: { a: 2 } } })).toMatchObject({
      problem: 'invalid_provider',
      role: 'meta',
      provider: 'whole',
    });
    await expect(resolveBackend({ meta: { type: 'whole', options: { a: 1 } }, resource: { type: 'whole', options: { a: 1 } } })).resolves.toBeDefined();
  });

  it('reports config errors before resolving anything', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    expect(await resolveError({ meta: { type: 'fake' }, defaults: { encoding: 'xml' } } as unknown as BackendConfigInput)).toMatchObject({
      problem: 'invalid_field',
      field: 'defaults.encoding',
    });
    expect(calls.validate).toEqual([]);
  });

  it('builds nothing when a later role fails', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const error = await resolveError({ meta: { type: 'fake' }, resource: { type: 'fake' }, blob: { type: 'fake' }, mq: { type: 'rabbitmq' } }, { loadPackage: loaderOf({}) });
    expect(error).toMatchObject({ problem: 'missing_package', role: 'mq' });
    expect(calls.validate).toEqual([]);
    expect(calls.blob).toEqual([]);
  });

  it('closes the blob store it built when building the queue factory fails', async () => {
    let blobClosed = 0;
    const { provider } = fakeProvider('fake', ['meta', 'resource', 'blob', 'mq'], {
      buildBlobStore: () =>
        Object.assign(new MemoryBlobStore(), {
          close: async () => {
            blobClosed += 1;
          },
        }),
      buildMessageQueueFactory: () => {
        throw new TypeError('bad url');
      },
    });
    register(provider);
    const error = await resolveError({ meta: { type: 'fake' }, resource: { type: 'fake' }, blob: { type: 'fake' }, mq: { type: 'fake' } });
    expect(error).toMatchObject({ problem: 'provider_failed', role: 'mq', provider: 'fake' });
    expect(blobClosed).toBe(1);
  });
});

describe('optional bindings (required: false)', () => {
  beforeEach(() => jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined));
  afterEach(() => jest.restoreAllMocks());

  it('leaves an unavailable optional blob binding unset: the blob store refuses with NotSupportedError', async () => {
    const bundle = await resolveBackend({ blob: { use: 'missing-connection', required: false } });
    expect(bundle.bindings.blob).toBeUndefined();
    expect(bundle.skipped.map((s) => [s.role, s.error.problem])).toEqual([['blob', 'unknown_connection']]);
    expect(bundle.blobStore).toBeInstanceOf(UnavailableBlobStore);
    expect(bundle.storageFactory.buildBlobStore()).toBe(bundle.blobStore);
    await expect(bundle.blobStore.put(new Uint8Array([1]))).rejects.toBeInstanceOf(NotSupportedError);
    await expect(bundle.blobStore.get('x')).rejects.toBeInstanceOf(NotSupportedError);
    await expect(bundle.blobStore.exists('x')).rejects.toBeInstanceOf(NotSupportedError);
    expect(process.emitWarning).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a disabled connection', { connections: { q: { type: 'simple', enabled: false } }, mq: { use: 'q', required: false } }, 'disabled_connection'],
    ['an unknown provider', { mq: { type: 'kafka', required: false } }, 'unknown_provider'],
    ['a missing package', { mq: { type: 'rabbitmq', required: false } }, 'missing_package'],
  ] as const)('creates no queue factory for an optional mq binding with %s', async (_label, input, problem) => {
    const bundle = await resolveBackend(input, { loadPackage: loaderOf({}) });
    expect(bundle.messageQueueFactory).toBeUndefined();
    expect(bundle.skipped.map((s) => s.error.problem)).toEqual([problem]);
  });

  it('still fails an optional binding that is wrong rather than unavailable', async () => {
    expect(await resolveError({ blob: { type: 'rabbitmq', required: false } })).toMatchObject({ problem: 'role_not_supported', role: 'blob' });
    expect(await resolveError({ blob: { type: 's3', required: false } })).toMatchObject({ problem: 'missing_option', role: 'blob', option: 'bucket' });
  });

  it('uses an optional binding that resolves', async () => {
    const bundle = await resolveBackend({ blob: { type: 'memory', required: false }, mq: { type: 'simple', required: false } });
    expect(bundle.blobStore).toBeInstanceOf(MemoryBlobStore);
    expect(bundle.messageQueueFactory).toBeInstanceOf(SimpleMessageQueueFactory);
    expect(bundle.skipped).toEqual([]);
  });
});

describe('the resolved bundle', () => {
  it('defaults to memory for meta, resource and blob and creates no queue factory when mq is omitted (invariant 114)', async () => {
    const bundle = await resolveBackend({});
    expect(bundle.config).toBeInstanceOf(BackendConfig);
    expect(bundle.bindings.meta?.provider).toBe(memoryBackendProvider);
    expect(bundle.blobStore).toBeInstanceOf(MemoryBlobStore);
    expect(bundle.messageQueueFactory).toBeUndefined();
    expect(bundle.storageFactory).toBeInstanceOf(BackendStorageFactory);
    expect(bundle.storageFactory.build('item')).toBeInstanceOf(MemoryStorage);
  });

  it('builds a simple queue factory for mq: simple', async () => {
    const bundle = await resolveBackend({ connections: { jobs: { type: 'simple', options: { max_retries: 7 } } }, mq: { use: 'jobs' } });
    expect(bundle.messageQueueFactory).toBeInstanceOf(SimpleMessageQueueFactory);
    expect((bundle.messageQueueFactory as SimpleMessageQueueFactory).maxRetries).toBe(7);
  });

  it("builds one provider storage per model when meta and resource share provider and options", async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({ connections: { c: { type: 'fake', options: { root: '/r' } } }, meta: { use: 'c' }, resource: { use: 'c' } });
    const storage = bundle.storageFactory.build('guild');
    expect(storage).toBeInstanceOf(MemoryStorage);
    expect(calls.storage).toEqual([['guild', { ...ALL_DEFAULTS, root: '/r' }]]);
    expect(calls.meta).toEqual([]);
  });

  it('composes SimpleStorage when the options differ', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({ connections: { c: { type: 'fake', options: { root: '/r' } } }, meta: { use: 'c' }, resource: { use: 'c', options: { root: '/s' } } });
    const storage = bundle.storageFactory.build('guild');
    expect(storage).toBeInstanceOf(SimpleStorage);
    expect(storage).not.toBeInstanceOf(MemoryStorage);
    expect(calls.storage).toEqual([]);
    expect(calls.meta).toEqual([['guild', { ...ALL_DEFAULTS, root: '/r' }]]);
    expect(calls.resource).toEqual([['guild', { ...ALL_DEFAULTS, root: '/s' }]]);
  });

  it('composes SimpleStorage across providers (memory meta, custom resource)', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({ meta: { type: 'memory' }, resource: { type: 'fake' } });
    const storage = bundle.storageFactory.build('item') as SimpleStorage;
    expect(storage).toBeInstanceOf(SimpleStorage);
    expect(storage.metaStore).toBeInstanceOf(MemoryMetaStore);
    expect(calls.resource).toEqual([['item', ALL_DEFAULTS]]);
  });

  it('loads an on-demand provider and builds with it', async () => {
    const { provider, calls } = fakeProvider('postgres', ['meta', 'resource']);
    const load = loaderOf({ '@specstar/storage-postgres': { postgresBackendProvider: provider } });
    const bundle = await resolveBackend({ meta: { type: 'postgres', options: { dsn: 'postgres://db' } }, resource: { type: 'memory' } }, { loadPackage: load });
    expect(load.requested).toEqual(['@specstar/storage-postgres']);
    expect(bundle.bindings.meta?.provider).toBe(provider);
    bundle.storageFactory.build('doc');
    expect(calls.meta).toEqual([['doc', { encoding: 'json', table_prefix: '', dsn: 'postgres://db' }]]);
  });

  it('prefers a registered provider over loading the package of its type', async () => {
    const { provider } = fakeProvider('disk', ['meta', 'resource', 'blob']);
    register(provider);
    const load = loaderOf({});
    const bundle = await resolveBackend({ meta: { type: 'disk', options: { rootdir: '/d' } } }, { loadPackage: load });
    expect(bundle.bindings.meta?.provider).toBe(provider);
    expect(load.requested).toEqual([]);
  });

  it('closes the queue factory and each provider once', async () => {
    const { provider, calls } = fakeProvider('fake');
    register(provider);
    const bundle = await resolveBackend({ meta: { type: 'fake' }, resource: { type: 'fake' }, blob: { type: 'fake' }, mq: { type: 'fake' } });
    await bundle.storageFactory.close();
    await bundle.storageFactory.close();
    expect(calls.closed).toBe(1);
    expect(calls.queueClosed).toBe(1);
  });
});

describe('resolveBackendSync', () => {
  it('resolves providers that validate synchronously, on-demand ones included', () => {
    const { provider } = fakeProvider('postgres', ['meta', 'resource']);
    const bundle = resolveBackendSync(
      { meta: { type: 'postgres', options: { dsn: 'x' } }, resource: { type: 'postgres', options: { dsn: 'x' } } },
      { loadPackage: loaderOf({ '@specstar/storage-postgres': { postgresBackendProvider: provider } }) },
    );
    expect(bundle.bindings.resource?.provider).toBe(provider);
  });

  it('refuses a provider whose validate() is asynchronous, without an unhandled rejection', async () => {
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const { provider } = fakeProvider('slow', ['meta', 'resource'], {
        validate: () => Promise.reject(new ValidationError('unreachable host')),
      });
      register(provider);
      let caught: unknown;
      try {
        resolveBackendSync({ meta: { type: 'slow' } });
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(BackendConfigError);
      expect(caught).toMatchObject({ problem: 'async_validation', role: 'meta', provider: 'slow' });
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });
});
