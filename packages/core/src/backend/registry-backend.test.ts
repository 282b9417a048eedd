import { SimpleMessageQueueFactory } from '../jobs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, NotSupportedError } from '@specstar/interfaces';
import type { BackendProvider, IStorage, ResolvedOptions } from '@specstar/interfaces';
import { SpecStar } from '../registry';
import { MemoryBlobStore, MemoryStorage, MemoryStorageFactory } from '../storage';
import { BackendConfig } from './config';
import { BackendConfigError } from './errors';
import { registerBackendProvider, unregisterBackendProvider } from './providers';

const ItemSchema = { title: 'Item', type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const ctx = { user: 'tester', now: new Date('2025-01-01T00:00:00.000Z') };

/** A provider over memory stores that remembers which storage it built for which model. */
function recordingProvider(type: string, extra: Partial<BackendProvider> = {}) {
  const built = new Map<string, { storage: IStorage; options: ResolvedOptions }>();
  const blobStore = new MemoryBlobStore();
  let closed = 0;
  const provider: BackendProvider = {
    type,
    roles: ['meta', 'resource', 'blob'],
    buildStorage: (model, options) => {
      const storage = new MemoryStorage();
      built.set(model, { storage, options });
      return storage;
    },
    buildBlobStore: () => blobStore,
    close: async () => {
      closed += 1;
    },
    ...extra,
  };
  return { provider, built, blobStore, closed: () => closed };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'specstar-registry-backend-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const registered: string[] = [];
function register(provider: BackendProvider): void {
  registerBackendProvider(provider);
  registered.push(provider.type);
}
afterEach(() => {
  for (const type of registered.splice(0)) unregisterBackendProvider(type);
  delete process.env.SPECSTAR_TEST_ROOT;
});

describe('SpecStar with a unified backend', () => {
  it('builds every model storage and the shared blob store from the backend (configure)', async () => {
    const { provider, built, blobStore } = recordingProvider('fake');
    register(provider);
    const spec = new SpecStar();
    await spec.configure({ backend: { connections: { local: { type: 'fake', options: { root: '/r' } } }, meta: { use: 'local' }, resource: { use: 'local' }, blob: { use: 'local' } } });
    const items = spec.addModel({ ...ItemSchema });
    const info = await items.create({ name: 'sword' }, ctx);
    expect(built.get('item')?.storage).toBe(items.storage);
    expect(await built.get('item')?.storage.exists(info.resource_id)).toBe(true);
    expect(built.get('item')?.options).toMatchObject({ root: '/r' });
    expect(spec.getBlobStore()).toBe(blobStore);
    expect(items.blobStore).toBe(blobStore);
    expect(spec.backend).toBeInstanceOf(BackendConfig);
    expect(spec.backend?.meta.use).toBe('local');
  });

  it('accepts a JSON file path with ${VAR} expansion from the environment', async () => {
    const { provider, built } = recordingProvider('fake');
    register(provider);
    process.env.SPECSTAR_TEST_ROOT = join(dir, 'data');
    const file = join(dir, 'backend.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        connections: { local: { type: 'fake', options: { rootdir: '${SPECSTAR_TEST_ROOT}' } }, jobs: { type: 'simple', options: { max_retries: 3 } } },
        meta: { use: 'local' },
        resource: { use: 'local' },
        blob: { use: 'local' },
        mq: { use: 'jobs' },
      }),
    );
    const spec = new SpecStar();
    await spec.configure({ backend: file });
    spec.addModel({ ...ItemSchema });
    expect(built.get('item')?.options).toMatchObject({ rootdir: join(dir, 'data') });
    expect(spec.messageQueueFactory).toBeInstanceOf(SimpleMessageQueueFactory);
  });

  it('accepts a backend in the constructor for providers that validate synchronously', async () => {
    const spec = new SpecStar({ backend: { meta: { type: 'memory' }, resource: { type: 'memory' }, blob: { type: 'memory' } } });
    const items = spec.addModel({ ...ItemSchema });
    expect(items.storage).toBeInstanceOf(MemoryStorage);
    const info = await items.create({ name: 'shield' }, ctx);
    expect((await items.get(info.resource_id)).data).toEqual({ name: 'shield' });
    expect(spec.backend?.toJSON()).toEqual({});
  });

  it('refuses in the constructor a provider that validates asynchronously, and accepts it in configure()', async () => {
    const { provider } = recordingProvider('slow', { validate: async () => undefined });
    register(provider);
    const backend = { meta: { type: 'slow' }, resource: { type: 'slow' } };
    expect(() => new SpecStar({ backend })).toThrow(expect.objectContaining({ problem: 'async_validation', provider: 'slow' }) as Error);
    const spec = new SpecStar();
    await expect(spec.configure({ backend })).resolves.toBeUndefined();
    expect(spec.backend?.meta.type).toBe('slow');
  });

  it('creates no queue factory when mq is omitted (invariant 114)', async () => {
    const spec = new SpecStar();
    await spec.configure({ backend: {} });
    expect(spec.messageQueueFactory).toBeUndefined();
    // Without a backend config the registry's default is the in-process queue (jobs spec §2.2).
    expect(new SpecStar().messageQueueFactory).toBeInstanceOf(SimpleMessageQueueFactory);
  });

  it('refuses backend together with storageFactory', async () => {
    expect(() => new SpecStar({ backend: {}, storageFactory: new MemoryStorageFactory() })).toThrow(BackendConfigError);
    const spec = new SpecStar();
    await expect(spec.configure({ backend: {}, storageFactory: new MemoryStorageFactory() })).rejects.toMatchObject({ problem: 'invalid_input', field: 'backend' });
    expect(spec.backend).toBeUndefined();
  });

  it('treats backend: null as not given', async () => {
    const spec = new SpecStar({ backend: null });
    await spec.configure({ backend: null, defaultStatus: 'draft' });
    expect(spec.backend).toBeUndefined();
    const info = await spec.addModel({ ...ItemSchema }).create({ name: 'x' }, ctx);
    expect(info.status).toBe('draft');
  });

  it('leaves the previous settings untouched when configure() fails', async () => {
    const first = recordingProvider('first');
    register(first.provider);
    const spec = new SpecStar();
    await spec.configure({ backend: { meta: { type: 'first' }, resource: { type: 'first' }, blob: { type: 'first' } } });
    const configured = spec.backend;

    await expect(spec.configure({ backend: { meta: { use: 'nowhere' } }, defaultStatus: 'draft' })).rejects.toMatchObject({ problem: 'unknown_connection' });
    await expect(spec.configure({ backend: { meta: { type: 'postgres', options: { table_prefix: 'x_' } } }, defaultStatus: 'draft' })).rejects.toMatchObject({
      problem: 'missing_option',
    });
    await expect(spec.configure({ backend: join(dir, 'absent.json'), defaultStatus: 'draft' })).rejects.toBeInstanceOf(ConfigurationError);

    expect(spec.backend).toBe(configured);
    const items = spec.addModel({ ...ItemSchema });
    expect(first.built.has('item')).toBe(true);
    expect(spec.getBlobStore()).toBe(first.blobStore);
    const info = await items.create({ name: 'axe' }, ctx);
    expect(info.status).toBe('stable'); // defaultStatus of the failed calls was not applied
  });

  it('keeps the lower-level path: storageFactory replaces a backend, per-model storage wins over both', async () => {
    const { provider, built } = recordingProvider('fake');
    register(provider);
    const spec = new SpecStar();
    await spec.configure({ backend: { meta: { type: 'fake' }, resource: { type: 'fake' } } });
    const own = new MemoryStorage();
    const pinned = spec.addModel({ ...ItemSchema }, { name: 'pinned', storage: own });
    expect(pinned.storage).toBe(own);
    expect(built.has('pinned')).toBe(false);

    const factory = new MemoryStorageFactory();
    await spec.configure({ storageFactory: factory });
    expect(spec.backend).toBeUndefined();
    spec.addModel({ ...ItemSchema }, { name: 'later' });
    expect(built.has('later')).toBe(false);
    expect(spec.getBlobStore()).toBe(factory.buildBlobStore());
  });

  it('an optional blob binding that does not resolve leaves a blob store that refuses with NotSupportedError', async () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const spec = new SpecStar({ backend: { blob: { type: 's3-custom', required: false } } });
      await expect(spec.getBlobStore().put(new Uint8Array([1]))).rejects.toBeInstanceOf(NotSupportedError);
      expect(warn).toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('closes the backend providers when the registry closes', async () => {
    const fake = recordingProvider('fake');
    register(fake.provider);
    const spec = new SpecStar();
    await spec.configure({ backend: { meta: { type: 'fake' }, resource: { type: 'fake' }, blob: { type: 'fake' } } });
    spec.addModel({ ...ItemSchema });
    await spec.close();
    expect(fake.closed()).toBe(1);
  });

  it('reports malformed JSON files with path and position through configure()', async () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{\n  "meta": {"type": "memory"\n}\n');
    const spec = new SpecStar();
    await expect(spec.configure({ backend: file })).rejects.toMatchObject({ problem: 'malformed_json', file, line: 4, column: 1 });
  });

  it('reports an unset environment variable through configure()', async () => {
    const spec = new SpecStar();
    await expect(spec.configure({ backend: { meta: { type: 'memory', options: { rootdir: '${SPECSTAR_TEST_UNSET_VAR}' } } } })).rejects.toMatchObject({
      problem: 'unset_variable',
      variable: 'SPECSTAR_TEST_UNSET_VAR',
      field: 'meta.options.rootdir',
    });
  });
});
