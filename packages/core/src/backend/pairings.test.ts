import { ConfigurationError } from '@specstar/interfaces';
import type { BackendProvider, BackendRole, IMetaStore, ResolvedOptions } from '@specstar/interfaces';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, SimpleStorage } from '../storage';
import { BackendConfigError } from './errors';
import { PostgresDiskS3StorageFactory, PostgresDiskStorageFactory, PostgreSQLS3StorageFactory } from './pairings';
import type { PackageLoader } from './providers';

interface Calls {
  meta: Array<[string, ResolvedOptions]>;
  resource: Array<[string, ResolvedOptions]>;
  validate: BackendRole[];
  metaClosed: number;
  s3Resource: Array<[string, ResolvedOptions]>;
  s3Blob: ResolvedOptions[];
  s3Validate: BackendRole[];
}

/** Stand-ins for the two adapter packages: memory stores that record what core asks of them. */
function fakeAdapters(): { calls: Calls; load: PackageLoader } {
  const calls: Calls = { meta: [], resource: [], validate: [], metaClosed: 0, s3Resource: [], s3Blob: [], s3Validate: [] };
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
  const s3BlobStore = new MemoryBlobStore();
  const s3BackendProvider: BackendProvider = {
    type: 's3',
    roles: ['meta', 'resource', 'blob'],
    buildMetaStore: () => new MemoryMetaStore(),
    buildResourceStore(model, options) {
      calls.s3Resource.push([model, options]);
      return new MemoryResourceStore();
    },
    buildBlobStore(options) {
      calls.s3Blob.push(options);
      return s3BlobStore;
    },
    validate: async (role) => {
      calls.s3Validate.push(role);
    },
  };
  const packages: Record<string, unknown> = {
    '@specstar/storage-postgres': { postgresBackendProvider },
    '@specstar/storage-disk': { diskBackendProvider },
    '@specstar/storage-s3': { s3BackendProvider },
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

const S3 = { s3Bucket: 'data', s3Region: 'eu-west-1', s3AccessKeyId: 'AK', s3SecretAccessKey: 'SK', s3EndpointUrl: 'http://minio:9000' };

describe('PostgreSQLS3StorageFactory (meta: postgres, resource: s3, blob: s3)', () => {
  it('composes the postgres meta store with the S3 revision and blob stores, with the options mapped', async () => {
    const { calls, load } = fakeAdapters();
    const factory = new PostgreSQLS3StorageFactory({
      connectionString: 'postgres://db/x',
      tablePrefix: 'p_',
      ...S3,
      s3ClientKwargs: { max_attempts: 2 },
      blobBucket: 'files',
      blobPrefix: 'up/',
      uploadMethod: 'single_put',
      presignedUrlExpiry: 900,
      loadPackage: load,
    });
    expect(factory.build('note')).toBeInstanceOf(SimpleStorage);
    expect(calls.meta).toEqual([['note', expect.objectContaining({ connection_string: 'postgres://db/x', table_prefix: 'p_' })]]);
    const connection = { bucket: 'data', region_name: 'eu-west-1', access_key_id: 'AK', secret_access_key: 'SK', endpoint_url: 'http://minio:9000', client_kwargs: { max_attempts: 2 } };
    expect(calls.s3Resource).toEqual([['note', expect.objectContaining(connection)]]);
    expect(calls.s3Resource[0]![1]).not.toHaveProperty('blob_bucket');
    expect(factory.buildBlobStore()).toBeInstanceOf(MemoryBlobStore);
    expect(calls.s3Blob).toEqual([
      expect.objectContaining({ ...connection, blob_bucket: 'files', blob_prefix: 'up/', upload_method: 'single_put', presigned_url_expiry: 900 }),
    ]);
    await factory.connect();
    expect(calls.validate).toEqual(['meta']);
    expect(calls.s3Validate).toEqual(['resource', 'blob']);
    await factory.close();
    expect(calls.metaClosed).toBe(1);
    expect(() => factory.build('note')).toThrow(ConfigurationError);
  });

  it('blob options default to BackendDefaults (blobs/, proxy, 3600 s) and the blob bucket to s3Bucket', () => {
    const { calls, load } = fakeAdapters();
    const factory = new PostgreSQLS3StorageFactory({ dsn: 'postgres://db/x', s3Bucket: 'data', loadPackage: load });
    factory.buildBlobStore();
    expect(calls.s3Blob).toEqual([expect.objectContaining({ bucket: 'data', blob_prefix: 'blobs/', upload_method: 'proxy', presigned_url_expiry: 3600 })]);
    expect(calls.s3Blob[0]).not.toHaveProperty('blob_bucket');
  });

  it('needs s3Bucket, and dsn or connectionString', () => {
    const { load } = fakeAdapters();
    expect(() => new PostgreSQLS3StorageFactory({ dsn: 'postgres://db/x', s3Bucket: '', loadPackage: load })).toThrow(/s3Bucket/);
    let caught: unknown;
    try {
      new PostgreSQLS3StorageFactory({ s3Bucket: 'data', loadPackage: load });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BackendConfigError);
    expect(caught).toMatchObject({ problem: 'missing_option', role: 'meta' });
  });
});

describe('PostgresDiskS3StorageFactory (meta: postgres, resource: disk, blob: s3)', () => {
  it('composes postgres metas, disk revisions and S3 blobs', async () => {
    const { calls, load } = fakeAdapters();
    const factory = new PostgresDiskS3StorageFactory({ connectionString: 'postgres://db/x', rootdir: '/data', ...S3, loadPackage: load });
    expect(factory.build('note')).toBeInstanceOf(SimpleStorage);
    expect(calls.meta).toEqual([['note', expect.objectContaining({ connection_string: 'postgres://db/x' })]]);
    expect(calls.resource).toEqual([['note', expect.objectContaining({ rootdir: '/data' })]]);
    expect(calls.s3Resource).toEqual([]);
    factory.buildBlobStore();
    expect(calls.s3Blob).toEqual([expect.objectContaining({ bucket: 'data', endpoint_url: 'http://minio:9000', blob_prefix: 'blobs/' })]);
    await factory.connect();
    expect(calls.s3Validate).toEqual(['blob']);
    await factory.close();
  });

  it('needs a rootdir and s3Bucket', () => {
    const { load } = fakeAdapters();
    expect(() => new PostgresDiskS3StorageFactory({ dsn: 'postgres://db/x', rootdir: '', s3Bucket: 'data', loadPackage: load })).toThrow(/rootdir/);
    expect(() => new PostgresDiskS3StorageFactory({ dsn: 'postgres://db/x', rootdir: '/data', s3Bucket: ' ', loadPackage: load })).toThrow(/s3Bucket/);
  });
});
