/**
 * Who may obtain a blob's bytes when a permission checker guards the registry. Blob ids are
 * content hashes, so knowing an id proves nothing: a caller may read a blob directly, or point
 * a resource of theirs at it, only when they uploaded it (a grant recorded by the blob store),
 * or — for a write — when the resource being written already references it. Everyone else
 * reads blobs only through a resource they may `get` that references them. Without a checker
 * (allow all) nothing is recorded and nothing is refused.
 */
import { PermissionDeniedError, type IBlobStore } from '@specstar/interfaces';
import { assertValidFileId } from '../storage/blob-ids';

/** What storeBinaries asks of the writer before any blob I/O, and tells it afterwards. */
export interface BlobWriteGuard {
  /** Throws PermissionDeniedError unless the writer may reference every id (checked before existence, so nothing is probed). */
  checkReferences(fileIds: readonly string[]): Promise<void>;
  /** Records the writer as the uploader of the blobs this write put. */
  recordUploads(fileIds: readonly string[]): Promise<void>;
  /** Throws PermissionDeniedError unless the writer may replace the stored bytes of `fileId` (archive loads name blobs by id). */
  checkOverwrite(fileId: string): Promise<void>;
}

/** The file ids the resource being written already references (its current data), read only when needed. */
export type ReferencedBefore = () => Promise<ReadonlySet<string>>;

export class BlobAccess {
  /** Grants of a store that keeps none itself: lost at restart, so an uploader can only lose access. */
  private readonly fallback = new Map<string, Set<string>>();

  constructor(
    private readonly store: () => IBlobStore,
    /** Whether some permission checker is configured (re-read each time: models register later). */
    private readonly guarded: () => boolean,
  ) {}

  get enforced(): boolean {
    return this.guarded();
  }

  /** Records `owner` as an uploader of `fileId` (only while access is guarded). */
  async recordUpload(fileId: string, owner: string): Promise<void> {
    if (!this.guarded()) return;
    const store = this.store();
    if (store.grant) return store.grant(fileId, owner);
    assertValidFileId(fileId);
    let owners = this.fallback.get(fileId);
    if (owners === undefined) this.fallback.set(fileId, (owners = new Set()));
    owners.add(owner);
  }

  /** Whether `user` may read `fileId` without going through a resource: always when unguarded, else only its uploader. */
  async mayReadDirectly(fileId: string, user: string): Promise<boolean> {
    if (!this.guarded()) return true;
    const store = this.store();
    if (store.isGranted) return store.isGranted(fileId, user);
    assertValidFileId(fileId);
    return this.fallback.get(fileId)?.has(user) ?? false;
  }

  /** The guard of one write by `user` to a resource of `model`. */
  writer(user: string, model: string, referencedBefore?: ReferencedBefore): BlobWriteGuard {
    return {
      checkReferences: async (fileIds) => {
        if (!this.guarded() || fileIds.length === 0) return;
        let before: ReadonlySet<string> | undefined;
        for (const fileId of fileIds) {
          if (await this.mayReadDirectly(fileId, user)) continue;
          before ??= referencedBefore ? await referencedBefore() : new Set();
          if (before.has(fileId)) continue;
          throw new PermissionDeniedError(
            `User '${user}' may not reference blob '${fileId}' from '${model}': only its uploader may, ` +
              'and a resource may keep the blobs it already references; upload the file to use it',
            { user, action: 'reference_blob', resource_name: model },
          );
        }
      },
      recordUploads: async (fileIds) => {
        for (const fileId of new Set(fileIds)) await this.recordUpload(fileId, user);
      },
      checkOverwrite: async (fileId) => {
        if (!this.guarded() || (await this.mayReadDirectly(fileId, user))) return;
        throw new PermissionDeniedError(`User '${user}' may not overwrite blob '${fileId}' of '${model}': only its uploader may`, {
          user,
          action: 'overwrite_blob',
          resource_name: model,
        });
      },
    };
  }
}
