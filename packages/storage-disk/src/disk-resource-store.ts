import type Database from 'better-sqlite3';
import type { IResourceStore, ResourceStoreCapabilities, RevisionInfo, RevisionPage, RevisionPageRequest, StoredRevision } from '@specstar/interfaces';
import { ensureDirectory, openDatabase } from './files';
import { GroupCommit } from './group-commit';
import { modelPaths, resolveRootdir } from './paths';
import { RevisionIndex, listResourceIds, saveRevisionsDurably, type RevisionIndexOptions } from './resource-store';

/**
 * The disk resource store of one model on its own (for a backend that keeps meta elsewhere):
 * `<rootdir>/<model>/meta.sqlite3` holds only the revision index, `<rootdir>/<model>/data/` the
 * payloads. DiskStorage uses the same layout and adds the meta table to the same file.
 */
export class DiskResourceStore implements IResourceStore {
  readonly capabilities: ResourceStoreCapabilities = { batchWrite: true, revisionPaging: true, revisionDelete: true };
  private readonly db: Database.Database;
  private readonly index: RevisionIndex;
  private readonly group: GroupCommit;

  constructor(rootdir: string, model: string, options: RevisionIndexOptions = {}) {
    const paths = modelPaths(resolveRootdir(rootdir), model);
    ensureDirectory(paths.dir);
    // Every write on this connection goes through `group`, which syncs the WAL before it acknowledges.
    this.db = openDatabase(paths.dbFile, { walSyncedByCaller: true });
    try {
      this.index = new RevisionIndex(this.db, paths.dataDir, options);
      this.group = new GroupCommit(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
  }

  listResources(): AsyncIterable<string> {
    return listResourceIds(this.index);
  }

  async listRevisions(resourceId: string): Promise<string[]> {
    return this.index.revisionIdsSync(resourceId);
  }

  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    return this.index.revisionPageSync(resourceId, request);
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    return this.index.schemaVersionsSync(resourceId, revisionId);
  }

  async exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    return this.index.existsSync(resourceId, revisionId, schemaVersion);
  }

  get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    return this.index.read(resourceId, revisionId, schemaVersion);
  }

  async getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    return this.index.infoSync(resourceId, revisionId, schemaVersion);
  }

  async save(info: RevisionInfo, data: Uint8Array): Promise<void> {
    await this.saveMany([{ info, data }]);
  }

  async saveMany(items: StoredRevision[]): Promise<void> {
    await this.group.operation(() => saveRevisionsDurably(this.index, items, (apply) => this.group.run(apply)));
  }

  async purge(resourceId: string): Promise<void> {
    const files = await this.group.run(() => this.index.purgeSync(resourceId));
    await this.index.discard(files);
  }

  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    const files = await this.group.run(() => this.index.deleteRevisionSync(resourceId, revisionId));
    await this.index.discard(files);
  }

  /** After the writes already queued are acknowledged. */
  async close(): Promise<void> {
    if (!this.db.open) return;
    await this.group.close();
    if (this.db.open) this.db.close();
  }
}
