/** Status of one revision. Drafts are edited in place; stable revisions are immutable. */
export const RevisionStatus = { draft: 'draft', stable: 'stable' } as const;
export type RevisionStatus = (typeof RevisionStatus)[keyof typeof RevisionStatus];

/** One stored revision record. Field names are the wire/archive names (snake_case). */
export interface RevisionInfo {
  uid: string;
  resource_id: string;
  revision_id: string;
  parent_revision_id: string | null;
  /** Set only by migrate: the schema version the record had before migration. */
  parent_schema_version?: string | null;
  schema_version: string | null;
  /** `xxh3_128:` + 32 lowercase hex digits of the encoded data bytes. */
  data_hash?: string;
  status: RevisionStatus;
  created_time: Date;
  updated_time: Date;
  created_by: string;
  updated_by: string;
}

/** The searchable per-resource record. */
export interface ResourceMeta {
  current_revision_id: string;
  resource_id: string;
  schema_version: string | null;
  total_revision_count: number;
  created_time: Date;
  updated_time: Date;
  created_by: string;
  updated_by: string;
  is_deleted: boolean;
  /** Flat map of extracted index values, keyed by the literal indexed field path. */
  indexed_data?: Record<string, unknown>;
  rev_status?: RevisionStatus;
  rev_created_by?: string;
  rev_updated_by?: string;
  rev_created_time?: Date;
  rev_updated_time?: Date;
}

/** Names of the meta attributes a search condition can address directly. */
export const META_FIELDS = [
  'resource_id',
  'current_revision_id',
  'schema_version',
  'total_revision_count',
  'created_time',
  'updated_time',
  'created_by',
  'updated_by',
  'is_deleted',
  'rev_status',
  'rev_created_by',
  'rev_updated_by',
  'rev_created_time',
  'rev_updated_time',
] as const;
export type MetaField = (typeof META_FIELDS)[number];

/** Meta attributes that hold instants (compared as instants, never as text). */
export const META_TIME_FIELDS: ReadonlySet<string> = new Set([
  'created_time',
  'updated_time',
  'rev_created_time',
  'rev_updated_time',
]);

export interface Resource<T = unknown> {
  info: RevisionInfo;
  data: T;
}

/** One revision as the resource store holds it: the record plus the encoded data bytes. */
export interface StoredRevision {
  info: RevisionInfo;
  data: Uint8Array;
}

/** An item of `listResources`: each section present only when requested, possibly partial. */
export interface SearchedResource<T = unknown> {
  data?: T | Record<string, unknown>;
  info?: RevisionInfo | Record<string, unknown>;
  meta?: ResourceMeta | Record<string, unknown>;
}

/** A blob reference inside model data. `data` is bytes in the headless API. */
export interface Binary {
  file_id?: string;
  size?: number;
  content_type?: string;
  data?: Uint8Array;
}

export interface IndexableField {
  field_path: string;
  /** Informational: a JSON type name, or `msgspec_tag` for a union discriminator. */
  field_type?: string;
}

export interface LoadStats {
  loaded: number;
  skipped: number;
  total: number;
}

/** Who performs an operation and when. Resolved once per operation. */
export interface OperationContext {
  user?: string;
  now?: Date;
}
