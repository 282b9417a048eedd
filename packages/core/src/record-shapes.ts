import type { ResourceMeta, RevisionInfo } from '@specstar/interfaces';

/*
 * Every meta and revision record the engine builds or a memory store copies goes through these
 * constructors, so they all share one property order and therefore one hidden class. Search
 * reads fields of every meta in a store; mixed shapes (spread copies next to literals) make
 * those reads megamorphic and a full scan several times slower.
 */

/** A meta with the canonical field order; optional fields absent from `m` stay undefined. */
export function metaRecord(m: ResourceMeta): ResourceMeta {
  return {
    current_revision_id: m.current_revision_id,
    resource_id: m.resource_id,
    schema_version: m.schema_version,
    total_revision_count: m.total_revision_count,
    created_time: m.created_time,
    updated_time: m.updated_time,
    created_by: m.created_by,
    updated_by: m.updated_by,
    is_deleted: m.is_deleted,
    indexed_data: m.indexed_data,
    rev_status: m.rev_status,
    rev_created_by: m.rev_created_by,
    rev_updated_by: m.rev_updated_by,
    rev_created_time: m.rev_created_time,
    rev_updated_time: m.rev_updated_time,
  };
}

/** A revision record with the canonical field order. */
export function infoRecord(i: RevisionInfo): RevisionInfo {
  return {
    uid: i.uid,
    resource_id: i.resource_id,
    revision_id: i.revision_id,
    parent_revision_id: i.parent_revision_id,
    parent_schema_version: i.parent_schema_version,
    schema_version: i.schema_version,
    data_hash: i.data_hash,
    status: i.status,
    created_time: i.created_time,
    updated_time: i.updated_time,
    created_by: i.created_by,
    updated_by: i.updated_by,
  };
}

/** A meta copy that shares nothing mutable with the original: nested indexed lists and maps are cloned; Dates are treated as immutable. */
export function copyMeta(meta: ResourceMeta): ResourceMeta {
  const copy = metaRecord(meta);
  const indexed = meta.indexed_data;
  if (indexed !== undefined) {
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(indexed)) {
      const value = indexed[key];
      fields[key] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
    }
    copy.indexed_data = fields;
  }
  return copy;
}
