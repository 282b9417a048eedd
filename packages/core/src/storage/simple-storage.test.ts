import { ResourceConflictError, ResourceIDNotFoundError, RevisionMismatchError, UniqueConstraintError } from '@specstar/interfaces';
import type { IMetaStore, IResourceStore, ResourceMeta, ResourceMetaSearchQuery, RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { MemoryMetaStore, MemoryResourceStore } from './memory';
import { SimpleStorage } from './simple-storage';
import { rejection } from '../../test/catch-error';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

function meta(id: string, revision = 1, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  return {
    current_revision_id: `${id}:${revision}`,
    resource_id: id,
    schema_version: null,
    total_revision_count: revision,
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
    is_deleted: false,
    indexed_data: { name: id },
    ...overrides,
  };
}

function revision(id: string, n: number, data: string, schemaVersion: string | null = null): StoredRevision {
  const info: RevisionInfo = {
    uid: `${id}-${n}-${data}`,
    resource_id: id,
    revision_id: `${id}:${n}`,
    parent_revision_id: n > 1 ? `${id}:${n - 1}` : null,
    schema_version: schemaVersion,
    status: 'stable',
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
  };
  return { info, data: bytes(data) };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}


/** A meta store with only the required methods: SimpleStorage must fall back for the rest. */
class MinimalMetaStore implements IMetaStore {
  readonly metas = new Map<string, ResourceMeta>();
  async get(id: string) {
    const m = this.metas.get(id);
    return m && { ...m };
  }
  async put(m: ResourceMeta) {
    this.metas.set(m.resource_id, { ...m });
  }
  async delete(id: string) {
    return this.metas.delete(id);
  }
  async has(id: string) {
    return this.metas.has(id);
  }
  async *keys() {
    yield* Array.from(this.metas.keys());
  }
  async *values() {
    for (const m of Array.from(this.metas.values())) yield { ...m };
  }
  async size() {
    return this.metas.size;
  }
}

/** The memory meta store without its atomic commit: SimpleStorage takes the insert / putIfCurrent path. */
class ClaimlessMetaStore extends MemoryMetaStore {
  override readonly capabilities = { ...new MemoryMetaStore().capabilities, atomicUnique: false };
}

/** A resource store without saveMany, delegating to the memory store. */
function minimalResourceStore(inner = new MemoryResourceStore()): IResourceStore & { saved: string[] } {
  const saved: string[] = [];
  return {
    saved,
    listResources: () => inner.listResources(),
    listRevisions: (id) => inner.listRevisions(id),
    listSchemaVersions: (id, rev) => inner.listSchemaVersions(id, rev),
    exists: (id, rev, v) => inner.exists(id, rev, v),
    get: (id, rev, v) => inner.get(id, rev, v),
    getInfo: (id, rev, v) => inner.getInfo(id, rev, v),
    save: async (info, data) => {
      saved.push(info.uid);
      await inner.save(info, data);
    },
    purge: (id) => inner.purge(id),
  };
}

function memoryStorage() {
  const metas = new MemoryMetaStore();
  const revisions = new MemoryResourceStore();
  return { storage: new SimpleStorage(metas, revisions), metas, revisions };
}

describe('SimpleStorage capabilities', () => {
  it("mirrors the meta store's flags (atomicUnique included) and is never atomic across the two stores", () => {
    expect(memoryStorage().storage.capabilities).toEqual({
      search: true,
      compareAndSet: true,
      createIfAbsent: true,
      batchWrite: true,
      atomicCommit: false,
      atomicUnique: true,
    });
    expect(new SimpleStorage(new MinimalMetaStore(), minimalResourceStore()).capabilities).toEqual({
      search: false,
      compareAndSet: false,
      createIfAbsent: false,
      batchWrite: false,
      atomicCommit: false,
      atomicUnique: false,
    });
  });
});

describe.each([
  ['memory stores', () => memoryStorage().storage],
  ['minimal stores (fallback paths)', () => new SimpleStorage(new MinimalMetaStore(), minimalResourceStore())],
])('SimpleStorage.commit with %s', (_label, build) => {
  it('expect absent: writes the revision and the meta of a new resource', async () => {
    const storage = build();
    await storage.commit({ revision: revision('a', 1, 'one'), meta: meta('a'), expect: { absent: true } });
    expect(await storage.getMeta('a')).toEqual(meta('a'));
    expect(text((await storage.getRevision('a', 'a:1', null))?.data)).toBe('one');
  });

  it('expect absent on an existing resource: ResourceConflictError and nothing written', async () => {
    const storage = build();
    await storage.commit({ revision: revision('a', 1, 'original'), meta: meta('a'), expect: { absent: true } });
    const error = await rejection(
      storage.commit({ revision: revision('a', 1, 'intruder'), meta: meta('a', 1, { created_by: 'x' }), expect: { absent: true } }),
    );
    expect(error).toBeInstanceOf(ResourceConflictError);
    expect((error as ResourceConflictError).resource_id).toBe('a');
    expect(await storage.getMeta('a')).toEqual(meta('a'));
    const stored = await storage.getRevision('a', 'a:1', null);
    expect(text(stored?.data)).toBe('original');
    expect(stored?.info.uid).toBe('a-1-original');
  });

  it('expect current: writes when the stored current revision matches', async () => {
    const storage = build();
    await storage.commit({ revision: revision('a', 1, 'one'), meta: meta('a') });
    await storage.commit({ revision: revision('a', 2, 'two'), meta: meta('a', 2), expect: { current_revision_id: 'a:1' } });
    expect(await storage.getMeta('a')).toEqual(meta('a', 2));
    expect(await storage.listRevisions('a')).toEqual(['a:1', 'a:2']);
  });

  it('expect current on a changed resource: RevisionMismatchError and nothing written', async () => {
    const storage = build();
    await storage.commit({ revision: revision('a', 1, 'one'), meta: meta('a') });
    await storage.commit({ revision: revision('a', 2, 'two'), meta: meta('a', 2) });
    const error = await rejection(
      storage.commit({ revision: revision('a', 3, 'three'), meta: meta('a', 3), expect: { current_revision_id: 'a:1' } }),
    );
    expect(error).toBeInstanceOf(RevisionMismatchError);
    expect(error).toMatchObject({ resource_id: 'a', expected: 'a:1', actual: 'a:2' });
    expect(await storage.getMeta('a')).toEqual(meta('a', 2));
    expect(await storage.listRevisions('a')).toEqual(['a:1', 'a:2']);
    expect(await storage.revisionExists('a', 'a:3', null)).toBe(false);
  });

  it('expect current on a missing resource: ResourceIDNotFoundError and nothing written', async () => {
    const storage = build();
    const error = await rejection(storage.commit({ revision: revision('a', 2, 'two'), meta: meta('a', 2), expect: { current_revision_id: 'a:1' } }));
    expect(error).toBeInstanceOf(ResourceIDNotFoundError);
    expect((error as ResourceIDNotFoundError).resource_id).toBe('a');
    expect(await storage.exists('a')).toBe(false);
    expect(await storage.listRevisions('a')).toEqual([]);
  });

  it('no expectation: unconditional upsert, revision optional', async () => {
    const storage = build();
    await storage.commit({ revision: revision('a', 1, 'one'), meta: meta('a') });
    await storage.commit({ meta: meta('a', 1, { is_deleted: true }) });
    expect((await storage.getMeta('a'))?.is_deleted).toBe(true);
    expect(await storage.listRevisions('a')).toEqual(['a:1']);
  });

  it('search and count evaluate the query (count ignores paging)', async () => {
    const storage = build();
    for (const id of ['b', 'a', 'c']) await storage.commit({ meta: meta(id, 1, { indexed_data: { n: id === 'c' ? 2 : 1 } }) });
    const query: ResourceMetaSearchQuery = {
      conditions: [{ type: 'DataSearchCondition', field_path: 'n', operator: 'eq', value: 1, transform: null }],
      sorts: [{ type: 'meta', key: 'resource_id', direction: '-' }],
      limit: 1,
      offset: 0,
    };
    expect((await storage.search(query)).map((m) => m.resource_id)).toEqual(['b']);
    expect(await storage.count(query)).toBe(2);
  });

  it('saveMetas and saveRevisions write every item', async () => {
    const storage = build();
    await storage.saveMetas([meta('a'), meta('b')]);
    await storage.saveRevisions([revision('a', 1, 'one'), revision('b', 1, 'bee', 'v1')]);
    expect((await collect(storage.iterMetas())).map((m) => m.resource_id)).toEqual(['a', 'b']);
    expect(text((await storage.getRevision('b', 'b:1', 'v1'))?.data)).toBe('bee');
  });
});

describe('SimpleStorage races (stores report a lost race)', () => {
  it('a lost create-if-absent race is a ResourceConflictError', async () => {
    const metas = new ClaimlessMetaStore();
    jest.spyOn(metas, 'insert').mockResolvedValue(false);
    const storage = new SimpleStorage(metas, new MemoryResourceStore());
    const error = await rejection(storage.commit({ revision: revision('a', 1, 'one'), meta: meta('a'), expect: { absent: true } }));
    expect(error).toBeInstanceOf(ResourceConflictError);
    expect((error as ResourceConflictError).resource_id).toBe('a');
  });

  it('a lost compare-and-set race is a RevisionMismatchError with the revision now stored', async () => {
    const metas = new ClaimlessMetaStore();
    const storage = new SimpleStorage(metas, new MemoryResourceStore());
    await storage.commit({ meta: meta('a') });
    // Another writer moves the resource to :5 between the check and the write.
    jest.spyOn(metas, 'putIfCurrent').mockImplementation(async () => {
      await metas.put(meta('a', 5));
      return false;
    });
    const error = await rejection(storage.commit({ meta: meta('a', 2), expect: { current_revision_id: 'a:1' } }));
    expect(error).toMatchObject({ resource_id: 'a', expected: 'a:1', actual: 'a:5' });
    expect(error).toBeInstanceOf(RevisionMismatchError);
  });

  it('uses the optional store methods when present', async () => {
    const metas = new ClaimlessMetaStore();
    const revisions = new MemoryResourceStore();
    const spies = {
      insert: jest.spyOn(metas, 'insert'),
      putIfCurrent: jest.spyOn(metas, 'putIfCurrent'),
      putMany: jest.spyOn(metas, 'putMany'),
      search: jest.spyOn(metas, 'search'),
      count: jest.spyOn(metas, 'count'),
      saveMany: jest.spyOn(revisions, 'saveMany'),
    };
    const storage = new SimpleStorage(metas, revisions);
    const query: ResourceMetaSearchQuery = { limit: 10, offset: 0 };
    await storage.commit({ meta: meta('a'), expect: { absent: true } });
    await storage.commit({ meta: meta('a', 2), expect: { current_revision_id: 'a:1' } });
    await storage.saveMetas([meta('b')]);
    await storage.saveRevisions([revision('b', 1, 'x')]);
    await storage.search(query);
    await storage.count(query);
    for (const spy of Object.values(spies)) expect(spy).toHaveBeenCalledTimes(1);
  });
});

describe('SimpleStorage over a meta store with atomicUnique', () => {
  /** Each save yields to the event loop first, so racing commits interleave around it. */
  function yieldingResourceStore(inner = new MemoryResourceStore()): IResourceStore & { saved: string[] } {
    const store = minimalResourceStore(inner);
    const save = store.save;
    store.save = async (info, data) => {
      await new Promise((resolve) => setImmediate(resolve));
      await save(info, data);
    };
    return store;
  }
  const named = (id: string, name: string | null, n = 1) => meta(id, n, { indexed_data: { name } });

  it('a taken value is refused before the revision is stored, and the holder stays the only one', async () => {
    const revisions = yieldingResourceStore();
    const storage = new SimpleStorage(new MemoryMetaStore(), revisions);
    await storage.commit({ revision: revision('a', 1, 'a1'), meta: named('a', 'x'), expect: { absent: true }, unique: ['name'] });
    const error = await rejection(storage.commit({ revision: revision('b', 1, 'b1'), meta: named('b', 'x'), expect: { absent: true }, unique: ['name'] }));
    expect(error).toBeInstanceOf(UniqueConstraintError);
    expect(error).toMatchObject({ field: 'name', value: 'x', conflicting_resource_id: 'a' });
    expect(revisions.saved).toEqual(['a-1-a1']);
    expect(await storage.exists('b')).toBe(false);
    // Null claims nothing; a deleted holder frees its value.
    await storage.commit({ revision: revision('c', 1, 'c1'), meta: named('c', null), expect: { absent: true }, unique: ['name'] });
    await storage.commit({ meta: { ...named('a', 'x'), is_deleted: true }, expect: { current_revision_id: 'a:1' } });
    await storage.commit({ revision: revision('b', 1, 'b1'), meta: named('b', 'x'), expect: { absent: true }, unique: ['name'] });
    expect((await storage.getMeta('b'))?.indexed_data).toEqual({ name: 'x' });
  });

  it('racing creates of one value: one wins, the others get UniqueConstraintError and store no revision', async () => {
    const revisions = yieldingResourceStore();
    const storage = new SimpleStorage(new MemoryMetaStore(), revisions);
    const ids = ['p', 'q', 'r', 's'];
    const results = await Promise.allSettled(
      ids.map((id) => storage.commit({ revision: revision(id, 1, id), meta: named(id, 'taken'), expect: { absent: true }, unique: ['name'] })),
    );
    const won = ids.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toMatchObject({ conflicting_resource_id: won[0] });
    expect(revisions.saved).toEqual([`${won[0]}-1-${won[0]}`]);
    expect(await collect(revisions.listResources())).toEqual(won);
  });

  it('racing compare-and-set of one revision: one wins and the stored revision is its own', async () => {
    const revisions = yieldingResourceStore();
    const storage = new SimpleStorage(new MemoryMetaStore(), revisions);
    await storage.commit({ revision: revision('a', 1, 'base'), meta: meta('a'), expect: { absent: true } });
    const writers = ['w1', 'w2', 'w3', 'w4'];
    const results = await Promise.allSettled(writers.map((w) => storage.commit({ revision: revision('a', 2, w), meta: meta('a', 2, { updated_by: w }), expect: { current_revision_id: 'a:1' } })));
    const won = writers.filter((_, i) => results[i]!.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(RevisionMismatchError);
    expect((await storage.getMeta('a'))?.updated_by).toBe(won[0]);
    expect(text((await storage.getRevision('a', 'a:2', null))?.data)).toBe(won[0]);
    expect(revisions.saved).toEqual(['a-1-base', `a-2-${won[0]}`]);
  });

  it('a failing revision save refuses the write: no meta, and the value stays free', async () => {
    const revisions = minimalResourceStore();
    revisions.save = async () => {
      throw new Error('disk full');
    };
    const storage = new SimpleStorage(new MemoryMetaStore(), revisions);
    await expect(storage.commit({ revision: revision('a', 1, 'a1'), meta: named('a', 'x'), expect: { absent: true }, unique: ['name'] })).rejects.toThrow('disk full');
    expect(await storage.exists('a')).toBe(false);
    await storage.commit({ meta: named('b', 'x'), expect: { absent: true }, unique: ['name'] });
    expect(await storage.exists('b')).toBe(true);
  });
});

describe('SimpleStorage reads, purges and iteration', () => {
  async function seeded() {
    const parts = memoryStorage();
    const { storage } = parts;
    await storage.commit({ revision: revision('a', 1, 'a1'), meta: meta('a') });
    await storage.commit({ revision: revision('a', 2, 'a2'), meta: meta('a', 2) });
    await storage.saveRevision(revision('a', 1, 'a1-v2', 'v2').info, bytes('a1-v2'));
    await storage.commit({ revision: revision('b', 1, 'b1'), meta: meta('b') });
    return parts;
  }

  it('passes revision reads through to the resource store', async () => {
    const { storage } = await seeded();
    expect(await storage.listRevisions('a')).toEqual(['a:1', 'a:2']);
    expect(await storage.listSchemaVersions('a', 'a:1')).toEqual([null, 'v2']);
    expect(await storage.revisionExists('a', 'a:1', 'v2')).toBe(true);
    expect(await storage.revisionExists('a', 'a:2', 'v2')).toBe(false);
    expect((await storage.getRevisionInfo('a', 'a:1', 'v2'))?.uid).toBe('a-1-a1-v2');
    expect(await storage.getRevision('a', 'a:9', null)).toBeUndefined();
    expect(await storage.getMeta('zzz')).toBeUndefined();
  });

  it('iterRevisions yields every revision under every schema version in store order', async () => {
    const { storage } = await seeded();
    const all = await collect(storage.iterRevisions('a'));
    expect(all.map((r) => [r.info.revision_id, r.info.schema_version, text(r.data)])).toEqual([
      ['a:1', null, 'a1'],
      ['a:1', 'v2', 'a1-v2'],
      ['a:2', null, 'a2'],
    ]);
    expect(await collect(storage.iterRevisions('unknown'))).toEqual([]);
  });

  it('iterMetas yields all metas, or those of the given ids that exist', async () => {
    const { storage } = await seeded();
    expect((await collect(storage.iterMetas())).map((m) => m.resource_id)).toEqual(['a', 'b']);
    expect((await collect(storage.iterMetas(['b', 'missing', 'a']))).map((m) => m.resource_id)).toEqual(['b', 'a']);
  });

  it('purgeMeta removes only the meta; purgeResource removes the meta and every revision', async () => {
    const { storage } = await seeded();
    await storage.purgeMeta('b');
    expect(await storage.exists('b')).toBe(false);
    expect(await storage.listRevisions('b')).toEqual(['b:1']);
    await storage.purgeResource('a');
    expect(await storage.exists('a')).toBe(false);
    expect(await storage.listRevisions('a')).toEqual([]);
    expect(await storage.revisionExists('a', 'a:1', 'v2')).toBe(false);
  });

  it('close closes both stores when they can be closed', async () => {
    const metas = new MinimalMetaStore();
    const revisions = minimalResourceStore();
    const closed: string[] = [];
    Object.assign(metas, { close: async () => void closed.push('meta') });
    Object.assign(revisions, { close: async () => void closed.push('resource') });
    await new SimpleStorage(metas, revisions).close();
    expect(closed).toEqual(['meta', 'resource']);
    await expect(memoryStorage().storage.close()).resolves.toBeUndefined();
  });
});
