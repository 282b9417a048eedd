/**
 * In-process stores: the reference behaviour of the storage contract, and the default backend.
 * Every store hands out copies, so a caller mutating what it got (or what it saved) never
 * changes stored state.
 */
import { BlobNotFoundError, ValidationError } from '@specstar/interfaces';
import type {
  Binary,
  BlobPutOptions,
  IBlobStore,
  IMetaStore,
  IResourceStore,
  IStorage,
  IStorageFactory,
  MetaExpectation,
  MetaStoreCapabilities,
  ResourceMeta,
  ResourceMetaSearchQuery,
  ResourceStoreCapabilities,
  RevisionInfo,
  StoredRevision,
} from '@specstar/interfaces';
import { isBytes, xxh3Hex } from '../codec';
import { countQuery, runQuery } from '../search';
import { SimpleStorage } from './simple-storage';
import { ValueIndex } from './value-index';

/** A copy of indexed values: primitives are shared, nested lists and maps are cloned. */
function copyIndexed(data: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(data)) {
    const value = data[key];
    copy[key] = value !== null && typeof value === 'object' ? structuredClone(value) : value;
  }
  return copy;
}

/** A meta copy that shares nothing mutable with the original; Dates are treated as immutable. */
function copyMeta(meta: ResourceMeta): ResourceMeta {
  const copy = { ...meta };
  if (meta.indexed_data !== undefined) copy.indexed_data = copyIndexed(meta.indexed_data);
  return copy;
}

function copyInfo(info: RevisionInfo): RevisionInfo {
  return { ...info };
}

/** `new Uint8Array(view)` copies, also for a Buffer (whose slice() would share memory). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export class MemoryMetaStore implements IMetaStore {
  readonly capabilities: MetaStoreCapabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true };
  private readonly metas = new Map<string, ResourceMeta>();
  private readonly valueIndex = new ValueIndex();

  async get(resourceId: string): Promise<ResourceMeta | undefined> {
    const meta = this.metas.get(resourceId);
    return meta === undefined ? undefined : copyMeta(meta);
  }

  async put(meta: ResourceMeta): Promise<void> {
    this.store(meta);
  }

  async delete(resourceId: string): Promise<boolean> {
    const meta = this.metas.get(resourceId);
    if (meta === undefined) return false;
    this.valueIndex.replace(resourceId, meta.indexed_data, undefined);
    return this.metas.delete(resourceId);
  }

  async has(resourceId: string): Promise<boolean> {
    return this.metas.has(resourceId);
  }

  async *keys(): AsyncIterable<string> {
    // A snapshot, so deleting while iterating is safe.
    yield* [...this.metas.keys()];
  }

  async *values(): AsyncIterable<ResourceMeta> {
    for (const meta of [...this.metas.values()]) yield copyMeta(meta);
  }

  async size(): Promise<number> {
    return this.metas.size;
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    return runQuery(this.candidates(query), query).map(copyMeta);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    return countQuery(this.candidates(query), query);
  }

  async insert(meta: ResourceMeta): Promise<boolean> {
    if (this.metas.has(meta.resource_id)) return false;
    this.store(meta);
    return true;
  }

  async putIfCurrent(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    const stored = this.metas.get(meta.resource_id);
    if (stored === undefined || stored.current_revision_id !== expect.current_revision_id) return false;
    this.store(meta);
    return true;
  }

  async putMany(metas: ResourceMeta[]): Promise<void> {
    for (const meta of metas) this.store(meta);
  }

  private store(meta: ResourceMeta): void {
    const copy = copyMeta(meta);
    this.valueIndex.replace(meta.resource_id, this.metas.get(meta.resource_id)?.indexed_data, copy.indexed_data);
    this.metas.set(meta.resource_id, copy);
  }

  /** The metas worth evaluating: those an equality index narrows the query to, else all. */
  private candidates(query: ResourceMetaSearchQuery): Iterable<ResourceMeta> {
    const ids = this.valueIndex.candidates(query);
    if (ids === undefined) return this.metas.values();
    const metas: ResourceMeta[] = [];
    for (const id of ids) {
      const meta = this.metas.get(id);
      if (meta !== undefined) metas.push(meta);
    }
    return metas;
  }
}

/** One revision record under one schema version. */
interface VersionSlot {
  version: string | null;
  info: RevisionInfo;
  data: Uint8Array;
}

/**
 * Revision records by resource, then revision id (a Map keeps write order), then schema
 * version (a short list: `null` is a version of its own). Saving under an existing key
 * replaces that record only, so records of other versions survive a migration.
 */
export class MemoryResourceStore implements IResourceStore {
  readonly capabilities: ResourceStoreCapabilities = { batchWrite: true };
  private readonly resources = new Map<string, Map<string, VersionSlot[]>>();

  async *listResources(): AsyncIterable<string> {
    yield* [...this.resources.keys()];
  }

  async listRevisions(resourceId: string): Promise<string[]> {
    return [...(this.resources.get(resourceId)?.keys() ?? [])];
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    return (this.resources.get(resourceId)?.get(revisionId) ?? []).map((slot) => slot.version);
  }

  async exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    return this.slotOf(resourceId, revisionId, schemaVersion) !== undefined;
  }

  /** The stored bytes are handed out as they are: the contract makes returned bytes read-only. */
  async get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    const slot = this.slotOf(resourceId, revisionId, schemaVersion);
    return slot === undefined ? undefined : { info: copyInfo(slot.info), data: slot.data };
  }

  async getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    const slot = this.slotOf(resourceId, revisionId, schemaVersion);
    return slot === undefined ? undefined : copyInfo(slot.info);
  }

  async save(info: RevisionInfo, data: Uint8Array): Promise<void> {
    this.saveOne(info, data);
  }

  async saveMany(items: StoredRevision[]): Promise<void> {
    for (const { info, data } of items) this.saveOne(info, data);
  }

  async purge(resourceId: string): Promise<void> {
    this.resources.delete(resourceId);
  }

  private saveOne(info: RevisionInfo, data: Uint8Array): void {
    let revisions = this.resources.get(info.resource_id);
    if (revisions === undefined) this.resources.set(info.resource_id, (revisions = new Map()));
    let slots = revisions.get(info.revision_id);
    if (slots === undefined) revisions.set(info.revision_id, (slots = []));
    // Copy the bytes in, so a caller reusing its buffer cannot change what is stored.
    const slot: VersionSlot = { version: info.schema_version, info: copyInfo(info), data: copyBytes(data) };
    const at = slots.findIndex((s) => s.version === info.schema_version);
    if (at >= 0) slots[at] = slot;
    else slots.push(slot);
  }

  private slotOf(resourceId: string, revisionId: string, schemaVersion: string | null): VersionSlot | undefined {
    const slots = this.resources.get(resourceId)?.get(revisionId);
    if (slots === undefined) return undefined;
    for (const slot of slots) if (slot.version === schemaVersion) return slot;
    return undefined;
  }
}

const FILE_ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Blob ids become keys and file names in other stores, so every store checks them the same
 * way: 1–200 characters of `A-Z a-z 0-9 . _ -`, and not `.` or `..`.
 */
export function assertValidFileId(fileId: unknown, field = 'file_id'): asserts fileId is string {
  if (typeof fileId !== 'string' || !FILE_ID_PATTERN.test(fileId) || fileId === '.' || fileId === '..') {
    const shown = typeof fileId === 'string' ? `'${fileId}'` : String(fileId);
    throw new ValidationError(`Invalid blob id ${shown}: use 1-200 characters of A-Z, a-z, 0-9, '.', '_', '-' (not '.' or '..')`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: `invalid blob id ${shown}` }],
    });
  }
}

interface StoredBlob {
  data: Uint8Array;
  content_type?: string;
}

export class MemoryBlobStore implements IBlobStore {
  private readonly blobs = new Map<string, StoredBlob>();

  async put(data: Uint8Array, options: BlobPutOptions = {}): Promise<Binary> {
    if (!isBytes(data)) {
      throw new ValidationError('Blob data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
    }
    const { key } = options;
    if (key !== undefined) assertValidFileId(key, 'key');
    const contentType = options.contentType ? options.contentType : undefined;
    const fileId = key ?? xxh3Hex(data);
    // Content-addressed ids deduplicate: equal bytes are stored once. A caller key always overwrites.
    if (key !== undefined || !this.blobs.has(fileId)) {
      this.blobs.set(fileId, { data: copyBytes(data), ...(contentType !== undefined && { content_type: contentType }) });
    }
    return { file_id: fileId, size: data.byteLength, ...(contentType !== undefined && { content_type: contentType }), data: copyBytes(data) };
  }

  async get(fileId: string): Promise<Binary> {
    assertValidFileId(fileId);
    const blob = this.blobs.get(fileId);
    if (blob === undefined) throw new BlobNotFoundError(fileId);
    return {
      file_id: fileId,
      size: blob.data.byteLength,
      ...(blob.content_type !== undefined && { content_type: blob.content_type }),
      data: copyBytes(blob.data),
    };
  }

  async exists(fileId: string): Promise<boolean> {
    assertValidFileId(fileId);
    return this.blobs.has(fileId);
  }

  async getUrl(fileId: string): Promise<string | null> {
    assertValidFileId(fileId);
    return null;
  }
}

/** Memory storage for every model, and one shared memory blob store. */
export class MemoryStorageFactory implements IStorageFactory {
  private blobStore?: MemoryBlobStore;

  build(_modelName: string): IStorage {
    return new SimpleStorage(new MemoryMetaStore(), new MemoryResourceStore());
  }

  buildBlobStore(): IBlobStore {
    this.blobStore ??= new MemoryBlobStore();
    return this.blobStore;
  }
}
