import { SimpleMessageQueueFactory } from '../jobs';
import { ConfigurationError } from '@specstar/interfaces';
import type { BackendProvider } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore } from '../storage';
import { BackendConfigError } from './errors';
import {
  KNOWN_PROVIDER_TYPES,
  isKnownProviderType,
  isMissingPackageError,
  knownProviderTypes,
  memoryBackendProvider,
  providerExportName,
  providerInReach,
  registerBackendProvider,
  simpleBackendProvider,
  unregisterBackendProvider,
} from './providers';

function providerError(make: () => unknown): BackendConfigError {
  try {
    make();
  } catch (error) {
    if (error instanceof BackendConfigError) return error;
    throw error;
  }
  throw new Error('expected a BackendConfigError');
}

const blobOnly = (type: string): BackendProvider => ({ type, roles: ['blob'], buildBlobStore: () => new MemoryBlobStore() });

afterEach(() => {
  for (const type of ['custom-blob', 'memory', 'simple']) unregisterBackendProvider(type);
});

describe('the provider registry', () => {
  it('knows the built-in and on-demand types with their roles and packages', () => {
    expect(knownProviderTypes()).toEqual(['celery', 'disk', 'memory', 'postgres', 'rabbitmq', 's3', 'simple']);
    expect(KNOWN_PROVIDER_TYPES.disk).toMatchObject({ roles: ['meta', 'resource', 'blob'], package: '@specstar/storage-disk', requiredOptions: [['rootdir']] });
    expect(KNOWN_PROVIDER_TYPES.postgres).toMatchObject({ roles: ['meta', 'resource'], package: '@specstar/storage-postgres', requiredOptions: [['dsn', 'connection_string']] });
    expect(KNOWN_PROVIDER_TYPES.s3).toMatchObject({ roles: ['meta', 'resource', 'blob'], package: '@specstar/storage-s3', requiredOptions: [['bucket']] });
    expect(KNOWN_PROVIDER_TYPES.rabbitmq).toMatchObject({ roles: ['mq'], package: '@specstar/mq-rabbitmq', requiredOptions: [] });
    expect(KNOWN_PROVIDER_TYPES.celery).toMatchObject({ roles: ['mq'], package: '@specstar/mq-celery' });
    expect(KNOWN_PROVIDER_TYPES.memory?.package).toBeUndefined();
    expect(KNOWN_PROVIDER_TYPES.simple?.package).toBeUndefined();
    expect(providerInReach('memory')).toBe(memoryBackendProvider);
    expect(providerInReach('simple')).toBe(simpleBackendProvider);
    expect(providerInReach('disk')).toBeUndefined();
  });

  it('registers a custom provider under its type', () => {
    expect(isKnownProviderType('custom-blob')).toBe(false);
    const provider = blobOnly('custom-blob');
    expect(registerBackendProvider(provider)).toBeUndefined();
    expect(isKnownProviderType('custom-blob')).toBe(true);
    expect(providerInReach('custom-blob')).toBe(provider);
    expect(knownProviderTypes()).toContain('custom-blob');
    expect(unregisterBackendProvider('custom-blob')).toBe(true);
    expect(isKnownProviderType('custom-blob')).toBe(false);
    expect(unregisterBackendProvider('custom-blob')).toBe(false);
  });

  it('replaces a registered type and returns the provider it replaced', () => {
    const first = blobOnly('custom-blob');
    const second = blobOnly('custom-blob');
    registerBackendProvider(first);
    expect(registerBackendProvider(second)).toBe(first);
    expect(providerInReach('custom-blob')).toBe(second);
  });

  it('lets a registered provider replace a built-in one until it is unregistered', () => {
    const replacement: BackendProvider = { type: 'memory', roles: ['blob'], buildBlobStore: () => new MemoryBlobStore() };
    expect(registerBackendProvider(replacement)).toBeUndefined();
    expect(providerInReach('memory')).toBe(replacement);
    unregisterBackendProvider('memory');
    expect(providerInReach('memory')).toBe(memoryBackendProvider);
  });

  const invalid: Array<[string, unknown]> = [
    ['null', null],
    ['a provider without type', { roles: ['blob'], buildBlobStore: () => new MemoryBlobStore() }],
    ['an empty type', { type: '', roles: ['blob'], buildBlobStore: () => new MemoryBlobStore() }],
    ['no roles', { type: 'x', roles: [] }],
    ['an unknown role', { type: 'x', roles: ['cache'] }],
    ['a blob role without buildBlobStore', { type: 'x', roles: ['blob'] }],
    ['a meta role without buildMetaStore or buildStorage', { type: 'x', roles: ['meta'], buildResourceStore: () => new MemoryResourceStore() }],
    ['an mq role without buildMessageQueueFactory', { type: 'x', roles: ['mq'] }],
    ['a validate that is not a function', { type: 'x', roles: ['meta'], buildMetaStore: () => new MemoryMetaStore(), validate: true }],
  ];
  it.each(invalid)('refuses %s', (_label, provider) => {
    const error = providerError(() => registerBackendProvider(provider as BackendProvider));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.problem).toBe('invalid_provider');
  });

  it('accepts a meta+resource provider that only builds whole storages', () => {
    const provider: BackendProvider = { type: 'custom-blob', roles: ['meta', 'resource'], buildStorage: () => memoryBackendProvider.buildStorage!('m', {}) };
    expect(() => registerBackendProvider(provider)).not.toThrow();
  });
});

describe('providerExportName', () => {
  it('derives <camelType>BackendProvider', () => {
    expect(providerExportName('disk')).toBe('diskBackendProvider');
    expect(providerExportName('postgres')).toBe('postgresBackendProvider');
    expect(providerExportName('s3')).toBe('s3BackendProvider');
    expect(providerExportName('rabbitmq')).toBe('rabbitmqBackendProvider');
    expect(providerExportName('my-queue_x')).toBe('myQueueXBackendProvider');
  });
});

describe('isMissingPackageError', () => {
  const notFound = (message: string): Error => Object.assign(new Error(message), { code: 'MODULE_NOT_FOUND' });

  it('recognises Node reporting the package itself as not found', () => {
    expect(isMissingPackageError(notFound("Cannot find module '@specstar/storage-postgres'\nRequire stack:\n- /app/x.js"), '@specstar/storage-postgres')).toBe(true);
  });

  it('does not treat a missing dependency of the package, or its missing build, as a missing package', () => {
    expect(isMissingPackageError(notFound("Cannot find module 'pg'\nRequire stack:\n- /app/node_modules/@specstar/storage-postgres/dist/index.js"), '@specstar/storage-postgres')).toBe(false);
    expect(isMissingPackageError(notFound("Cannot find module '/app/node_modules/@specstar/storage-postgres/dist/index.js'"), '@specstar/storage-postgres')).toBe(false);
  });

  it('does not treat other load errors as a missing package', () => {
    expect(isMissingPackageError(new SyntaxError("Unexpected token in '@specstar/storage-postgres'"), '@specstar/storage-postgres')).toBe(false);
    expect(isMissingPackageError('@specstar/storage-postgres', '@specstar/storage-postgres')).toBe(false);
  });

  it("recognises jest's module mapper reporting a workspace package without sources", () => {
    const error = new Error('Configuration error:\n\nCould not locate module @specstar/storage-s3 mapped as:\n/x/packages/storage-s3/src/index.ts.');
    expect(isMissingPackageError(error, '@specstar/storage-s3')).toBe(true);
    expect(isMissingPackageError(error, '@specstar/storage')).toBe(false);
  });
});

describe('built-in providers', () => {
  it('memory builds memory stores for meta, resource and blob', () => {
    expect(memoryBackendProvider.roles).toEqual(['meta', 'resource', 'blob']);
    expect(memoryBackendProvider.buildMetaStore?.('m', {})).toBeInstanceOf(MemoryMetaStore);
    expect(memoryBackendProvider.buildResourceStore?.('m', {})).toBeInstanceOf(MemoryResourceStore);
    expect(memoryBackendProvider.buildBlobStore?.({})).toBeInstanceOf(MemoryBlobStore);
  });

  it('simple serves mq with the in-process queue factory and its max_retries (default 3)', () => {
    expect(simpleBackendProvider.roles).toEqual(['mq']);
    const factory = simpleBackendProvider.buildMessageQueueFactory?.({ max_retries: 5 });
    expect(factory).toBeInstanceOf(SimpleMessageQueueFactory);
    expect((factory as SimpleMessageQueueFactory).maxRetries).toBe(5);
    expect((simpleBackendProvider.buildMessageQueueFactory!({}) as SimpleMessageQueueFactory).maxRetries).toBe(3);
  });

  it.each([[-1], [1.5], ['3']])('simple rejects max_retries %j, naming the option', (value) => {
    const error = providerError(() => simpleBackendProvider.validate?.('mq', { max_retries: value }));
    expect(error).toMatchObject({ problem: 'invalid_field', provider: 'simple', option: 'max_retries', role: 'mq' });
  });

  it('simple accepts a non-negative integer max_retries', () => {
    expect(() => simpleBackendProvider.validate?.('mq', { max_retries: 0 })).not.toThrow();
  });
});
