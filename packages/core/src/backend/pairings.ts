/**
 * Pinned combined factories: one storage whose meta and payloads live in two adapters, composed
 * here over the backend config. Core loads each adapter on demand, as a config does (a missing
 * package is an error naming the package to add), so no adapter ever loads another.
 */
import { ConfigurationError } from '@specstar/interfaces';
import type { BackendConfigInput, IBlobStore, IStorage, IStorageFactory } from '@specstar/interfaces';
import { buildBackend, planBackend, validateBackend, type BackendBundle, type BackendPlan, type ResolveBackendOptions } from './resolve';

export interface PostgresDiskStorageFactoryOptions {
  /** `postgres://user:password@host:5432/database` (`postgresql://` too). */
  dsn: string;
  /** Pool size (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
  /** Seconds before an idle connection closes (default 0: kept open). */
  idleTimeout?: number;
  /** Prepended to every table and index name (default ''). */
  tablePrefix?: string;
  /** Accepted for compatibility; payload bytes are stored exactly as the engine encoded them. */
  encoding?: 'json' | 'msgpack';
  /** The shared blob store (default: in memory — blobs do not survive a restart). */
  blobStore?: IBlobStore;
  /** Directory for the revision payloads (`<rootdir>/<model>/…`, as @specstar/storage-disk lays them out). */
  rootdir: string;
  /** How the adapter packages are loaded (default: as a backend config loads them). */
  loadPackage?: ResolveBackendOptions['loadPackage'];
}

/** The backend config this factory stands for: meta on `postgres`, resource on `disk`. */
function postgresDiskConfig(options: PostgresDiskStorageFactoryOptions): BackendConfigInput {
  const postgres: Record<string, unknown> = { dsn: options.dsn, table_prefix: options.tablePrefix ?? '' };
  if (options.max !== undefined) postgres['max'] = options.max;
  if (options.connectTimeout !== undefined) postgres['connect_timeout'] = options.connectTimeout;
  if (options.idleTimeout !== undefined) postgres['idle_timeout'] = options.idleTimeout;
  if (options.encoding !== undefined) postgres['encoding'] = options.encoding;
  return { version: 1, meta: { type: 'postgres', options: postgres }, resource: { type: 'disk', options: { rootdir: options.rootdir } }, blob: { type: 'memory' } };
}

/**
 * Meta in PostgreSQL (@specstar/storage-postgres), revision payloads on local disk
 * (@specstar/storage-disk), blobs in memory unless given. Commits are not one transaction
 * across the two (atomicCommit false), but the meta store decides each write (If-Match, unique
 * claims) in its transaction and holds that decision while the payload is written (atomicUnique
 * true): a losing writer stores nothing. `connect()` checks the server and the rootdir.
 */
export class PostgresDiskStorageFactory implements IStorageFactory {
  readonly rootdir: string;
  readonly tablePrefix: string;
  private readonly plan: BackendPlan;
  private bundle: BackendBundle | undefined;
  private readonly blobStore: IBlobStore | undefined;
  private readonly built = new Set<IStorage>();
  private closed = false;

  constructor(options: PostgresDiskStorageFactoryOptions) {
    if (typeof options.rootdir !== 'string' || options.rootdir.trim() === '') {
      throw new ConfigurationError(`PostgresDiskStorageFactory needs 'rootdir', the directory for revision payloads`);
    }
    this.rootdir = options.rootdir;
    this.tablePrefix = options.tablePrefix ?? '';
    this.blobStore = options.blobStore;
    this.plan = planBackend(postgresDiskConfig(options), { loadPackage: options.loadPackage });
  }

  /** Connects and checks the CREATE privilege, and that the rootdir is a writable directory. */
  connect(): Promise<void> {
    return validateBackend(this.plan);
  }

  /** The resolved backend (providers, options); built on first use. */
  get backend(): BackendBundle {
    this.bundle ??= buildBackend(this.plan);
    return this.bundle;
  }

  build(modelName: string): IStorage {
    if (this.closed) throw new ConfigurationError(`The PostgreSQL + disk storage factory for '${this.rootdir}' is closed`);
    const storage = this.backend.storageFactory.build(modelName);
    this.built.add(storage);
    return storage;
  }

  buildBlobStore(): IBlobStore {
    return this.blobStore ?? this.backend.blobStore;
  }

  /** Closes every storage it built (their pool leases and files), then the providers. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const storages = [...this.built];
    this.built.clear();
    await Promise.all(storages.map((storage) => storage.close()));
    await this.bundle?.storageFactory.close();
  }
}
