/**
 * The reference storage facade: a meta store plus a resource store.
 * Optional store methods are used when present, with a generic fallback otherwise. Writes are
 * not atomic across the two stores: the revision is written before the meta, so a reader
 * never sees a meta whose current revision is missing.
 *
 * A meta store with `atomicUnique` (memory, SQLite, PostgreSQL) decides each write in its own
 * transaction: the expectation and the unique claims first, then the revision is stored while
 * that decision is held, then the meta. A writer that loses a race stores nothing, so unique
 * values and If-Match hold across processes whatever store keeps the payloads.
 */
import { NotSupportedError, ResourceConflictError, ResourceIDNotFoundError, RevisionMismatchError } from '@specstar/interfaces';
import type {
  IMetaStore,
  IResourceStore,
  IStorage,
  MetaCommit,
  MetaExpectation,
  ResourceMeta,
  ResourceMetaSearchQuery,
  RevisionInfo,
  RevisionPage,
  RevisionPageRequest,
  StorageCapabilities,
  StorageWrite,
  StoredRevision,
} from '@specstar/interfaces';
import { pageRevisionList } from '../revision-paging/page-list';
import { countQuery, runQuery } from '../search';

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function conflict(resourceId: string): ResourceConflictError {
  return new ResourceConflictError(`Resource '${resourceId}' already exists`, resourceId);
}

export class SimpleStorage implements IStorage {
  readonly capabilities: StorageCapabilities;

  constructor(
    readonly metaStore: IMetaStore,
    readonly resourceStore: IResourceStore,
  ) {
    const flags = metaStore.capabilities ?? {};
    this.capabilities = {
      search: flags.search ?? false,
      compareAndSet: flags.compareAndSet ?? false,
      createIfAbsent: flags.createIfAbsent ?? false,
      batchWrite: flags.batchWrite ?? false,
      atomicCommit: false,
      atomicUnique: flags.atomicUnique === true && typeof metaStore.commit === 'function',
    };
  }

  exists(resourceId: string): Promise<boolean> {
    return this.metaStore.has(resourceId);
  }

  getMeta(resourceId: string): Promise<ResourceMeta | undefined> {
    return this.metaStore.get(resourceId);
  }

  async commit(write: StorageWrite): Promise<void> {
    const { revision, meta, expect } = write;
    const resourceId = meta.resource_id;
    if (this.capabilities.atomicUnique) {
      const commit: MetaCommit = { meta, expect, unique: write.unique };
      if (revision !== undefined) commit.beforeWrite = () => this.resourceStore.save(revision.info, revision.data);
      return (this.metaStore.commit as NonNullable<IMetaStore['commit']>).call(this.metaStore, commit);
    }
    if (expect === undefined) {
      if (revision) await this.resourceStore.save(revision.info, revision.data);
      await this.metaStore.put(meta);
    } else if ('absent' in expect) {
      // Checked before the revision is written, so an existing resource's records stay untouched.
      if (await this.metaStore.has(resourceId)) throw conflict(resourceId);
      if (revision) await this.resourceStore.save(revision.info, revision.data);
      if (!(await this.insertMeta(meta))) throw conflict(resourceId);
    } else {
      await this.assertCurrent(resourceId, expect);
      if (revision) await this.resourceStore.save(revision.info, revision.data);
      if (!(await this.putMetaIfCurrent(meta, expect))) {
        const actual = await this.metaStore.get(resourceId);
        if (actual === undefined) throw new ResourceIDNotFoundError(resourceId);
        throw new RevisionMismatchError(resourceId, expect.current_revision_id, actual.current_revision_id);
      }
    }
  }

  private async assertCurrent(resourceId: string, expect: MetaExpectation): Promise<void> {
    const stored = await this.metaStore.get(resourceId);
    if (stored === undefined) throw new ResourceIDNotFoundError(resourceId);
    if (stored.current_revision_id !== expect.current_revision_id) {
      throw new RevisionMismatchError(resourceId, expect.current_revision_id, stored.current_revision_id);
    }
  }

  private async insertMeta(meta: ResourceMeta): Promise<boolean> {
    if (this.metaStore.insert) return this.metaStore.insert(meta);
    if (await this.metaStore.has(meta.resource_id)) return false;
    await this.metaStore.put(meta);
    return true;
  }

  private async putMetaIfCurrent(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    if (this.metaStore.putIfCurrent) return this.metaStore.putIfCurrent(meta, expect);
    const stored = await this.metaStore.get(meta.resource_id);
    if (stored === undefined || stored.current_revision_id !== expect.current_revision_id) return false;
    await this.metaStore.put(meta);
    return true;
  }

  listRevisions(resourceId: string): Promise<string[]> {
    return this.resourceStore.listRevisions(resourceId);
  }

  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    if (this.resourceStore.listRevisionsPage) return this.resourceStore.listRevisionsPage(resourceId, request);
    return pageRevisionList(await this.resourceStore.listRevisions(resourceId), request);
  }

  /** Hard-deletes one revision's records; NotSupportedError when the resource store cannot. */
  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    if (!this.resourceStore.deleteRevision) throw new NotSupportedError('This resource store cannot delete revisions (capability revisionDelete)');
    await this.resourceStore.deleteRevision(resourceId, revisionId);
  }

  listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    return this.resourceStore.listSchemaVersions(resourceId, revisionId);
  }

  revisionExists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    return this.resourceStore.exists(resourceId, revisionId, schemaVersion);
  }

  getRevision(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    return this.resourceStore.get(resourceId, revisionId, schemaVersion);
  }

  getRevisionInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    return this.resourceStore.getInfo(resourceId, revisionId, schemaVersion);
  }

  saveRevision(info: RevisionInfo, data: Uint8Array): Promise<void> {
    return this.resourceStore.save(info, data);
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    if (this.metaStore.search) return this.metaStore.search(query);
    return runQuery(await collect(this.metaStore.values()), query);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    if (this.metaStore.count) return this.metaStore.count(query);
    return countQuery(await collect(this.metaStore.values()), query);
  }

  async purgeMeta(resourceId: string): Promise<void> {
    await this.metaStore.delete(resourceId);
  }

  async purgeResource(resourceId: string): Promise<void> {
    await this.metaStore.delete(resourceId);
    await this.resourceStore.purge(resourceId);
  }

  async *iterMetas(resourceIds?: Iterable<string>): AsyncIterable<ResourceMeta> {
    if (resourceIds === undefined) {
      yield* this.metaStore.values();
      return;
    }
    for (const resourceId of resourceIds) {
      const meta = await this.metaStore.get(resourceId);
      if (meta !== undefined) yield meta;
    }
  }

  async *iterRevisions(resourceId: string): AsyncIterable<StoredRevision> {
    for (const revisionId of await this.resourceStore.listRevisions(resourceId)) {
      for (const version of await this.resourceStore.listSchemaVersions(resourceId, revisionId)) {
        const stored = await this.resourceStore.get(resourceId, revisionId, version);
        if (stored !== undefined) yield stored;
      }
    }
  }

  async saveMetas(metas: ResourceMeta[]): Promise<void> {
    if (this.metaStore.putMany) return this.metaStore.putMany(metas);
    for (const meta of metas) await this.metaStore.put(meta);
  }

  async saveRevisions(items: StoredRevision[]): Promise<void> {
    if (this.resourceStore.saveMany) return this.resourceStore.saveMany(items);
    for (const { info, data } of items) await this.resourceStore.save(info, data);
  }

  async close(): Promise<void> {
    try {
      await this.metaStore.close?.();
    } finally {
      await this.resourceStore.close?.();
    }
  }
}
