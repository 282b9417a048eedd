/**
 * The storage of one model under a rootdir:
 *
 *   <rootdir>/<model>/meta.sqlite3   meta table (SqliteMetaStore) + revision index, WAL;
 *                                    payloads up to `inlineBytes` live in their index row
 *   <rootdir>/<model>/data/<file>    one payload file per bigger revision record
 *
 * A commit writes a payload file (if any) durably first, then checks the expectation, upserts the
 * revision row and writes the meta in ONE SQLite savepoint. The commit is atomic: a reader (in
 * this process or another) sees both or neither, and a crash at any point leaves the last
 * committed state. A refused commit writes no row; its payload file is removed right away.
 *
 * Concurrent commits share a transaction and its WAL sync (group-commit.ts): each is
 * acknowledged once its batch is durable, and a refused one fails alone.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import type Database from 'better-sqlite3';
import { ResourceConflictError, RevisionMismatchError, type SpecStarError } from '@specstar/interfaces';
import type {
  IStorage,
  ResourceMeta,
  ResourceMetaSearchQuery,
  RevisionInfo,
  RevisionPage,
  RevisionPageRequest,
  StorageCapabilities,
  StorageWrite,
  StoredRevision,
  WriteExpectation,
} from '@specstar/interfaces';
import { expectationRefusal, findUniqueViolation } from '@specstar/core/adapter';
import { SqliteMetaStore } from './meta-store';
import { ensureDirectory, openDatabase, removeFileQuietly } from './files';
import { GroupCommit } from './group-commit';
import { MetaCache } from './meta-cache';
import { childPath, modelPaths, resolveRootdir, type ModelPaths } from './paths';
import { RevisionIndex, listResourceIds, saveRevisionsDurably, type PreparedRevision } from './resource-store';

/** Name of the meta table inside each model's SQLite file. */
export const META_TABLE = 'meta';

export interface DiskStorageOptions {
  /**
   * Accepted for backend-config compatibility (`defaults.encoding`). Payload bytes are stored
   * exactly as the engine encoded them (the model's encoding); records in SQLite are JSON.
   */
  encoding?: 'json' | 'msgpack';
  /**
   * Bytes of revision payloads kept in memory for reads (default 16 MiB, 0 = off). Payload files
   * are immutable (every write gets a fresh name), so the cache is exact across processes.
   */
  cacheBytes?: number;
  /** Payloads up to this many bytes are kept in their SQLite row, not a file (default 64 KiB; 0 = none). */
  inlineBytes?: number;
}

export interface SweepOptions {
  /** Only files older than this are removed (default one hour), so in-flight writes of another process survive. */
  olderThanMs?: number;
}

const DEFAULT_SWEEP_AGE_MS = 60 * 60 * 1000;

function conflict(resourceId: string): ResourceConflictError {
  return new ResourceConflictError(`Resource '${resourceId}' already exists`, resourceId);
}

export class DiskStorage implements IStorage {
  readonly capabilities: StorageCapabilities = {
    search: true,
    compareAndSet: true,
    createIfAbsent: true,
    batchWrite: true,
    atomicCommit: true,
    atomicUnique: true,
  };
  readonly paths: ModelPaths;
  private readonly db: Database.Database;
  private readonly metas: SqliteMetaStore;
  private readonly revisions: RevisionIndex;
  private readonly group: GroupCommit;
  private readonly metaCache: MetaCache;

  constructor(
    rootdir: string,
    readonly model: string,
    readonly options: DiskStorageOptions = {},
  ) {
    this.paths = modelPaths(resolveRootdir(rootdir), model);
    ensureDirectory(this.paths.dir);
    // Every write on this connection goes through `group`, which syncs the WAL before it acknowledges.
    this.db = openDatabase(this.paths.dbFile, { walSyncedByCaller: true });
    try {
      this.metas = new SqliteMetaStore(this.db, { table: META_TABLE });
      this.revisions = new RevisionIndex(this.db, this.paths.dataDir, { cacheBytes: options.cacheBytes, inlineBytes: options.inlineBytes });
      this.group = new GroupCommit(this.db);
      this.metaCache = new MetaCache(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  async exists(resourceId: string): Promise<boolean> {
    return this.metas.hasSync(resourceId);
  }

  async getMeta(resourceId: string): Promise<ResourceMeta | undefined> {
    return this.metaCache.get(resourceId, (id) => this.metas.getSync(id));
  }

  commit(write: StorageWrite): Promise<void> {
    return this.group.operation(() => this.commitNow(write));
  }

  private async commitNow(write: StorageWrite): Promise<void> {
    const { revision, meta, expect } = write;
    // Checked before the payload is written too, so a doomed write costs no file I/O; the
    // transaction decides, atomically.
    const refused = expect === undefined ? undefined : this.refusal(meta.resource_id, expect);
    if (refused !== undefined) throw refused;
    const prepared = revision === undefined ? undefined : await this.revisions.prepare(revision.info, revision.data);
    let replaced: string | undefined;
    try {
      replaced = await this.group.run(() => this.applyCommit(write, prepared));
    } catch (error) {
      if (prepared !== undefined) await this.revisions.discardPrepared([prepared]);
      throw error;
    }
    if (replaced !== undefined) await this.revisions.discard([replaced]);
  }

  /** The statements of one commit, inside its batch's write lock; a throw rolls back this commit only. */
  private applyCommit(write: StorageWrite, prepared: PreparedRevision | undefined): string | undefined {
    const { meta, expect } = write;
    this.metaCache.forget(meta.resource_id);
    // Inside the write lock: no other process can claim the same value between check and write.
    const violation = findUniqueViolation(write, (field, value, exceptId) => this.metas.uniqueHolderSync(field, value, exceptId));
    if (violation !== undefined) throw violation;
    const replaced = prepared === undefined ? undefined : this.revisions.upsertSync(prepared);
    // A refused meta write throws, which rolls the revision row back with it.
    if (expect === undefined) this.metas.putSync(meta);
    else if ('absent' in expect) {
      if (!this.metas.insertSync(meta)) throw conflict(meta.resource_id);
    } else if (!this.metas.putIfCurrentSync(meta, expect)) {
      throw this.refusal(meta.resource_id, expect) ?? new RevisionMismatchError(meta.resource_id, expect.current_revision_id, null);
    }
    return replaced;
  }

  /** The error a write with this expectation gets against what is stored now; undefined when it may proceed. */
  private refusal(resourceId: string, expect: WriteExpectation): SpecStarError | undefined {
    return expectationRefusal(resourceId, this.metas.getSync(resourceId), expect);
  }

  async listRevisions(resourceId: string): Promise<string[]> {
    return this.revisions.revisionIdsSync(resourceId);
  }

  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    return this.revisions.revisionPageSync(resourceId, request);
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    return this.revisions.schemaVersionsSync(resourceId, revisionId);
  }

  async revisionExists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    return this.revisions.existsSync(resourceId, revisionId, schemaVersion);
  }

  getRevision(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    return this.revisions.read(resourceId, revisionId, schemaVersion);
  }

  async getRevisionInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    return this.revisions.infoSync(resourceId, revisionId, schemaVersion);
  }

  saveRevision(info: RevisionInfo, data: Uint8Array): Promise<void> {
    return this.saveRevisions([{ info, data }]);
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    const cached = this.metaCache.search(
      () => this.metas.searchIdsSync(query),
      (ids) => this.metas.getManySync(ids),
    );
    return cached ?? this.metas.searchSync(query);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    return this.metas.countSync(query);
  }

  async purgeMeta(resourceId: string): Promise<void> {
    await this.group.run(() => {
      this.metaCache.forget(resourceId);
      this.metas.deleteSync(resourceId);
    });
  }

  async purgeResource(resourceId: string): Promise<void> {
    const files = await this.group.run(() => {
      this.metaCache.forget(resourceId);
      this.metas.deleteSync(resourceId);
      return this.revisions.purgeSync(resourceId);
    });
    // After the commit: a crash in between leaves unreferenced files, never a row without its file.
    await this.revisions.discard(files);
  }

  /** Rows go in one transaction; the payload files after it (a crash leaves unreferenced files only). */
  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    const files = await this.group.run(() => this.revisions.deleteRevisionSync(resourceId, revisionId));
    await this.revisions.discard(files);
  }

  async *iterMetas(resourceIds?: Iterable<string>): AsyncIterable<ResourceMeta> {
    if (resourceIds === undefined) {
      yield* this.metas.values();
      return;
    }
    for (const resourceId of resourceIds) {
      const meta = this.metas.getSync(resourceId);
      if (meta !== undefined) yield meta;
    }
  }

  async *iterRevisions(resourceId: string): AsyncIterable<StoredRevision> {
    yield* await this.revisions.readAll(resourceId);
  }

  /** Ids with at least one revision record (dump and maintenance). */
  listResources(): AsyncIterable<string> {
    return listResourceIds(this.revisions);
  }

  async saveMetas(metas: ResourceMeta[]): Promise<void> {
    await this.group.run(() => {
      for (const meta of metas) {
        this.metaCache.forget(meta.resource_id);
        this.metas.putSync(meta);
      }
    });
  }

  saveRevisions(items: StoredRevision[]): Promise<void> {
    return this.group.operation(() => saveRevisionsDurably(this.revisions, items, (apply) => this.group.run(apply)));
  }

  /**
   * Removes what a crash can leave behind: temporary files of interrupted writes and payload
   * files no row points at (a commit killed between its file and its transaction). Only files
   * older than `olderThanMs` go, so writes in flight in another process are safe. Returns the
   * number of files removed.
   */
  async sweepOrphans(options: SweepOptions = {}): Promise<number> {
    const cutoff = Date.now() - (options.olderThanMs ?? DEFAULT_SWEEP_AGE_MS);
    const names = await fsp.readdir(this.paths.dataDir);
    // Read after the listing: a listed file whose commit finished meanwhile is in the set.
    const referenced = this.revisions.referencedFilesSync();
    let removed = 0;
    for (const name of names) {
      if (referenced.has(name)) continue;
      const file = childPath(this.paths.dataDir, name, 'file');
      let stat: fs.Stats;
      try {
        stat = await fsp.stat(file);
      } catch {
        continue; // gone meanwhile
      }
      if (!stat.isFile() || stat.mtimeMs > cutoff) continue;
      await removeFileQuietly(file);
      removed++;
    }
    return removed;
  }

  /** SQLite's own consistency check of the model database: `['ok']` when sound. */
  integrityCheck(): string[] {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((row) => row.integrity_check);
  }

  /** After the writes already queued are acknowledged. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.group.close();
    if (this.db.open) this.db.close();
  }

  /** Whether close() has run. */
  get closed(): boolean {
    return !this.db.open;
  }
}

/**
 * The SQLite meta store of one model on its own connection (for a backend that keeps revisions
 * elsewhere); close() closes the connection. Same file and table as DiskStorage uses.
 */
export class DiskMetaStore extends SqliteMetaStore {
  private readonly connection: Database.Database;

  constructor(rootdir: string, model: string) {
    const paths = modelPaths(resolveRootdir(rootdir), model);
    ensureDirectory(paths.dir);
    const db = openDatabase(paths.dbFile);
    try {
      super(db, { table: META_TABLE });
    } catch (error) {
      db.close();
      throw error;
    }
    this.connection = db;
  }

  override async close(): Promise<void> {
    await super.close?.();
    if (this.connection.open) this.connection.close();
  }
}
