import { ConfigurationError } from '@specstar/interfaces';
import type { BackendProvider, BackendRole, IMetaStore, ResolvedOptions } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, SimpleStorage } from '../storage';
import { BackendConfigError } from './errors';
import { PostgresDiskStorageFactory } from './pairings';
import type { PackageLoader } from './providers';

interface Calls {
  meta: Array<[string, ResolvedOptions]>;
  resource: Array<[string, ResolvedOptions]>;
  validate: BackendRole[];
  metaClosed: number;
}

/** Stand-ins for the two adapter packages: memory stores that record what core asks of them. */
function fakeAdapters(): { calls: Calls; load: PackageLoader } {
  const calls: Calls = { meta: [], resource: [], validate: [], metaClosed: 0 };
  const postgresBackendProvider: BackendProvider = {
    type: 'postgres',
    roles: ['meta', 'resource'],
    buildMetaStore(model, options) {
      calls.meta.push([model, options]);
      // Typed as the contract: close() is optional there, and the memory store has none.
      const store: IMetaStore = new MemoryMetaStore();
      store.close = async () => {
        calls.metaClosed += 1;
      };
      return store;
    },
    buildResourceStore: () => new MemoryResourceStore(),
    validate: async (role) => {
      calls.validate.push(role);
    },
  };
  const diskBackendProvider: BackendProvider = {
    type: 'disk',
    roles: ['meta', 'resource', 'blob'],
    buildMetaStore: () => new MemoryMetaStore(),
    buildResourceStore(model, options) {
      calls.resource.push([model, options]);
      return new MemoryResourceStore();
    },
    buildBlobStore: () => new MemoryBlobStore(),
  };
  const packages: Record<string, unknown> = {
    '@specstar/storage-postgres': { postgresBackendProvider },
    '@specstar/storage-disk': { diskBackendProvider },
  };
  const load: PackageLoader = (name) => {
    if (name in packages) return packages[name];
    throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
  };
  return { calls, load };
}

describe('PostgresDiskStorageFactory (the backend config meta: postgres, resource: disk)', () => {
  it('composes the postgres meta store with the disk resource store, with the options mapped', async () => {
    const { calls, load } = fakeAdapters();
    const factory = new PostgresDiskStorageFactory({ dsn: 'postgres://db/x', rootdir: '/data', tablePrefix: 'p_', max: 2, loadPackage: load });
    const storage = factory.build('note');
    expect(storage).toBeInstanceOf(SimpleStorage);
    expect(calls.meta).toEqual([['note', expect.objectContaining({ dsn: 'postgres://db/x', table_prefix: 'p_', max: 2 })]]);
    expect(calls.resource).toEqual([['note', expect.objectContaining({ rootdir: '/data' })]]);
    expect(factory.buildBlobStore()).toBeInstanceOf(MemoryBlobStore);
    await factory.connect();
    expect(calls.validate).toEqual(['meta']);
    await factory.close();
    await factory.close();
    expect(calls.metaClosed).toBe(1);
    expect(() => factory.build('note')).toThrow(ConfigurationError);
  });

  it('uses the blob store it is given', () => {
    const blobStore = new MemoryBlobStore();
    const factory = new PostgresDiskStorageFactory({ dsn: 'postgres://db/x', rootdir: '/data', blobStore, loadPackage: fakeAdapters().load });
    expect(factory.buildBlobStore()).toBe(blobStore);
  });

  it('needs a rootdir', () => {
    expect(() => new PostgresDiskStorageFactory({ dsn: 'postgres://db/x', rootdir: ' ', loadPackage: fakeAdapters().load })).toThrow(ConfigurationError);
  });

  it('names the package to add when an adapter is not installed', () => {
    const { load } = fakeAdapters();
    const withoutDisk: PackageLoader = (name) => {
      if (name === '@specstar/storage-disk') throw Object.assign(new Error(`Cannot find module '${name}'`), { code: 'MODULE_NOT_FOUND' });
      return load(name);
    };
    let caught: unknown;
    try {
      new PostgresDiskStorageFactory({ dsn: 'postgres://db/x', rootdir: '/data', loadPackage: withoutDisk });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendConfigError);
    expect(caught).toMatchObject({ problem: 'missing_package', package: '@specstar/storage-disk' });
    expect((caught as Error).message).toContain('pnpm add @specstar/storage-disk');
  });
});
