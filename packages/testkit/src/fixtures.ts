import type {
  DataSearchCondition,
  DataSearchGroup,
  DataSearchOperator,
  ResourceMeta,
  ResourceMetaSearchQuery,
  RevisionInfo,
  SearchFilter,
  SearchSort,
  StoredRevision,
} from '@specstar/interfaces';

/** The fixture model of every engine-level case. */
export const ITEM_SCHEMA = {
  title: 'Item',
  type: 'object',
  properties: {
    name: { type: 'string' },
    value: { type: 'integer', default: 0 },
    tags: { type: 'array', items: { type: 'string' } },
    note: { type: ['string', 'null'] },
  },
  required: ['name'],
} as const;

export const ITEM_MODEL = 'item';

/** Engine-level indexed fields: every declared property. */
export const ITEM_INDEXED_FIELDS = ['name', 'value', 'tags', 'note'];

export const USERS = { alice: 'alice', bob: 'bob', carol: 'carol', dave: 'dave' } as const;

/** Fixed instants: `at(n)` is 2025-01-01T00:00:0n.000Z (n seconds after T0). */
export function at(seconds: number): Date {
  return new Date(Date.UTC(2025, 0, 1, 0, 0, 0) + seconds * 1000);
}
export const T0 = at(0);

export function ctx(user: string, seconds: number): { user: string; now: Date } {
  return { user, now: at(seconds) };
}

// ---- search filter builders (the wire form a store receives) ---------------------------

export function cond(
  field_path: string,
  operator: DataSearchOperator,
  value: unknown,
  transform: 'len' | null = null,
): DataSearchCondition {
  return { type: 'DataSearchCondition', field_path, operator, value, transform };
}
export function len(field_path: string, operator: DataSearchOperator, value: unknown): DataSearchCondition {
  return cond(field_path, operator, value, 'len');
}
export function and(...conditions: SearchFilter[]): DataSearchGroup {
  return { type: 'DataSearchGroup', operator: 'and', conditions };
}
export function or(...conditions: SearchFilter[]): DataSearchGroup {
  return { type: 'DataSearchGroup', operator: 'or', conditions };
}
export function not(...conditions: SearchFilter[]): DataSearchGroup {
  return { type: 'DataSearchGroup', operator: 'not', conditions };
}
export function metaSort(key: Extract<SearchSort, { type: 'meta' }>['key'], direction: '+' | '-' = '+'): SearchSort {
  return { type: 'meta', key, direction };
}
export function dataSort(field_path: string, direction: '+' | '-' = '+'): SearchSort {
  return { type: 'data', field_path, direction };
}
export const BY_ID: SearchSort[] = [metaSort('resource_id')];

/** A complete store query: everything, ordered by resource_id unless sorts are given. */
export function fullQuery(part: Partial<ResourceMetaSearchQuery>): ResourceMetaSearchQuery {
  return { limit: 1000, offset: 0, ...part, sorts: part.sorts ?? BY_ID };
}

// ---- hand-made records for store-level cases -------------------------------------------

export function makeInfo(resourceId: string, n: number, overrides: Partial<RevisionInfo> = {}): RevisionInfo {
  const time = at(n);
  return {
    uid: uidFor(resourceId, n, overrides.schema_version ?? null),
    resource_id: resourceId,
    revision_id: `${resourceId}:${n}`,
    parent_revision_id: n > 1 ? `${resourceId}:${n - 1}` : null,
    schema_version: null,
    data_hash: `xxh3_128:${'0'.repeat(31)}${n % 10}`,
    status: 'stable',
    created_time: time,
    updated_time: time,
    created_by: USERS.alice,
    updated_by: USERS.alice,
    ...overrides,
  };
}

/** A deterministic uuid-shaped uid so records are comparable across reads. */
export function uidFor(resourceId: string, n: number, schemaVersion: string | null, salt = 0): string {
  let h = 2166136261;
  for (const ch of `${resourceId}|${n}|${String(schemaVersion)}|${salt}`) {
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  }
  const hex = h.toString(16).padStart(8, '0');
  return `${hex}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

export function makeMeta(resourceId: string, n: number, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  const time = at(n);
  return {
    current_revision_id: `${resourceId}:${n}`,
    resource_id: resourceId,
    schema_version: null,
    total_revision_count: n,
    created_time: at(1),
    updated_time: time,
    created_by: USERS.alice,
    updated_by: USERS.alice,
    is_deleted: false,
    indexed_data: {},
    rev_status: 'stable',
    rev_created_by: USERS.alice,
    rev_updated_by: USERS.alice,
    rev_created_time: time,
    rev_updated_time: time,
    ...overrides,
  };
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function makeRevision(
  resourceId: string,
  n: number,
  payload: string,
  overrides: Partial<RevisionInfo> = {},
): StoredRevision {
  return { info: makeInfo(resourceId, n, overrides), data: bytes(payload) };
}

/** Lowercase hex of bytes: compares byte content whatever Uint8Array subclass a store returns. */
export function hex(data: Uint8Array | undefined): string | undefined {
  if (data === undefined) return undefined;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex');
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

export function ids(metas: readonly { resource_id: string }[]): string[] {
  return metas.map((m) => m.resource_id);
}

export function sortedIds(metas: readonly { resource_id: string }[]): string[] {
  return ids(metas).sort();
}
