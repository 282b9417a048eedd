import type { ResourceMeta } from '@specstar/interfaces';

/** A valid meta at revision `n` (`<id>:<n>`). */
export function makeMeta(resourceId: string, n: number, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  const time = new Date(Date.UTC(2024, 0, 1, 0, 0, n));
  return {
    current_revision_id: `${resourceId}:${n}`,
    resource_id: resourceId,
    schema_version: null,
    total_revision_count: n,
    created_time: new Date(Date.UTC(2024, 0, 1)),
    updated_time: time,
    created_by: 'alice',
    updated_by: 'alice',
    is_deleted: false,
    indexed_data: {},
    ...overrides,
  };
}
