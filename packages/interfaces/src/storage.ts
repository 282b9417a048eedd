import type { IBlobStreaming } from './uploads';
import type { Binary, ResourceMeta, RevisionInfo, StoredRevision } from './records';
import type { ResourceMetaSearchQuery } from './search';

/**
 * Contract version of the storage interfaces. Bumped when a required member changes, so a
 * bridge in core can adapt stores written against an older contract.
 */
export const STORAGE_CONTRACT_VERSION = 1;

/** Optional abilities of a meta store. Core has a fallback for each one that is false. */
export interface MetaStoreCapabilities {
  /** search()/count() evaluate the whole query (conditions, sorts, paging) in the store. */
  search: boolean;
  /** putIfCurrent() compares `current_revision_id` and writes atomically. */
  compareAndSet: boolean;
  /** insert() refuses an existing id atomically, across processes. */
  createIfAbsent: boolean;
  /** putMany() writes many metas in one round trip. */
  batchWrite: boolean;
  /**
   * commit() decides a write's expectation and unique claims in one transaction of this store,
   * across processes, and holds that decision while the write's payload is stored (see MetaCommit).
   */
  atomicUnique: boolean;
}

/** What a compare-and-set write expects to find stored. */
export interface MetaExpectation {
  current_revision_id: string;
}

/**
 * One conditional meta write (IMetaStore.commit): the meta, what it expects to find stored, the
 * unique fields it claims (as StorageWrite.unique), and what must be stored before the meta.
 */
export interface MetaCommit {
  meta: ResourceMeta;
  /** Omitted: unconditional upsert. */
  expect?: WriteExpectation;
  /** Keys of `meta.indexed_data` this write claims; nulls and a deleted meta claim nothing. */
  unique?: readonly string[];
  /**
   * Stores what the meta will point at (the revision payload, in another store). Called once the
   * expectation and the claims are decided in this write's favour and before the meta becomes
   * visible, with the decision held: a concurrent commit of the same resource or of the same
   * claimed value waits, so a writer that loses never stores anything. A throw refuses the write.
   */
  beforeWrite?: () => Promise<void>;
}

/**
 * `resource_id → ResourceMeta` with search. Missing ids read as `undefined`; every method
 * that turns an id into a path or key validates it (no traversal).
 */
export interface IMetaStore {
  readonly capabilities?: Partial<MetaStoreCapabilities>;
  get(resourceId: string): Promise<ResourceMeta | undefined>;
  /** Upsert. */
  put(meta: ResourceMeta): Promise<void>;
  /** Hard delete; resolves to whether the id existed. */
  delete(resourceId: string): Promise<boolean>;
  has(resourceId: string): Promise<boolean>;
  /** Every id, deleted ones included. */
  keys(): AsyncIterable<string>;
  /** Every meta, deleted ones included (bulk read used by dump). */
  values(): AsyncIterable<ResourceMeta>;
  size(): Promise<number>;
  /** The page of metas matching the query, sorted, offset and limit applied. */
  search?(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]>;
  /** The number of metas matching the query, ignoring limit and offset. */
  count?(query: ResourceMetaSearchQuery): Promise<number>;
  /** Create-if-absent; resolves false (writing nothing) when the id exists. */
  insert?(meta: ResourceMeta): Promise<boolean>;
  /** Compare-and-set; resolves false (writing nothing) when the stored meta differs. */
  putIfCurrent?(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean>;
  putMany?(metas: ResourceMeta[]): Promise<void>;
  /**
   * Applies a MetaCommit atomically (capability `atomicUnique`). Throws ResourceConflictError when
   * `expect.absent` finds the id taken, RevisionMismatchError (or ResourceIDNotFoundError) when the
   * stored current revision differs, UniqueConstraintError when another live meta holds a claimed
   * value; a refused write writes nothing and does not call `beforeWrite`.
   */
  commit?(write: MetaCommit): Promise<void>;
  close?(): Promise<void>;
}

export interface ResourceStoreCapabilities {
  /** saveMany() writes many revisions in one round trip. */
  batchWrite: boolean;
  /** listRevisionsPage() reads one page without loading the whole revision list. */
  revisionPaging?: boolean;
  /** deleteRevision() removes one revision's records (retention prune). */
  revisionDelete?: boolean;
}

/** One page of a resource's revision ids, in store (write) order or its reverse. */
export interface RevisionPageRequest {
  /** At most this many ids (>= 1). */
  limit: number;
  order: 'asc' | 'desc';
  /**
   * Exclusive start: the `position` of the last id of the previous page. Positions are the
   * store's write counter of a revision's first record: they never change once assigned, so a
   * page boundary survives concurrent writes (new revisions only get larger positions).
   */
  after?: number;
}

export interface RevisionPage {
  items: { revisionId: string; position: number }[];
  /** Whether ids remain after the last item in this order. */
  hasMore: boolean;
}

/**
 * Versioned revision payloads, addressed by `(resource_id, revision_id, schema_version)`.
 * `schema_version` null is a distinct key. Saving under an existing key replaces it.
 * Bytes a store returns are read-only for the caller (a store may hand out its own buffer);
 * bytes passed to `save` may be reused by the caller afterwards, so a store keeps a copy.
 */
export interface IResourceStore {
  readonly capabilities?: Partial<ResourceStoreCapabilities>;
  /** Ids with at least one stored revision. */
  listResources(): AsyncIterable<string>;
  /** Revision ids of a resource, in store (write) order; [] when unknown. */
  listRevisions(resourceId: string): Promise<string[]>;
  /** One page of listRevisions (capability `revisionPaging`); an unknown resource has an empty page. */
  listRevisionsPage?(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage>;
  /** Schema versions a revision is stored under; [] when unknown. */
  listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]>;
  exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean>;
  get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined>;
  getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined>;
  save(info: RevisionInfo, data: Uint8Array): Promise<void>;
  /** Hard delete of every record of the resource; no-op when absent. */
  purge(resourceId: string): Promise<void>;
  /**
   * Hard delete of every record (every schema version) of one revision (capability
   * `revisionDelete`); no-op when absent. The meta and the other revisions are untouched.
   */
  deleteRevision?(resourceId: string, revisionId: string): Promise<void>;
  saveMany?(items: StoredRevision[]): Promise<void>;
  close?(): Promise<void>;
}

export interface BlobPutOptions {
  /** Caller-chosen id; always overwrites. Without it the id is the content hash. */
  key?: string;
  contentType?: string;
}

/**
 * Blob bytes by `file_id`. Content-addressed puts deduplicate. Blobs are never deleted by the
 * engine. Streaming and upload staging (IBlobStreaming) are optional.
 */
export interface IBlobStore extends IBlobStreaming {
  put(data: Uint8Array, options?: BlobPutOptions): Promise<Binary>;
  /** The blob with its bytes; BlobNotFoundError when unknown. */
  get(fileId: string): Promise<Binary>;
  exists(fileId: string): Promise<boolean>;
  /**
   * A direct URL when the backend can serve the blob itself, else null. The URL must answer with
   * `Content-Disposition: attachment`: a stored HTML or SVG blob must never render (and run its
   * script) in the backend's origin. The API's own blob routes add nosniff and a sandbox on top.
   */
  getUrl?(fileId: string): Promise<string | null>;
  /**
   * Records, durably, that `owner` put this blob (blob access control: an uploader may read and
   * reference what they uploaded). Idempotent. A store without grants gets core's in-memory
   * fallback, which forgets them at restart (so uploaders lose, never gain, access).
   */
  grant?(fileId: string, owner: string): Promise<void>;
  /** Whether `grant(fileId, owner)` was recorded. */
  isGranted?(fileId: string, owner: string): Promise<boolean>;
  /**
   * Keyed documents outside the content-addressed blob space (job logs): overwritten by each put,
   * never reachable by a file id, so the blob routes cannot serve them. `namespace` and `key` use
   * the file-id characters (core encodes resource ids). A store without them gets core's
   * in-memory fallback, which forgets them at restart.
   */
  putDocument?(namespace: string, key: string, data: Uint8Array): Promise<void>;
  /** The document's bytes, or null when none was put. */
  getDocument?(namespace: string, key: string): Promise<Uint8Array | null>;
  close?(): Promise<void>;
}

/** What a write expects of the stored meta: absent (create) or at a given revision. */
export type WriteExpectation = { absent: true } | MetaExpectation;

/**
 * One logical write: an optional revision record and the meta that points at it. The
 * revision is written first, then the meta, so a reader never sees a meta whose current
 * revision is missing.
 */
export interface StorageWrite {
  revision?: StoredRevision;
  meta: ResourceMeta;
  /** Omitted: unconditional upsert. */
  expect?: WriteExpectation;
  /**
   * Unique fields (keys of `meta.indexed_data`) this write claims. A store with `atomicUnique`
   * refuses the write with UniqueConstraintError when another non-deleted meta holds an equal
   * non-null value, deciding atomically with the write across processes (exactly one of two
   * racing claimants wins). Null values and deleted metas claim nothing. A store without
   * `atomicUnique` ignores this and core checks before and after the write instead.
   */
  unique?: readonly string[];
}

export interface StorageCapabilities extends MetaStoreCapabilities {
  /** commit() writes revision and meta atomically (one transaction). */
  atomicCommit: boolean;
  /**
   * commit() enforces `write.unique` atomically with the write (see StorageWrite.unique). Core's
   * SimpleStorage has it whenever its meta store does.
   */
  atomicUnique: boolean;
}

/**
 * The per-model storage facade a ResourceManager talks to. Core's SimpleStorage composes it
 * from a meta store and a resource store; a provider may implement it directly (e.g. one SQL
 * transaction per commit).
 */
export interface IStorage {
  readonly capabilities: StorageCapabilities;
  exists(resourceId: string): Promise<boolean>;
  getMeta(resourceId: string): Promise<ResourceMeta | undefined>;
  /**
   * Apply a write. Throws ResourceConflictError when `expect.absent` finds the id taken and
   * RevisionMismatchError when the stored current revision differs from the expectation; a
   * refused write writes nothing. The storage takes ownership of the objects in `write` (it
   * may keep them as they are): the caller must not change them afterwards.
   */
  commit(write: StorageWrite): Promise<void>;
  listRevisions(resourceId: string): Promise<string[]>;
  /** One page of listRevisions (see IResourceStore.listRevisionsPage); core pages the full list without it. */
  listRevisionsPage?(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage>;
  listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]>;
  revisionExists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean>;
  getRevision(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined>;
  getRevisionInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined>;
  /** Write a revision record without touching the meta (migrate of old revisions, load). */
  saveRevision(info: RevisionInfo, data: Uint8Array): Promise<void>;
  search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]>;
  count(query: ResourceMetaSearchQuery): Promise<number>;
  /** Hard-delete the meta only (compensation). */
  purgeMeta(resourceId: string): Promise<void>;
  /** Hard-delete the meta, then every revision record. */
  purgeResource(resourceId: string): Promise<void>;
  /**
   * Hard-delete every record of one revision (retention prune; see IResourceStore.deleteRevision).
   * Absent, or throwing NotSupportedError, when the store cannot.
   */
  deleteRevision?(resourceId: string, revisionId: string): Promise<void>;
  /** All metas (deleted included), or those of the given ids that exist. */
  iterMetas(resourceIds?: Iterable<string>): AsyncIterable<ResourceMeta>;
  /** Every revision record of a resource, every schema version, in store order. */
  iterRevisions(resourceId: string): AsyncIterable<StoredRevision>;
  saveMetas(metas: ResourceMeta[]): Promise<void>;
  saveRevisions(items: StoredRevision[]): Promise<void>;
  close(): Promise<void>;
}

/** Builds the storage of each model, and optionally the registry's shared blob store. */
export interface IStorageFactory {
  /** Synchronous: stores that need I/O to start do it lazily on first use. */
  build(modelName: string): IStorage;
  buildBlobStore?(): IBlobStore;
  close?(): Promise<void>;
}
