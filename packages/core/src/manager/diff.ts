/**
 * Revision diffs: the RFC 6902 operations (fast-json-patch's `compare`) that turn one revision's
 * data into another's. When the two sides were written under different schema versions, each
 * side not at the manager's version is migrated first (in memory; nothing is written), so the
 * operations describe the content change, not the schema change.
 */
import { compare, type Operation } from 'fast-json-patch';
import { RevisionIDNotFoundError, type RevisionInfo } from '@specstar/interfaces';

/** One RFC 6902 operation, as `diff` returns them. */
export type JsonPatchOperation = Operation;

export interface DiffSide {
  info: RevisionInfo;
  data: unknown;
}

/** What a diff reads through the manager (checked reads, migration in memory). */
export interface DiffReader {
  currentRevisionId(): Promise<string>;
  read(revisionId: string): Promise<DiffSide>;
  /** The side's data at the manager's schema version (unchanged when no migration applies). */
  migrated(side: DiffSide): Promise<unknown>;
}

/**
 * A revision id of another resource (`<other>:<n>`) is not found here either; say so, rather
 * than only "not found", since the usual cause is mixing up two resources.
 */
async function readSide(reader: DiffReader, resourceId: string, revisionId: string, role: 'from' | 'to'): Promise<DiffSide> {
  try {
    return await reader.read(revisionId);
  } catch (error) {
    if (!(error instanceof RevisionIDNotFoundError)) throw error;
    const colon = revisionId.lastIndexOf(':');
    const owner = colon > 0 ? revisionId.slice(0, colon) : undefined;
    if (owner !== undefined && owner !== resourceId) {
      throw new RevisionIDNotFoundError(
        resourceId,
        revisionId,
        `Revision '${revisionId}' (${role}) belongs to resource '${owner}', not '${resourceId}': a diff compares two revisions of one resource.`,
      );
    }
    throw new RevisionIDNotFoundError(resourceId, revisionId, `Revision '${revisionId}' (${role}) of Resource '${resourceId}' not found.`);
  }
}

/** An empty document of the same kind, the "before" of a first revision. */
const emptyLike = (value: unknown): unknown => (Array.isArray(value) ? [] : {});

/**
 * The operations from `fromRevisionId` to `toRevisionId`. Defaults: `to` is the current
 * revision, `from` its parent; a revision without a parent is compared with an empty document.
 */
export async function diffRevisions(
  reader: DiffReader,
  resourceId: string,
  fromRevisionId: string | undefined,
  toRevisionId: string | undefined,
): Promise<JsonPatchOperation[]> {
  const to = await readSide(reader, resourceId, toRevisionId ?? (await reader.currentRevisionId()), 'to');
  const fromId = fromRevisionId ?? to.info.parent_revision_id ?? undefined;
  if (fromId === undefined) return compare(emptyLike(to.data) as object, to.data as object);
  if (fromId === to.info.revision_id) return [];
  const from = await readSide(reader, resourceId, fromId, 'from');
  if (from.info.schema_version === to.info.schema_version) return compare(from.data as object, to.data as object);
  const [before, after] = await Promise.all([reader.migrated(from), reader.migrated(to)]);
  return compare(before as object, after as object);
}
