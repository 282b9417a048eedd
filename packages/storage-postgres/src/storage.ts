/**
 * The storage of one model on PostgreSQL: the meta table and the revisions table, one transaction
 * per commit. A commit takes the advisory locks of the unique values it claims, checks them,
 * writes the meta with its expectation (insert-if-absent or compare-and-set on
 * current_revision_id) and the revision, and commits; a refused commit rolls back and writes
 * nothing. Safe across processes: PostgreSQL row locks decide compare-and-set races and
 * transaction-scoped advisory locks decide unique races.
 */
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
} from '@specstar/interfaces';
import type { PostgresTarget, Sql } from './connection';
import { guardPool, type Runner } from './guard';
import { claimsOf, takeClaims, writeMetaRow } from './meta-commit';
import { MetaTable } from './meta-store';
import { metaRow } from './meta-rows';
import { RevisionTable, revisionRow } from './resource-store';
import { SchemaGate, type TableNames } from './schema';

export interface PostgresStorageOptions {
  target: PostgresTarget;
  names: TableNames;
  /** Called once by close(): hands the pool back to whoever lent it (the provider counts its users). */
  release?: () => Promise<void>;
}

/** How long a revision read along with its meta may answer getRevision (see getMeta). */
const PREFETCH_MS = 250;
const PREFETCH_ENTRIES = 256;

export class PostgresStorage implements IStorage {
  readonly capabilities: StorageCapabilities = {
    search: true,
    compareAndSet: true,
    createIfAbsent: true,
    batchWrite: true,
    atomicCommit: true,
    atomicUnique: true,
  };
  readonly metas: MetaTable;
  readonly revisions: RevisionTable;
  readonly names: TableNames;
  private readonly gate: SchemaGate;
  private readonly prefetched = new Map<string, { at: number; schemaVersion: string | null; revision: StoredRevision }>();

  private readonly sql: Runner;
  private release: (() => Promise<void>) | undefined;

  constructor(pool: Sql, options: PostgresStorageOptions) {
    this.release = options.release;
    this.names = options.names;
    this.metas = new MetaTable(options.names);
    this.revisions = new RevisionTable(options.names);
    this.sql = guardPool(pool, options.target, `the tables ${options.names.meta} / ${options.names.revisions}`);
    this.gate = new SchemaGate(pool, options.target, options.names, { meta: true, revisions: true });
  }

  /** Creates the tables when absent (otherwise done on first use). */
  ready(): Promise<void> {
    return this.gate.ensure();
  }

  async exists(resourceId: string): Promise<boolean> {
    await this.gate.ensure();
    return this.metas.has(this.sql, resourceId);
  }

  /**
   * The meta, read together with its current revision in one statement (a join): the engine's
   * get() asks for that revision right after, and gets it from this snapshot without a second
   * round trip. A prefetched revision is handed out once, within PREFETCH_MS, and dropped by any
   * write of the resource through this storage.
   */
  async getMeta(resourceId: string): Promise<ResourceMeta | undefined> {
    await this.gate.ensure();
    const found = await this.metas.getWithCurrent(this.sql, resourceId, this.names.revisionsSql);
    if (found === undefined) return undefined;
    if (found.revision !== undefined) {
      if (this.prefetched.size >= PREFETCH_ENTRIES) this.prefetched.delete(this.prefetched.keys().next().value as string);
      this.prefetched.set(resourceId, { at: Date.now(), schemaVersion: found.meta.schema_version, revision: found.revision });
    }
    return found.meta;
  }

  async commit(write: StorageWrite): Promise<void> {
    const { revision, meta, expect } = write;
    this.prefetched.delete(meta?.resource_id);
    // Rows are built (and validated) before the transaction opens: bad input writes nothing.
    const row = metaRow(meta);
    const revRow = revision === undefined ? undefined : revisionRow(revision.info, revision.data);
    const claims = claimsOf(write, this.names.meta);
    await this.gate.ensure();
    await this.sql.begin(async (tx) => {
      await takeClaims(tx, this.names.metaSql, claims, meta.resource_id);
      // Meta and revision go out together (pipelined); a refusal rolls both back.
      const [refused] = await Promise.all([
        writeMetaRow(tx, this.metas, row, meta.resource_id, expect).then(
          () => undefined,
          (error: unknown) => error,
        ),
        revRow === undefined ? undefined : this.revisions.saveRow(tx, revRow),
      ]);
      if (refused !== undefined) throw refused;
    });
  }

  async listRevisions(resourceId: string): Promise<string[]> {
    await this.gate.ensure();
    return this.revisions.listRevisions(this.sql, resourceId);
  }

  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    await this.gate.ensure();
    return this.revisions.listRevisionsPage(this.sql, resourceId, request);
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    await this.gate.ensure();
    return this.revisions.listSchemaVersions(this.sql, resourceId, revisionId);
  }

  async revisionExists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    await this.gate.ensure();
    return this.revisions.exists(this.sql, resourceId, revisionId, schemaVersion);
  }

  async getRevision(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    const hit = this.prefetched.get(resourceId);
    if (hit !== undefined) {
      this.prefetched.delete(resourceId);
      if (hit.revision.info.revision_id === revisionId && hit.schemaVersion === schemaVersion && Date.now() - hit.at <= PREFETCH_MS) return hit.revision;
    }
    await this.gate.ensure();
    return this.revisions.get(this.sql, resourceId, revisionId, schemaVersion);
  }

  async getRevisionInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    await this.gate.ensure();
    return this.revisions.getInfo(this.sql, resourceId, revisionId, schemaVersion);
  }

  async saveRevision(info: RevisionInfo, data: Uint8Array): Promise<void> {
    this.prefetched.delete(info?.resource_id);
    await this.gate.ensure();
    await this.revisions.save(this.sql, info, data);
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    await this.gate.ensure();
    return this.metas.search(this.sql, query);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    await this.gate.ensure();
    return this.metas.count(this.sql, query);
  }

  /** EXPLAIN of the statement a search runs. */
  async explainSearch(query: ResourceMetaSearchQuery): Promise<{ sql: string; exact: boolean; plan: string[] }> {
    await this.gate.ensure();
    return this.metas.explain(this.sql, query);
  }

  async purgeMeta(resourceId: string): Promise<void> {
    await this.gate.ensure();
    await this.metas.delete(this.sql, resourceId);
  }

  async purgeResource(resourceId: string): Promise<void> {
    this.prefetched.delete(resourceId);
    await this.gate.ensure();
    await this.sql.begin(async (tx) => {
      await this.metas.delete(tx, resourceId);
      await this.revisions.purge(tx, resourceId);
    });
  }

  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    this.prefetched.delete(resourceId);
    await this.gate.ensure();
    await this.revisions.deleteRevision(this.sql, resourceId, revisionId);
  }

  async *iterMetas(resourceIds?: Iterable<string>): AsyncIterable<ResourceMeta> {
    await this.gate.ensure();
    if (resourceIds === undefined) {
      yield* this.metas.values(this.sql);
      return;
    }
    yield* await this.metas.many(this.sql, [...resourceIds]);
  }

  async *iterRevisions(resourceId: string): AsyncIterable<StoredRevision> {
    await this.gate.ensure();
    yield* await this.revisions.all(this.sql, resourceId);
  }

  /** Ids with at least one revision record. */
  async *listResources(): AsyncIterable<string> {
    await this.gate.ensure();
    yield* this.revisions.resourceIds(this.sql);
  }

  async saveMetas(metas: ResourceMeta[]): Promise<void> {
    await this.gate.ensure();
    await this.sql.begin((tx) => this.metas.putMany(tx, metas));
  }

  async saveRevisions(items: StoredRevision[]): Promise<void> {
    this.prefetched.clear();
    await this.gate.ensure();
    await this.sql.begin((tx) => this.revisions.saveMany(tx, items));
  }

  /** The pool belongs to the factory or provider that lent it; closing hands it back. */
  async close(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    await release?.();
  }
}
