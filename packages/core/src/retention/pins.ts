import type { ResourceManager } from '../manager';

/**
 * Revision ids of `target` that a revision ref pins: the value of every `refType: 'revision_id'`
 * field pointing at `target`, read from the current revision of every resource (deleted ones
 * included) of every model. Older revisions of a referrer pin nothing. A full scan of the
 * referring models, done once per prune call.
 */
export async function pinnedRevisionIds(managers: Iterable<ResourceManager>, target: string): Promise<Set<string>> {
  const pinned = new Set<string>();
  for (const source of managers) {
    const refs = source.model.refs.filter((ref) => ref.target === target && ref.refType === 'revision_id');
    if (refs.length === 0) continue;
    for await (const meta of source.storage.iterMetas()) {
      const stored = await source.storage.getRevision(meta.resource_id, meta.current_revision_id, meta.schema_version);
      if (stored === undefined) continue;
      let data: unknown;
      try {
        data = source.decodeData(stored.data);
      } catch {
        continue; // undecodable data pins nothing we could name
      }
      if (typeof data !== 'object' || data === null) continue;
      for (const ref of refs) {
        const value = (data as Record<string, unknown>)[ref.field];
        for (const id of Array.isArray(value) ? value : [value]) if (typeof id === 'string') pinned.add(id);
      }
    }
  }
  return pinned;
}
