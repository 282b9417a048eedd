/**
 * The decision of one IMetaStore.commit against a SQLite meta table, shared by every SQLite meta
 * store (each adds its own way of holding the decision: a lock file on disk, an ETag on S3).
 */
import { RevisionMismatchError, ResourceConflictError, type MetaCommit, type SpecStarError } from '@specstar/interfaces';
import { expectationRefusal, findUniqueViolation } from '@specstar/core/adapter';

/** What a commit needs of the meta table (SqliteMetaTable's synchronous API). */
export interface SyncMetaTable {
  getSync(resourceId: string): { current_revision_id: string } | undefined;
  insertSync(meta: MetaCommit['meta']): boolean;
  putSync(meta: MetaCommit['meta']): void;
  putIfCurrentSync(meta: MetaCommit['meta'], expect: { current_revision_id: string }): boolean;
  uniqueHolderSync(field: string, value: unknown, exceptId: string): string | undefined;
}

/** The error `write` gets against what the table holds now; undefined when it may proceed. */
export function metaRefusal(table: SyncMetaTable, write: MetaCommit): SpecStarError | undefined {
  const { meta, expect } = write;
  const refused = expect === undefined ? undefined : expectationRefusal(meta.resource_id, table.getSync(meta.resource_id), expect);
  return refused ?? findUniqueViolation(write, (field, value, exceptId) => table.uniqueHolderSync(field, value, exceptId));
}

/**
 * Decides `write` again and applies it, synchronously (call it inside the caller's transaction,
 * which a throw rolls back): the refusal of metaRefusal, or the meta written as its expectation says.
 */
export function applyMetaCommit(table: SyncMetaTable, write: MetaCommit): void {
  const refused = metaRefusal(table, write);
  if (refused !== undefined) throw refused;
  const { meta, expect } = write;
  if (expect === undefined) table.putSync(meta);
  else if ('absent' in expect) {
    if (!table.insertSync(meta)) throw new ResourceConflictError(`Resource '${meta.resource_id}' already exists`, meta.resource_id);
  } else if (!table.putIfCurrentSync(meta, expect)) {
    throw new RevisionMismatchError(meta.resource_id, expect.current_revision_id, table.getSync(meta.resource_id)?.current_revision_id ?? null);
  }
}
