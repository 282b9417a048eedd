/**
 * Pinned combined factories: one storage whose meta and payloads (and blobs) live in different
 * adapters, composed here over the backend config. Core loads each adapter on demand, as a config
 * does (a missing package is an error naming the package to add), so no adapter ever loads another.
 *
 *   PostgresDiskStorageFactory     meta postgres, revisions disk, blobs memory (unless given)
 *   PostgreSQLS3StorageFactory     meta postgres, revisions S3,   blobs S3
 *   PostgresDiskS3StorageFactory   meta postgres, revisions disk, blobs S3
 */
import { ConfigurationError } from '@specstar/interfaces';
import type { BackendBinding, BackendConfigInput, IBlobStore, IStorage, IStorageFactory } from '@specstar/interfaces';
import { buildBackend, planBackend, validateBackend, type BackendBundle, type BackendPlan, type ResolveBackendOptions } from './resolve';
import { postgresOptions, s3Options, type PostgresPairingOptions, type S3BlobPairingOptions, type S3ConnectionPairingOptions } from './pairing-options';

export type { PostgresPairingOptions, S3BlobPairingOptions, S3ConnectionPairingOptions } from './pairing-options';

interface PairingSetup {
  /** What messages call it, e.g. 'PostgreSQL + disk'. */
  label: string;
  config: BackendConfigInput;
  blobStore?: IBlobStore;
  loadPackage?: ResolveBackendOptions['loadPackage'];
}

/**
 * A storage factory standing for one backend config: plans it at construction (packages load,
 * options are checked), builds it on first use, closes what it built.
 */
export class BackendPairingFactory implements IStorageFactory {
  private readonly label: string;
  private readonly plan: BackendPlan;
  private bundle: BackendBundle | undefined;
  private readonly blobStore: IBlobStore | undefined;
  private readonly built = new Set<IStorage>();
  private closed = false;

  protected constructor(setup: PairingSetup) {
    this.label = setup.label;
    this.blobStore = setup.blobStore;
    this.plan = planBackend(setup.config, { loadPackage: setup.loadPackage });
  }

  /** Checks every backend: the server and the CREATE privilege, the rootdir, the bucket. */
  connect(): Promise<void> {
    return validateBackend(this.plan);
  }

  /** The resolved backend (providers, options); built on first use. */
  get backend(): BackendBundle {
    this.bundle ??= buildBackend(this.plan);
    return this.bundle;
  }

  build(modelName: string): IStorage {
    if (this.closed) throw new ConfigurationError(`The ${this.label} storage factory is closed`);
    const storage = this.backend.storageFactory.build(modelName);
    this.built.add(storage);
    return storage;
  }

  buildBlobStore(): IBlobStore {
    return this.blobStore ?? this.backend.blobStore;
  }

  /** Closes every storage it built (their pool leases, files and clients), then the providers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const storages = [...this.built];
    this.built.clear();
    await Promise.all(storages.map((storage) => storage.close()));
    await this.bundle?.storageFactory.close();
  }
}

function requireRootdir(rootdir: unknown, factory: string): string {
  if (typeof rootdir !== 'string' || rootdir.trim() === '') {
    throw new ConfigurationError(`${factory} needs 'rootdir', the directory for revision payloads`);
  }
  return rootdir;
}

function binding(type: string, options: Record<string, unknown>): BackendBinding {
  return { type, options };
}

// ---- PostgreSQL + disk -----------------------------------------------------------------------

export interface PostgresDiskStorageFactoryOptions extends PostgresPairingOptions {
  /** The shared blob store (default: in memory — blobs do not survive a restart). */
  blobStore?: IBlobStore;
  /** Directory for the revision payloads (`<rootdir>/<model>/…`, as @specstar/storage-disk lays them out). */
  rootdir: string;
  /** How the adapter packages are loaded (default: as a backend config loads them). */
  loadPackage?: ResolveBackendOptions['loadPackage'];
}

/**
 * Meta in PostgreSQL (@specstar/storage-postgres), revision payloads on local disk
 * (@specstar/storage-disk), blobs in memory unless given. Commits are not one transaction
 * across the two (atomicCommit false), but the meta store decides each write (If-Match, unique
 * claims) in its transaction and holds that decision while the payload is written (atomicUnique
 * true): a losing writer stores nothing. `connect()` checks the server and the rootdir.
 */
export class PostgresDiskStorageFactory extends BackendPairingFactory {
  readonly rootdir: string;
  readonly tablePrefix: string;

  constructor(options: PostgresDiskStorageFactoryOptions) {
    const rootdir = requireRootdir(options.rootdir, 'PostgresDiskStorageFactory');
    super({
      label: `PostgreSQL + disk (${rootdir})`,
      config: { version: 1, meta: binding('postgres', postgresOptions(options)), resource: binding('disk', { rootdir }), blob: { type: 'memory' } },
      blobStore: options.blobStore,
      loadPackage: options.loadPackage,
    });
    this.rootdir = rootdir;
    this.tablePrefix = options.tablePrefix ?? '';
  }
}

// ---- PostgreSQL + S3 -------------------------------------------------------------------------

export interface PostgreSQLS3StorageFactoryOptions extends PostgresPairingOptions, S3ConnectionPairingOptions, S3BlobPairingOptions {
  loadPackage?: ResolveBackendOptions['loadPackage'];
}

/**
 * Meta in PostgreSQL (@specstar/storage-postgres); revision payloads (`<model>/…` in `s3Bucket`)
 * and blobs (`<blobPrefix><file_id>` in `blobBucket`, default `s3Bucket`) on S3
 * (@specstar/storage-s3). The meta store decides each write and holds the decision while the
 * payload object is written (atomicUnique). `connect()` checks the server and the buckets.
 */
export class PostgreSQLS3StorageFactory extends BackendPairingFactory {
  readonly s3Bucket: string;
  readonly tablePrefix: string;

  constructor(options: PostgreSQLS3StorageFactoryOptions) {
    const s3 = s3Options(options, 'PostgreSQLS3StorageFactory');
    super({
      label: `PostgreSQL + S3 (bucket ${options.s3Bucket})`,
      config: { version: 1, meta: binding('postgres', postgresOptions(options)), resource: binding('s3', s3.resource), blob: binding('s3', s3.blob) },
      loadPackage: options.loadPackage,
    });
    this.s3Bucket = options.s3Bucket;
    this.tablePrefix = options.tablePrefix ?? '';
  }
}

// ---- PostgreSQL + disk + S3 blobs ----------------------------------------------------------

export interface PostgresDiskS3StorageFactoryOptions extends PostgresPairingOptions, S3ConnectionPairingOptions, S3BlobPairingOptions {
  /** Directory for the revision payloads (`<rootdir>/<model>/…`). */
  rootdir: string;
  loadPackage?: ResolveBackendOptions['loadPackage'];
}

/**
 * The production shape of the setup guide: meta in PostgreSQL, revision payloads on local or
 * mounted disk, blobs on S3 (`<blobPrefix><file_id>` in `blobBucket`, default `s3Bucket`).
 * `connect()` checks the server, the rootdir and the bucket.
 */
export class PostgresDiskS3StorageFactory extends BackendPairingFactory {
  readonly rootdir: string;
  readonly s3Bucket: string;
  readonly tablePrefix: string;

  constructor(options: PostgresDiskS3StorageFactoryOptions) {
    const rootdir = requireRootdir(options.rootdir, 'PostgresDiskS3StorageFactory');
    const s3 = s3Options(options, 'PostgresDiskS3StorageFactory');
    super({
      label: `PostgreSQL + disk (${rootdir}) + S3 blobs (bucket ${options.s3Bucket})`,
      config: { version: 1, meta: binding('postgres', postgresOptions(options)), resource: binding('disk', { rootdir }), blob: binding('s3', s3.blob) },
      loadPackage: options.loadPackage,
    });
    this.rootdir = rootdir;
    this.s3Bucket = options.s3Bucket;
    this.tablePrefix = options.tablePrefix ?? '';
  }
}
