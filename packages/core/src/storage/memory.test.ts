import { BlobNotFoundError, ValidationError } from '@specstar/interfaces';
import type { ResourceMeta, ResourceMetaSearchQuery, RevisionInfo } from '@specstar/interfaces';
import { xxh3Hex } from '../codec';
import { MemoryBlobStore, MemoryMetaStore, MemoryResourceStore, MemoryStorage, MemoryStorageFactory } from './memory';

const T0 = new Date('2025-01-01T00:00:00.000Z');
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined): string => new TextDecoder().decode(data);

function meta(id: string, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  return {
    current_revision_id: `${id}:1`,
    resource_id: id,
    schema_version: null,
    total_revision_count: 1,
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
    is_deleted: false,
    indexed_data: { name: id },
    ...overrides,
  };
}

function info(resourceId: string, revision: number, schemaVersion: string | null, uid: string): RevisionInfo {
  return {
    uid,
    resource_id: resourceId,
    revision_id: `${resourceId}:${revision}`,
    parent_revision_id: revision > 1 ? `${resourceId}:${revision - 1}` : null,
    schema_version: schemaVersion,
    status: 'stable',
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
  };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

const nameEq = (value: string): ResourceMetaSearchQuery => ({
  conditions: [{ type: 'DataSearchCondition', field_path: 'name', operator: 'eq', value, transform: null }],
  limit: 10,
  offset: 0,
});

describe('MemoryMetaStore', () => {
  it('declares every capability', () => {
    expect(new MemoryMetaStore().capabilities).toEqual({ search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true });
  });

  it('stores, reads, lists and deletes metas', async () => {
    const store = new MemoryMetaStore();
    await store.put(meta('b'));
    await store.put(meta('a'));
    expect(await store.get('a')).toEqual(meta('a'));
    expect(await store.get('missing')).toBeUndefined();
    expect(await store.has('a')).toBe(true);
    expect(await store.has('missing')).toBe(false);
    expect(await store.size()).toBe(2);
    expect(await collect(store.keys())).toEqual(['b', 'a']);
    expect(await collect(store.values())).toEqual([meta('b'), meta('a')]);
    expect(await store.delete('b')).toBe(true);
    expect(await store.delete('b')).toBe(false);
    expect(await collect(store.keys())).toEqual(['a']);
  });

  it('put upserts', async () => {
    const store = new MemoryMetaStore();
    await store.put(meta('a'));
    await store.put(meta('a', { total_revision_count: 2 }));
    expect((await store.get('a'))?.total_revision_count).toBe(2);
    expect(await store.size()).toBe(1);
  });

  it('keeps UNSET fields unset: undefined in the object, absent from the encoded form', async () => {
    const store = new MemoryMetaStore();
    const { indexed_data: _omitted, ...bare } = meta('a');
    await store.put(bare);
    const read = (await store.get('a'))!;
    expect(read.indexed_data).toBeUndefined();
    expect(read).toEqual(bare);
    expect(JSON.parse(JSON.stringify(read))).toEqual(JSON.parse(JSON.stringify(bare)));
    expect(Object.keys(JSON.parse(JSON.stringify(read)))).not.toContain('indexed_data');
  });

  it('hands out copies: neither the saved nor the returned object aliases stored state', async () => {
    const store = new MemoryMetaStore();
    const saved = meta('a');
    await store.put(saved);
    saved.total_revision_count = 99;
    (saved.indexed_data as Record<string, unknown>).name = 'changed';
    const read = (await store.get('a')) as ResourceMeta;
    expect(read).toEqual(meta('a'));
    read.is_deleted = true;
    (read.indexed_data as Record<string, unknown>).name = 'changed';
    const [searched] = await store.search(nameEq('a'));
    (searched!.indexed_data as Record<string, unknown>).name = 'changed';
    for (const value of await collect(store.values())) value.current_revision_id = 'x';
    expect(await store.get('a')).toEqual(meta('a'));
  });

  it('insert creates only when absent', async () => {
    const store = new MemoryMetaStore();
    expect(await store.insert(meta('a'))).toBe(true);
    expect(await store.insert(meta('a', { total_revision_count: 5 }))).toBe(false);
    expect((await store.get('a'))?.total_revision_count).toBe(1);
  });

  it('putIfCurrent writes only when the stored current revision matches', async () => {
    const store = new MemoryMetaStore();
    expect(await store.putIfCurrent(meta('a'), { current_revision_id: 'a:1' })).toBe(false);
    expect(await store.has('a')).toBe(false);
    await store.put(meta('a'));
    const next = meta('a', { current_revision_id: 'a:2', total_revision_count: 2 });
    expect(await store.putIfCurrent(next, { current_revision_id: 'a:0' })).toBe(false);
    expect(await store.get('a')).toEqual(meta('a'));
    expect(await store.putIfCurrent(next, { current_revision_id: 'a:1' })).toBe(true);
    expect(await store.get('a')).toEqual(next);
  });

  it('putMany upserts every meta', async () => {
    const store = new MemoryMetaStore();
    await store.put(meta('a'));
    await store.putMany([meta('a', { total_revision_count: 3 }), meta('b')]);
    expect(await collect(store.values())).toEqual([meta('a', { total_revision_count: 3 }), meta('b')]);
  });

  it('search and count use the normative evaluator; count ignores paging', async () => {
    const store = new MemoryMetaStore();
    for (const id of ['x', 'y', 'x2']) await store.put(meta(id, { indexed_data: { name: id.startsWith('x') ? 'x' : 'y' } }));
    await store.put(meta('gone', { is_deleted: true, indexed_data: { name: 'x' } }));
    const query: ResourceMetaSearchQuery = { ...nameEq('x'), is_deleted: false, limit: 1, offset: 0 };
    const page = await store.search(query);
    expect(page.map((m) => m.resource_id)).toEqual(['x']);
    expect(await store.count(query)).toBe(2);
    expect((await store.search({ ...query, offset: 1 })).map((m) => m.resource_id)).toEqual(['x2']);
  });
});

describe('MemoryResourceStore', () => {
  it('saves and reads a revision by (resource, revision, schema version)', async () => {
    const store = new MemoryResourceStore();
    await store.save(info('r', 1, 'v1', 'u1'), bytes('one'));
    const stored = await store.get('r', 'r:1', 'v1');
    expect(stored?.info).toEqual(info('r', 1, 'v1', 'u1'));
    expect(text(stored?.data)).toBe('one');
    expect(await store.getInfo('r', 'r:1', 'v1')).toEqual(info('r', 1, 'v1', 'u1'));
    expect(await store.exists('r', 'r:1', 'v1')).toBe(true);
    expect(await store.exists('r', 'r:1', 'v2')).toBe(false);
    expect(await store.get('r', 'r:2', 'v1')).toBeUndefined();
    expect(await store.getInfo('other', 'r:1', 'v1')).toBeUndefined();
    expect(await store.listRevisions('unknown')).toEqual([]);
    expect(await store.listSchemaVersions('r', 'r:9')).toEqual([]);
  });

  it('lists revisions in write order and schema versions per revision; null is a key of its own', async () => {
    const store = new MemoryResourceStore();
    await store.save(info('r', 2, null, 'u2'), bytes('two'));
    await store.save(info('r', 1, null, 'u1'), bytes('one'));
    await store.save(info('r', 1, 'v2', 'u1b'), bytes('one-v2'));
    await store.save(info('r', 1, 'null', 'u1c'), bytes('one-null-string'));
    await store.save(info('s', 1, null, 's1'), bytes('s'));
    expect(await store.listRevisions('r')).toEqual(['r:2', 'r:1']);
    expect(await store.listSchemaVersions('r', 'r:1')).toEqual([null, 'v2', 'null']);
    expect(text((await store.get('r', 'r:1', null))?.data)).toBe('one');
    expect(text((await store.get('r', 'r:1', 'null'))?.data)).toBe('one-null-string');
    expect(await store.exists('r', 'r:2', null)).toBe(true);
    expect(await store.exists('r', 'r:2', 'v2')).toBe(false);
    expect(await collect(store.listResources())).toEqual(['r', 's']);
  });

  it('saving under an existing key replaces the entry with the new uid', async () => {
    const store = new MemoryResourceStore();
    await store.save(info('r', 1, 'v1', 'old'), bytes('old'));
    await store.save(info('r', 1, 'v1', 'new'), bytes('new'));
    const stored = await store.get('r', 'r:1', 'v1');
    expect(stored?.info.uid).toBe('new');
    expect(text(stored?.data)).toBe('new');
    expect(await store.listRevisions('r')).toEqual(['r:1']);
    expect(await store.listSchemaVersions('r', 'r:1')).toEqual(['v1']);
  });

  it('purge removes every record of the resource and nothing else', async () => {
    const store = new MemoryResourceStore();
    await store.save(info('r', 1, null, 'u1'), bytes('1'));
    await store.save(info('r', 2, 'v2', 'u2'), bytes('2'));
    await store.save(info('s', 1, null, 's1'), bytes('s'));
    await store.purge('r');
    await store.purge('never-existed');
    expect(await store.listRevisions('r')).toEqual([]);
    expect(await store.exists('r', 'r:1', null)).toBe(false);
    expect(await store.get('r', 'r:2', 'v2')).toBeUndefined();
    expect(await collect(store.listResources())).toEqual(['s']);
    expect(text((await store.get('s', 's:1', null))?.data)).toBe('s');
  });

  it('saveMany saves every item', async () => {
    const store = new MemoryResourceStore();
    await store.saveMany([
      { info: info('r', 1, null, 'u1'), data: bytes('1') },
      { info: info('r', 2, null, 'u2'), data: bytes('2') },
    ]);
    expect(await store.listRevisions('r')).toEqual(['r:1', 'r:2']);
    expect(store.capabilities.batchWrite).toBe(true);
  });

  it('keeps its own copy of saved bytes and hands out copies of info (returned bytes are read-only)', async () => {
    const store = new MemoryResourceStore();
    const saved = info('r', 1, null, 'u1');
    const data = bytes('abc');
    await store.save(saved, data);
    saved.status = 'draft';
    data[0] = 0;
    const read = await store.get('r', 'r:1', null);
    expect(read?.info.status).toBe('stable');
    expect(text(read?.data)).toBe('abc');
    (read as { info: RevisionInfo }).info.uid = 'changed';
    const again = await store.get('r', 'r:1', null);
    expect(text(again?.data)).toBe('abc');
    expect(again?.info.uid).toBe('u1');
  });
});

describe('MemoryBlobStore', () => {
  it('content-addresses puts by xxh3-128 and returns the Binary with its bytes', async () => {
    const store = new MemoryBlobStore();
    const data = bytes('hello');
    const binary = await store.put(data, { contentType: 'text/plain' });
    expect(binary.file_id).toBe(xxh3Hex(data));
    expect(binary.file_id).toMatch(/^[0-9a-f]{32}$/);
    expect(binary.size).toBe(5);
    expect(binary.content_type).toBe('text/plain');
    expect(text(binary.data)).toBe('hello');
    const read = await store.get(binary.file_id as string);
    expect(read.file_id).toBe(binary.file_id);
    expect(read.size).toBe(5);
    expect(read.content_type).toBe('text/plain');
    expect(text(read.data)).toBe('hello');
    expect(await store.exists(binary.file_id as string)).toBe(true);
  });

  it('deduplicates equal content: one stored blob, first write kept', async () => {
    const store = new MemoryBlobStore();
    const first = await store.put(bytes('same'), { contentType: 'text/plain' });
    const second = await store.put(bytes('same'), { contentType: 'application/octet-stream' });
    expect(second.file_id).toBe(first.file_id);
    expect((await store.get(first.file_id as string)).content_type).toBe('text/plain');
  });

  it('a caller key always overwrites', async () => {
    const store = new MemoryBlobStore();
    await store.put(bytes('one'), { key: 'avatar.png', contentType: 'image/png' });
    const binary = await store.put(bytes('two'), { key: 'avatar.png' });
    expect(binary.file_id).toBe('avatar.png');
    const read = await store.get('avatar.png');
    expect(text(read.data)).toBe('two');
    expect(read.content_type).toBeUndefined();
  });

  it('leaves an empty content type UNSET', async () => {
    const store = new MemoryBlobStore();
    const binary = await store.put(bytes('x'), { contentType: '' });
    expect('content_type' in binary).toBe(false);
    expect('content_type' in (await store.get(binary.file_id as string))).toBe(false);
  });

  it('get of an unknown id is a BlobNotFoundError naming it', async () => {
    const store = new MemoryBlobStore();
    await expect(store.get('nope')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('nope')).rejects.toMatchObject({ file_id: 'nope' });
    expect(await store.exists('nope')).toBe(false);
  });

  it('getUrl is null', async () => {
    expect(await new MemoryBlobStore().getUrl('abc')).toBeNull();
  });

  it.each(['../etc/passwd', '.', '..', 'a/b', '', 'x'.repeat(201), 'with space', 'a\\b', 'é'])(
    'rejects the file id %j on every call',
    async (bad) => {
      const store = new MemoryBlobStore();
      for (const call of [() => store.get(bad), () => store.exists(bad), () => store.getUrl(bad), () => store.put(bytes('x'), { key: bad })]) {
        const error = await call().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as ValidationError).kind).toBe('input');
      }
    },
  );

  it('accepts the safe id charset', async () => {
    const store = new MemoryBlobStore();
    const id = `A-z_0.9${'x'.repeat(193)}`;
    expect(id).toHaveLength(200);
    await store.put(bytes('x'), { key: id });
    expect(await store.exists(id)).toBe(true);
  });

  it('copies bytes in and out', async () => {
    const store = new MemoryBlobStore();
    const data = bytes('abc');
    const binary = await store.put(data, { key: 'k' });
    data[0] = 0;
    (binary.data as Uint8Array)[1] = 0;
    const read = await store.get('k');
    expect(text(read.data)).toBe('abc');
    (read.data as Uint8Array)[2] = 0;
    expect(text((await store.get('k')).data)).toBe('abc');
  });
});

describe('MemoryStorageFactory', () => {
  it('builds an independent MemoryStorage per model and one shared blob store', async () => {
    const factory = new MemoryStorageFactory();
    const items = factory.build('item');
    const users = factory.build('user');
    expect(items).toBeInstanceOf(MemoryStorage);
    expect(items.capabilities).toEqual({ search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true });
    await items.commit({ meta: meta('a') });
    expect(await items.exists('a')).toBe(true);
    expect(await users.exists('a')).toBe(false);
    expect(factory.buildBlobStore()).toBe(factory.buildBlobStore());
    expect(factory.buildBlobStore()).toBeInstanceOf(MemoryBlobStore);
  });
});
