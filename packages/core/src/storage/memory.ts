/**
 * In-process stores: the reference behaviour of the storage contract, and the default backend.
 * Every store hands out copies, so a caller mutating what it got (or what it saved) never
 * changes stored state.
 */
import { BlobNotFoundError } from '@specstar/interfaces';
import type {
  Binary,
  BlobPutOptions,
  ByteStream,
  IBlobStore,
  IMetaStore,
  IResourceStore,
  IStorage,
  IStorageFactory,
  MetaCommit,
  MetaExpectation,
  MetaStoreCapabilities,
  ResourceMeta,
  ResourceMetaSearchQuery,
  ResourceStoreCapabilities,
  RevisionPage,
  RevisionPageRequest,
  RevisionInfo,
  StorageCapabilities,
  StorageWrite,
  StoredRevision,
} from '@specstar/interfaces';
import { xxh3Hex } from '../codec';
import { countQuery, runQuery } from '../search';
import { copyMeta, infoRecord, metaRecord } from '../record-shapes';
import { SimpleStorage } from './simple-storage';
import { ValueIndex } from './value-index';
import { findUniqueViolation, holdsValue } from './unique';
import { SerialLock } from './serial-lock';
import { expectationRefusal } from './expectation';
import { assertValidDocumentName, assertValidFileId, checkBlobPut, checkDocumentPut } from './blob-ids';
import { MemoryUploadStaging } from './memory-uploads';
import { checkStreamedSize, collectBytes } from './staging';

const META_RECORD_KEYS = 15;

/** Counts enumerable keys without allocating a key list (this runs on every stored meta). */
function ownKeyCount(record: object): number {
  let count = 0;
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  for (const _ in record) count++;
  return count;
}

const copyInfo = infoRecord;

/** `new Uint8Array(view)` copies, also for a Buffer (whose slice() would share memory). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

export class MemoryMetaStore implements IMetaStore {
  readonly capabilities: MetaStoreCapabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true };
  private readonly metas = new Map<string, ResourceMeta>();
  private readonly valueIndex = new ValueIndex(() => this.metas.values());
  /** Commits run one at a time: a decision stays valid while the payload is stored. */
  private readonly commits = new SerialLock();

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
    yield* Array.from(this.metas.keys());
  }

  async *values(): AsyncIterable<ResourceMeta> {
    for (const meta of Array.from(this.metas.values())) yield copyMeta(meta);
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

  commit(write: MetaCommit): Promise<void> {
    return this.commits.run(async () => {
      const refusal = this.refusal(write);
      if (refusal !== undefined) throw refusal;
      await write.beforeWrite?.();
      this.store(write.meta);
    });
  }

  /** @internal Why `write` may not be applied to what is stored now; undefined when it may. */
  refusal(write: Pick<MetaCommit, 'meta' | 'expect' | 'unique'>): Error | undefined {
    const { meta, expect } = write;
    const refused = expect === undefined ? undefined : expectationRefusal(meta.resource_id, this.metas.get(meta.resource_id), expect);
    if (refused !== undefined || write.unique === undefined) return refused;
    return findUniqueViolation(write, (field, value, exceptId) => this.uniqueHolder(field, value, exceptId));
  }

  private store(meta: ResourceMeta): void {
    this.adopt(copyMeta(meta));
  }

  /** @internal Another live resource whose unique `field` holds `value` (see StorageWrite.unique). */
  uniqueHolder(field: string, value: unknown, exceptId: string): string | undefined {
    const ids = this.valueIndex.holders(field, value) ?? this.metas.keys();
    for (const id of ids) {
      const meta = this.metas.get(id);
      if (id !== exceptId && meta !== undefined && holdsValue(meta, field, value)) return id;
    }
    return undefined;
  }

  /** @internal The stored meta itself, for MemoryStorage's synchronous paths; never hand it out. */
  peek(resourceId: string): ResourceMeta | undefined {
    return this.metas.get(resourceId);
  }

  /** @internal Stores `meta` without copying: the caller gives up the object. */
  adopt(meta: ResourceMeta): void {
    // Metas that did not come from metaRecord() get its shape, so every stored meta shares one.
    if (ownKeyCount(meta) !== META_RECORD_KEYS) meta = metaRecord(meta);
    if (this.valueIndex.active) this.valueIndex.replace(meta.resource_id, this.metas.get(meta.resource_id)?.indexed_data, meta.indexed_data);
    this.metas.set(meta.resource_id, meta);
  }

  /** @internal A copy the caller may keep and change. */
  copyOf(resourceId: string): ResourceMeta | undefined {
    const meta = this.metas.get(resourceId);
    return meta === undefined ? undefined : copyMeta(meta);
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
/** The record's fields and its bytes in one object (one heap object per stored revision). */
interface Slot extends RevisionInfo {
  data: Uint8Array;
}

function toSlot(info: RevisionInfo, data: Uint8Array): Slot {
  return {
    uid: info.uid,
    resource_id: info.resource_id,
    revision_id: info.revision_id,
    parent_revision_id: info.parent_revision_id,
    parent_schema_version: info.parent_schema_version,
    schema_version: info.schema_version,
    data_hash: info.data_hash,
    status: info.status,
    created_time: info.created_time,
    updated_time: info.updated_time,
    created_by: info.created_by,
    updated_by: info.updated_by,
    data,
  };
}

/**
 * Revision records by resource. Each resource holds its slots in write order (a revision
 * migrated to another schema version adds a slot; saving under an existing key replaces it in
 * place). Lookups scan from the newest slot, which is the one reads almost always want; a
 * resource with a long history gets a key map so old revisions stay O(1) as well.
 */
class ResourceSlots {
  readonly slots: Slot[] = [];
  private byKey: Map<string, Map<string | null, number>> | undefined;
  // Paging positions once a revision was deleted (a slot's index until then); they never shift,
  // so a cursor issued before a prune neither skips nor repeats a revision after it.
  private positions: number[] | undefined;
  private nextPosition = 0;

  find(revisionId: string, version: string | null): Slot | undefined {
    if (this.byKey !== undefined) {
      const at = this.byKey.get(revisionId)?.get(version);
      return at === undefined ? undefined : this.slots[at];
    }
    for (let i = this.slots.length - 1; i >= 0; i--) {
      const slot = this.slots[i]!;
      if (slot.revision_id === revisionId && slot.schema_version === version) return slot;
    }
    return undefined;
  }

  put(slot: Slot): void {
    const { revision_id, schema_version } = slot;
    const existing = this.find(revision_id, schema_version);
    if (existing !== undefined) {
      this.slots[this.slots.indexOf(existing)] = slot;
      return;
    }
    this.slots.push(slot);
    this.positions?.push(this.nextPosition);
    this.nextPosition++;
    if (this.byKey !== undefined) this.keyMap(revision_id).set(schema_version, this.slots.length - 1);
    else if (this.slots.length > LINEAR_SCAN_LIMIT) {
      this.byKey = new Map();
      this.slots.forEach((s, i) => this.keyMap(s.revision_id).set(s.schema_version, i));
    }
  }

  revisionIds(): string[] {
    return [...new Set(this.slots.map((slot) => slot.revision_id))];
  }

  /** The same slots without one revision's records; positions stay what they were. */
  without(revisionId: string): ResourceSlots {
    const rest = new ResourceSlots();
    rest.positions = [];
    this.slots.forEach((slot, at) => {
      if (slot.revision_id === revisionId) return;
      rest.put(slot);
      rest.positions![rest.positions!.length - 1] = this.positionAt(at);
    });
    rest.nextPosition = this.nextPosition;
    return rest;
  }

  positionAt(index: number): number {
    return this.positions === undefined ? index : this.positions[index]!;
  }

  /** A page in slot order; a revision's position is that of its first slot (slots only append). */
  revisionPage({ limit, order, after }: RevisionPageRequest): RevisionPage {
    const items: RevisionPage['items'] = [];
    const step = order === 'asc' ? 1 : -1;
    let at = after === undefined ? (order === 'asc' ? 0 : this.slots.length - 1) : this.indexAfter(after, order);
    for (; at >= 0 && at < this.slots.length; at += step) {
      const slot = this.slots[at]!;
      if (this.firstSlotOf(slot.revision_id) !== at) continue;
      if (items.length === limit) return { items, hasMore: true };
      items.push({ revisionId: slot.revision_id, position: this.positionAt(at) });
    }
    return { items, hasMore: false };
  }

  /** The index of the first slot past `position` in paging order (positions ascend with the index). */
  private indexAfter(position: number, order: 'asc' | 'desc'): number {
    if (this.positions === undefined) return order === 'asc' ? position + 1 : position - 1;
    let low = 0;
    let high = this.positions.length; // first index whose position is > `position`
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.positions[mid]! <= position) low = mid + 1;
      else high = mid;
    }
    if (order === 'asc') return low;
    return this.positions[low - 1] === position ? low - 2 : low - 1;
  }

  private firstSlotOf(revisionId: string): number {
    const versions = this.byKey?.get(revisionId);
    if (versions !== undefined) return versions.size === 1 ? versions.values().next().value! : Math.min(...versions.values());
    return this.slots.findIndex((slot) => slot.revision_id === revisionId);
  }

  versionsOf(revisionId: string): (string | null)[] {
    const versions = this.byKey?.get(revisionId);
    // Keyed: the revision's own entries in slot order, not a scan of the whole history.
    if (versions?.size === 1) return [versions.keys().next().value!];
    if (versions !== undefined) return [...versions].sort((a, b) => a[1] - b[1]).map(([version]) => version);
    if (this.byKey !== undefined) return [];
    return this.slots.filter((slot) => slot.revision_id === revisionId).map((slot) => slot.schema_version);
  }

  private keyMap(revisionId: string): Map<string | null, number> {
    let versions = this.byKey!.get(revisionId);
    if (versions === undefined) this.byKey!.set(revisionId, (versions = new Map()));
    return versions;
  }
}

// Beyond this many records per resource, lookups go through a key map instead of a scan.
const LINEAR_SCAN_LIMIT = 32;

/**
 * Revision records addressed by `(resource_id, revision_id, schema_version)`; `null` is a
 * version of its own. Saving under an existing key replaces that record only, so records of
 * other versions survive a migration.
 */
export class MemoryResourceStore implements IResourceStore {
  readonly capabilities: ResourceStoreCapabilities = { batchWrite: true, revisionPaging: true, revisionDelete: true };
  // A resource with one record (the common case) holds its slot directly; more get a ResourceSlots.
  private readonly resources = new Map<string, Slot | ResourceSlots>();

  async *listResources(): AsyncIterable<string> {
    yield* Array.from(this.resources.keys());
  }

  async listRevisions(resourceId: string): Promise<string[]> {
    return this.slotsOf(resourceId)?.revisionIds() ?? [];
  }

  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    return this.slotsOf(resourceId)?.revisionPage(request) ?? { items: [], hasMore: false };
  }

  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    return this.slotsOf(resourceId)?.versionsOf(revisionId) ?? [];
  }

  async exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    return this.find(resourceId, revisionId, schemaVersion) !== undefined;
  }

  async get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    return this.read(resourceId, revisionId, schemaVersion);
  }

  async getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    const slot = this.find(resourceId, revisionId, schemaVersion);
    return slot === undefined ? undefined : copyInfo(slot);
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

  /** Rebuilds the resource's slots without the revision; the others keep their paging positions. */
  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    const rest = this.slotsOf(resourceId)?.without(revisionId);
    if (rest === undefined) return;
    if (rest.slots.length === 0) this.resources.delete(resourceId);
    // A lone slot is stored bare only while its position is still its index.
    else if (rest.slots.length === 1 && rest.positionAt(0) === 0) this.resources.set(resourceId, rest.slots[0]!);
    else this.resources.set(resourceId, rest);
  }

  private saveOne(info: RevisionInfo, data: Uint8Array): void {
    // Copy in, so a caller reusing its objects or buffer cannot change what is stored.
    this.adopt(copyInfo(info), copyBytes(data));
  }

  /** @internal Stores the record; `data` is kept as it is (the caller gives it up). */
  adopt(info: RevisionInfo, data: Uint8Array): void {
    const slot = toSlot(info, data);
    const held = this.resources.get(info.resource_id);
    if (held === undefined) {
      this.resources.set(info.resource_id, slot);
    } else if (held instanceof ResourceSlots) {
      held.put(slot);
    } else if (held.revision_id === info.revision_id && held.schema_version === info.schema_version) {
      this.resources.set(info.resource_id, slot);
    } else {
      const slots = new ResourceSlots();
      slots.put(held);
      slots.put(slot);
      this.resources.set(info.resource_id, slots);
    }
  }

  private find(resourceId: string, revisionId: string, schemaVersion: string | null): Slot | undefined {
    const held = this.resources.get(resourceId);
    if (held === undefined || held instanceof ResourceSlots) return held?.find(revisionId, schemaVersion);
    return held.revision_id === revisionId && held.schema_version === schemaVersion ? held : undefined;
  }

  private slotsOf(resourceId: string): ResourceSlots | undefined {
    const held = this.resources.get(resourceId);
    if (held === undefined || held instanceof ResourceSlots) return held;
    const one = new ResourceSlots();
    one.put(held);
    return one;
  }

  /** @internal A copy of the record's info with the stored bytes (returned bytes are read-only). */
  read(resourceId: string, revisionId: string, schemaVersion: string | null): StoredRevision | undefined {
    const slot = this.find(resourceId, revisionId, schemaVersion);
    return slot === undefined ? undefined : { info: copyInfo(slot), data: slot.data };
  }
}

/**
 * The memory storage facade. Everything lives in this process and every method runs to
 * completion synchronously, so a commit is atomic: the expectation check, the revision and the
 * meta happen with no other operation in between. It adopts the objects of a commit (per the
 * IStorage contract) and hands out copies.
 */
export class MemoryStorage extends SimpleStorage {
  override readonly capabilities: StorageCapabilities = {
    search: true,
    compareAndSet: true,
    createIfAbsent: true,
    batchWrite: true,
    atomicCommit: true,
    atomicUnique: true,
  };

  constructor(
    private readonly metas = new MemoryMetaStore(),
    private readonly revisions = new MemoryResourceStore(),
  ) {
    super(metas, revisions);
  }

  override commit(write: StorageWrite): Promise<void> {
    const { revision, meta } = write;
    if (write.expect !== undefined || write.unique !== undefined) {
      const refusal = this.metas.refusal(write);
      if (refusal !== undefined) return Promise.reject(refusal);
    }
    if (revision !== undefined) this.revisions.adopt(revision.info, revision.data);
    this.metas.adopt(meta);
    return RESOLVED;
  }

  override exists(resourceId: string): Promise<boolean> {
    return Promise.resolve(this.metas.peek(resourceId) !== undefined);
  }

  override getMeta(resourceId: string): Promise<ResourceMeta | undefined> {
    return Promise.resolve(this.metas.copyOf(resourceId));
  }

  override getRevision(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    return Promise.resolve(this.revisions.read(resourceId, revisionId, schemaVersion));
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

interface StoredBlob {
  data: Uint8Array;
  content_type?: string;
}

export class MemoryBlobStore implements IBlobStore {
  private readonly blobs = new Map<string, StoredBlob>();
  private readonly grants = new Map<string, Set<string>>();
  /** Documents by namespace then key: a space apart from file ids, so `get(fileId)` never reaches one. */
  private readonly documents = new Map<string, Map<string, Uint8Array>>();
  /** Parts of proxy upload sessions, apart from the blobs. */
  readonly uploads = new MemoryUploadStaging();

  async put(data: Uint8Array, options: BlobPutOptions = {}): Promise<Binary> {
    const { key, contentType } = checkBlobPut(data, options);
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

  /** The stream is read whole first (this store holds bytes in memory anyway), then put. */
  async putStream(data: ByteStream, options: { key: string; contentType?: string; size?: number }): Promise<Binary> {
    assertValidFileId(options.key, 'key');
    const bytes = await collectBytes(data);
    checkStreamedSize(options.size, bytes.byteLength);
    const stored = await this.put(bytes, { key: options.key, contentType: options.contentType });
    delete stored.data;
    return stored;
  }

  async getStream(fileId: string): Promise<{ blob: Binary; body: ByteStream }> {
    const { data, ...blob } = await this.get(fileId);
    async function* body(): AsyncGenerator<Uint8Array> {
      if (data !== undefined) yield data;
    }
    return { blob, body: body() };
  }

  async getUrl(fileId: string): Promise<string | null> {
    assertValidFileId(fileId);
    return null;
  }

  async grant(fileId: string, owner: string): Promise<void> {
    assertValidFileId(fileId);
    let owners = this.grants.get(fileId);
    if (owners === undefined) this.grants.set(fileId, (owners = new Set()));
    owners.add(owner);
  }

  async isGranted(fileId: string, owner: string): Promise<boolean> {
    assertValidFileId(fileId);
    return this.grants.get(fileId)?.has(owner) ?? false;
  }

  async putDocument(namespace: string, key: string, data: Uint8Array): Promise<void> {
    checkDocumentPut(namespace, key, data);
    let space = this.documents.get(namespace);
    if (space === undefined) this.documents.set(namespace, (space = new Map()));
    space.set(key, copyBytes(data));
  }

  async getDocument(namespace: string, key: string): Promise<Uint8Array | null> {
    assertValidDocumentName(namespace, 'namespace');
    assertValidDocumentName(key, 'key');
    const stored = this.documents.get(namespace)?.get(key);
    return stored === undefined ? null : copyBytes(stored);
  }
}

/** Memory storage for every model, and one shared memory blob store. */
export class MemoryStorageFactory implements IStorageFactory {
  private blobStore?: MemoryBlobStore;

  build(_modelName: string): IStorage {
    return new MemoryStorage();
  }

  buildBlobStore(): IBlobStore {
    this.blobStore ??= new MemoryBlobStore();
    return this.blobStore;
  }
}
