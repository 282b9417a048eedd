/*
 * Dump and load behaviour: round trips, OnDuplicate, events, blobs, streaming (backpressure, spilling sections to disk).
 */
import {
  ArchiveFormatError,
  BlobNotFoundError,
  DuplicateResourceError,
  ModelNotFoundError,
  SpecStarError,
  ValidationError,
  type EventContext,
  type ResourceMeta,
  type StoredRevision,
} from '@specstar/interfaces';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough, Readable, Writable } from 'node:stream';
import { QB, SpecStar, binary, type ResourceManager } from '../src';
import {
  dumpArchive,
  dumpModel,
  loadArchive,
  loadRecord,
  loadRecordsBulk,
  readArchiveRecords,
  type ArchiveRecord,
  type BlobRecord,
  type MetaRecord,
  type RevisionRecord,
  decodeMetaPayload,
  decodeRevisionPayload,
} from '../src/archive';
import { ItemSchema, RecordingHandler, T0, T1, T2 } from './fixtures';
import { rejection } from './catch-error';

type Item = { name: string; value: number; tags?: string[] };
const DocSchema = { title: 'Doc', type: 'object', properties: { title: { type: 'string' }, n: { type: 'integer' }, file: binary() }, required: ['title'] };

function registry(options: ConstructorParameters<typeof SpecStar>[0] = {}) {
  const spec = new SpecStar(options);
  const item = spec.addModel<Item>({ ...ItemSchema }, { name: 'item', indexedFields: ['name', 'value'] });
  const doc = spec.addModel(DocSchema, { name: 'doc' });
  return { spec, item, doc };
}

async function dumpBytes(spec: SpecStar, queries?: Parameters<typeof dumpArchive>[2]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dumpArchive(spec.resourceManagers, out, queries);
  return Buffer.concat(chunks);
}

async function recordsOf(bytes: Uint8Array): Promise<ArchiveRecord[]> {
  const out: ArchiveRecord[] = [];
  for await (const { record } of readArchiveRecords(Readable.from([bytes]))) out.push(record);
  return out;
}

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

async function metasOf(rm: ResourceManager): Promise<Map<string, ResourceMeta>> {
  return new Map((await all(rm.storage.iterMetas())).map((m) => [m.resource_id, m]));
}

async function revisionsOf(rm: ResourceManager, id: string): Promise<StoredRevision[]> {
  return all(rm.storage.iterRevisions(id));
}


/** A few resources with history: updates, a draft, a soft delete, blobs. */
async function populate(item: ResourceManager<Item>, doc: ResourceManager) {
  await item.create({ name: 'a', value: 1 }, { resourceId: 'item:a', user: 'alice', now: T0 });
  await item.update('item:a', { name: 'a', value: 2 }, { user: 'bob', now: T1 });
  await item.update('item:a', { name: 'a', value: 3, tags: ['x'] }, { user: 'bob', now: T2 });
  await item.create({ name: 'b', value: 5 }, { resourceId: 'item:b', user: 'alice', now: T0, status: 'draft' });
  await item.create({ name: 'gone' }, { resourceId: 'item:gone', user: 'alice', now: T0 });
  await item.delete('item:gone', { user: 'bob', now: T1 });
  const png = await doc.blobStore!.put(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), { contentType: 'image/png' });
  const txt = await doc.blobStore!.put(Buffer.from('hello archive'));
  await doc.create({ title: 'one', file: { file_id: png.file_id, size: 8, content_type: 'image/png' } }, { resourceId: 'doc:1', user: 'alice', now: T0 });
  await doc.update('doc:1', { title: 'one v2', file: { file_id: txt.file_id, size: 13 } }, { user: 'alice', now: T1 });
  await doc.create({ title: 'no file' }, { resourceId: 'doc:2', user: 'alice', now: T0 });
  return { png: png.file_id!, txt: txt.file_id! };
}

async function expectSameContent(source: ResourceManager, target: ResourceManager): Promise<void> {
  const a = await metasOf(source);
  const b = await metasOf(target);
  expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
  for (const [id, meta] of a) {
    expect(b.get(id)).toEqual(meta);
    const left = await revisionsOf(source, id);
    const right = await revisionsOf(target, id);
    expect(right.map((r) => r.info)).toEqual(left.map((r) => r.info));
    expect(right.map((r) => Buffer.from(r.data))).toEqual(left.map((r) => Buffer.from(r.data)));
  }
}

describe('dump structure (invariant 106)', () => {
  it('Header(2), per model ModelStart … ModelEnd of the same name, metas followed by their revisions, blobs last, Eof', async () => {
    const { spec, item, doc } = registry();
    const { png, txt } = await populate(item, doc);
    const records = await recordsOf(await dumpBytes(spec));
    expect(records[0]).toEqual({ t: 'HeaderRecord', version: 2 });
    expect(records.at(-1)).toEqual({ t: 'EofRecord' });
    const shape = records.slice(1, -1).map((r) => {
      if (r.t === 'ModelStartRecord' || r.t === 'ModelEndRecord') return `${r.t}:${r.model_name}`;
      if (r.t === 'MetaRecord') return `Meta:${item.storage === undefined ? '' : decodeId(r)}`;
      if (r.t === 'RevisionRecord') return `Rev:${decodeRevisionId(r)}`;
      if (r.t === 'BlobRecord') return `Blob:${r.file_id}`;
      return r.t;
    });
    const revs = async (rm: ResourceManager, id: string) => (await revisionsOf(rm, id)).map((r) => `Rev:${r.info.revision_id}`);
    expect(shape).toEqual([
      'ModelStartRecord:item',
      'Meta:item:a',
      ...(await revs(item, 'item:a')),
      'Meta:item:b',
      'Rev:item:b:1',
      'Meta:item:gone',
      'Rev:item:gone:1',
      'ModelEndRecord:item',
      'ModelStartRecord:doc',
      'Meta:doc:1',
      'Rev:doc:1:1',
      'Rev:doc:1:2',
      'Meta:doc:2',
      'Rev:doc:2:1',
      `Blob:${png}`,
      `Blob:${txt}`,
      'ModelEndRecord:doc',
    ]);
    expect(await revs(item, 'item:a')).toEqual(['Rev:item:a:1', 'Rev:item:a:2', 'Rev:item:a:3']);
    const blob = records.find((r): r is BlobRecord => r.t === 'BlobRecord' && r.file_id === png)!;
    expect(blob).toEqual({ t: 'BlobRecord', file_id: png, blob_data: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]), size: 8, content_type: 'image/png' });
    const text = records.find((r): r is BlobRecord => r.t === 'BlobRecord' && r.file_id === txt)!;
    expect(text.content_type).toBe('');
  });

  it('blobs missing from the store are skipped silently; each blob appears once', async () => {
    const { doc } = registry();
    const shared = await doc.blobStore!.put(Buffer.from('shared'));
    await doc.create({ title: 'x', file: { file_id: shared.file_id } }, { resourceId: 'doc:x', user: 'u', now: T0 });
    await doc.create({ title: 'y', file: { file_id: shared.file_id } }, { resourceId: 'doc:y', user: 'u', now: T0 });
    const lost = await doc.blobStore!.put(Buffer.from('lost later'));
    await doc.create({ title: 'z', file: { file_id: lost.file_id } }, { resourceId: 'doc:z', user: 'u', now: T0 });
    // The store loses that blob (blob stores have no delete: simulate it on reads).
    const store = doc.blobStore!;
    const get = store.get.bind(store);
    store.get = (id: string) => (id === lost.file_id ? Promise.reject(new BlobNotFoundError(id)) : get(id));
    const blobs = (await all(dumpModel(doc))).filter((r) => r.t === 'BlobRecord');
    expect(blobs.map((b) => b.file_id)).toEqual([shared.file_id]);
  });

  it('a query dumps only its matches, every revision of each, ignoring the query limit and offset', async () => {
    const { item } = registry();
    for (let i = 0; i < 2100; i++) await item.create({ name: `n${i}`, value: i % 3 }, { resourceId: `item:${String(i).padStart(4, '0')}`, user: 'u', now: T0 });
    await item.update('item:0000', { name: 'n0', value: 3 }, { user: 'u', now: T1 });
    await item.delete('item:0003', { user: 'u', now: T1 });
    const records = await all(dumpModel(item, QB.field('value').eq(0).limit(5).offset(7)));
    const metaIds = records.filter((r): r is MetaRecord => r.t === 'MetaRecord').map(decodeId);
    // 0000 left value 0 (now 3); 0003 is deleted but still matches a query without is_deleted.
    const expected: string[] = [];
    for (let i = 3; i < 2100; i += 3) expected.push(`item:${String(i).padStart(4, '0')}`);
    expect(metaIds.sort()).toEqual(expected);
    expect(records.filter((r) => r.t === 'RevisionRecord')).toHaveLength(expected.length);
    const onlyUpdated = await all(dumpModel(item, { conditions: [{ field_path: 'value', operator: 'eq', value: 3 }] } as never));
    expect(onlyUpdated.filter((r) => r.t === 'RevisionRecord').map((r) => decodeRevisionId(r))).toEqual(['item:0000:1', 'item:0000:2']);
  });

  it('dumpArchive with model queries: only those models, in that order; unknown names fail before any byte', async () => {
    const { spec, item, doc } = registry();
    await populate(item, doc);
    const records = await recordsOf(await dumpBytes(spec, { doc: null, item: QB.field('name').eq('b') }));
    const sections = records.filter((r) => r.t === 'ModelStartRecord').map((r) => (r as { model_name: string }).model_name);
    expect(sections).toEqual(['doc', 'item']);
    const itemMetas = records.slice(records.findIndex((r) => r.t === 'ModelStartRecord' && r.model_name === 'item')).filter((r) => r.t === 'MetaRecord');
    expect(itemMetas.map((r) => decodeId(r))).toEqual(['item:b']);

    const out = new PassThrough();
    let written = 0;
    out.on('data', (c: Buffer) => (written += c.length));
    const error = await rejection(dumpArchive(spec.resourceManagers, out, { item: null, ghost: null }));
    expect(error).toBeInstanceOf(ModelNotFoundError);
    expect((error as ModelNotFoundError).model_name).toBe('ghost');
    expect(written).toBe(0);
  });
});

describe('round trip (invariants 107, 111)', () => {
  it('dump → load into an empty registry reproduces metas (is_deleted too), revision infos, data and blobs', async () => {
    const source = registry();
    const { png, txt } = await populate(source.item, source.doc);
    const bytes = await dumpBytes(source.spec);
    const target = registry();
    const stats = await loadArchive(target.spec.resourceManagers, Readable.from([bytes]));
    expect(stats).toEqual({ item: { loaded: 3, skipped: 0, total: 3 }, doc: { loaded: 2, skipped: 0, total: 2 } });
    await expectSameContent(source.item, target.item);
    await expectSameContent(source.doc, target.doc);
    expect((await target.item.getMeta('item:gone', { includeDeleted: true })).is_deleted).toBe(true);
    expect((await target.item.get('item:a')).data).toEqual({ name: 'a', value: 3, tags: ['x'] });
    expect((await target.item.getRevisionInfo('item:b')).status).toBe('draft');
    // Loaded metas keep their indexed data: search works on them without a rewrite.
    expect((await target.item.searchResources(QB.field('value').eq(3))).map((m) => m.resource_id)).toEqual(['item:a']);
    for (const id of [png, txt]) {
      const [from, to] = [await source.doc.getBlob(id), await target.doc.getBlob(id)];
      expect(Buffer.from(to.data!)).toEqual(Buffer.from(from.data!));
      expect(to.content_type).toEqual(from.content_type);
    }
    // A second dump of the loaded registry is byte-identical (stable keys, verbatim bytes).
    expect((await dumpBytes(target.spec)).equals(bytes)).toBe(true);
  });

  it('blobs are put under their archived file_id, including custom keys', async () => {
    const source = registry();
    await source.doc.blobStore!.put(Buffer.from('custom'), { key: 'avatar-7', contentType: 'text/plain' });
    await source.doc.create({ title: 'c', file: { file_id: 'avatar-7' } }, { resourceId: 'doc:c', user: 'u', now: T0 });
    const target = registry();
    await loadArchive(target.spec.resourceManagers, Readable.from([await dumpBytes(source.spec)]));
    const blob = await target.doc.getBlob('avatar-7');
    expect(Buffer.from(blob.data!).toString()).toBe('custom');
    expect(blob.content_type).toBe('text/plain');
  });

  it('a msgpack model round-trips too', async () => {
    const make = () => {
      const spec = new SpecStar({ encoding: 'msgpack' });
      return { spec, rm: spec.addModel<Item>({ ...ItemSchema }, { name: 'item' }) };
    };
    const source = make();
    await source.rm.create({ name: 'm', value: 1 }, { resourceId: 'item:m', user: 'u', now: T0 });
    await source.rm.update('item:m', { name: 'm', value: 2 }, { user: 'u', now: T1 });
    const target = make();
    await loadArchive(target.spec.resourceManagers, Readable.from([await dumpBytes(source.spec)]));
    await expectSameContent(source.rm, target.rm);
    expect((await target.rm.get('item:m')).data).toEqual({ name: 'm', value: 2 });
  });

  it('an encoding mismatch fails loudly before anything of the section is written', async () => {
    const source = registry();
    await source.item.create({ name: 'j' }, { resourceId: 'item:j', user: 'u', now: T0 });
    const target = new SpecStar({ encoding: 'msgpack' });
    const rm = target.addModel({ ...ItemSchema }, { name: 'item' });
    const error = await rejection(loadArchive(target.resourceManagers, Readable.from([await dumpBytes(source.spec, { item: null })])));
    expect(error).toBeInstanceOf(ArchiveFormatError);
    expect((error as ArchiveFormatError).message).toMatch(/'item:j:1' of model 'item' is not in the model's msgpack encoding/);
    expect(typeof (error as ArchiveFormatError).position).toBe('number');
    expect(await rm.exists('item:j')).toBe(false);
    expect(await rm.storage.listRevisions('item:j')).toEqual([]);
  });
});

describe('OnDuplicate', () => {
  async function setup() {
    const source = registry();
    await source.item.create({ name: 'archived' }, { resourceId: 'item:dup', user: 'arch', now: T0 });
    await source.item.update('item:dup', { name: 'archived', value: 9 }, { user: 'arch', now: T1 });
    await source.item.create({ name: 'fresh' }, { resourceId: 'item:new', user: 'arch', now: T0 });
    const target = registry();
    await target.item.create({ name: 'local' }, { resourceId: 'item:dup', user: 'me', now: T2 });
    return { bytes: await dumpBytes(source.spec, { item: null }), target, source };
  }

  it('overwrite (registry default) replaces the meta and writes the archived revisions', async () => {
    const { bytes, target } = await setup();
    expect(await loadArchive(target.spec.resourceManagers, Readable.from([bytes]))).toEqual({ item: { loaded: 2, skipped: 0, total: 2 } });
    const meta = await target.item.getMeta('item:dup');
    expect(meta).toMatchObject({ current_revision_id: 'item:dup:2', created_by: 'arch', total_revision_count: 2 });
    expect((await target.item.get('item:dup')).data).toEqual({ name: 'archived', value: 9 });
  });

  it('skip leaves existing resources untouched, counts them, writes none of their revisions', async () => {
    const { bytes, target } = await setup();
    const before = await revisionsOf(target.item, 'item:dup');
    const metaBefore = await target.item.storage.getMeta('item:dup');
    expect(await loadArchive(target.spec.resourceManagers, Readable.from([bytes]), { onDuplicate: 'skip' })).toEqual({ item: { loaded: 1, skipped: 1, total: 2 } });
    expect(await target.item.storage.getMeta('item:dup')).toEqual(metaBefore);
    expect(await revisionsOf(target.item, 'item:dup')).toEqual(before);
    expect(await target.item.storage.listRevisions('item:dup')).toEqual(['item:dup:1']);
    expect((await target.item.get('item:new')).data).toEqual({ name: 'fresh', value: 0 });
  });

  it('raise_error throws DuplicateResourceError and writes nothing of the section; earlier sections stay', async () => {
    const { bytes, target, source } = await setup();
    // Two sections: doc (loads), then item (duplicate).
    await source.doc.create({ title: 'first' }, { resourceId: 'doc:first', user: 'u', now: T0 });
    const both = await dumpBytes(source.spec, { doc: null, item: null });
    const error = await rejection(loadArchive(target.spec.resourceManagers, Readable.from([both]), { onDuplicate: 'raise_error' }));
    expect(error).toBeInstanceOf(DuplicateResourceError);
    expect((error as DuplicateResourceError).resource_id).toBe('item:dup');
    expect(await target.doc.exists('doc:first')).toBe(true);
    expect(await target.item.exists('item:new')).toBe(false);
    expect(await target.item.storage.listRevisions('item:new')).toEqual([]);
    expect(await target.item.storage.listRevisions('item:dup')).toEqual(['item:dup:1']);
    expect(bytes.length).toBeGreaterThan(0);
  });

  it('the same model in several sections accumulates its stats', async () => {
    const { target } = await setup();
    const a = registry();
    await a.item.create({ name: 'one' }, { resourceId: 'item:one', user: 'u', now: T0 });
    await a.item.create({ name: 'dup' }, { resourceId: 'item:dup', user: 'u', now: T0 });
    const b = registry();
    await b.item.create({ name: 'two' }, { resourceId: 'item:two', user: 'u', now: T0 });
    const first = await dumpBytes(a.spec, { item: null });
    const second = await dumpBytes(b.spec, { item: null });
    // Header + section of the first, section + Eof of the second.
    const eofLength = 4 + 1 + 2 + 10;
    const headerLength = 4 + 0x19;
    const joined = Buffer.concat([first.subarray(0, first.length - eofLength), second.subarray(headerLength)]);
    expect(await loadArchive(target.spec.resourceManagers, Readable.from([joined]), { onDuplicate: 'skip' })).toEqual({ item: { loaded: 2, skipped: 1, total: 3 } });
    expect(await target.item.exists('item:two')).toBe(true);
  });

  it('models: only the named sections load; others are read and skipped, even unknown ones', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    const ghost = new SpecStar();
    ghost.addModel({ ...ItemSchema }, { name: 'ghost' });
    await ghost.getResourceManager('ghost').create({ name: 'g' }, { user: 'u', now: T0 });
    const bytes = Buffer.concat([
      (await dumpBytes(ghost)).subarray(0, -17), // header + ghost section (Eof dropped)
      (await dumpBytes(source.spec)).subarray(4 + 0x19), // item and doc sections + Eof
    ]);
    const target = registry();
    expect(await loadArchive(target.spec.resourceManagers, Readable.from([bytes]), { models: ['doc'] })).toEqual({ doc: { loaded: 2, skipped: 0, total: 2 } });
    expect(await target.item.count({})).toBe(0);
    expect(await target.doc.exists('doc:1')).toBe(true);
    // Without the filter the unknown section is an error.
    await expect(loadArchive(target.spec.resourceManagers, Readable.from([bytes]))).rejects.toBeInstanceOf(ArchiveFormatError);
  });
});

describe('manager-level load', () => {
  async function recordsFrom(rm: ResourceManager) {
    const records = await all(dumpModel(rm));
    return {
      metas: records.filter((r): r is MetaRecord => r.t === 'MetaRecord'),
      revisions: records.filter((r): r is RevisionRecord => r.t === 'RevisionRecord'),
      blobs: records.filter((r): r is BlobRecord => r.t === 'BlobRecord'),
    };
  }

  it('loadRecordsBulk takes records or their data bytes; raise_error is its default', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    const { metas, revisions, blobs } = await recordsFrom(source.doc);
    const target = registry();
    const stats = await loadRecordsBulk(target.doc, metas.map((m) => m.data), revisions, blobs);
    expect(stats).toEqual({ loaded: 2, skipped: 0, total: 2 });
    await expectSameContent(source.doc, target.doc);
    await expect(loadRecordsBulk(target.doc, metas, revisions, blobs)).rejects.toBeInstanceOf(DuplicateResourceError);
    expect(await loadRecordsBulk(target.doc, metas, revisions, blobs, 'skip')).toEqual({ loaded: 0, skipped: 2, total: 2 });
    const error = await rejection(loadRecordsBulk(target.doc, [{ t: 'RevisionRecord', data: new Uint8Array() } as never], []));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues[0]?.path).toBe('/metas/0');
  });

  it('loadRecord applies one record; false only for a skipped meta; Load events carry the record type', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    const { metas, revisions, blobs } = await recordsFrom(source.doc);
    const handler = new RecordingHandler();
    const target = registry({ eventHandlers: [handler] });
    for (const record of [...revisions, ...blobs, ...metas]) expect(await loadRecord(target.doc, record)).toBe(true);
    await expectSameContent(source.doc, target.doc);
    expect(await loadRecord(target.doc, metas[0]!, 'skip')).toBe(false);
    expect(await loadRecord(target.doc, metas[0]!, 'overwrite')).toBe(true);
    await expect(loadRecord(target.doc, metas[0]!)).rejects.toBeInstanceOf(DuplicateResourceError);
    const loads = handler.seen.filter((c) => c.action_name === 'load');
    expect(loads.filter((c) => c.phase === 'before').map((c) => c.record_type)).toEqual([
      ...revisions.map(() => 'RevisionRecord'),
      ...blobs.map(() => 'BlobRecord'),
      ...metas.map(() => 'MetaRecord'),
      'MetaRecord',
      'MetaRecord',
      'MetaRecord',
    ]);
    expect(loads.at(-2)!.context_type).toBe('OnFailureLoad');
    await expect(loadRecord(target.doc, { t: 'EofRecord' })).rejects.toBeInstanceOf(ValidationError);
  });
});

describe('events', () => {
  it('dump: BeforeDump before the first record, OnSuccessDump and AfterDump at exhaustion', async () => {
    const seen: string[] = [];
    const spec = new SpecStar({ eventHandlers: [new RecordingHandler((c) => {
      if (c.action_name === 'dump') seen.push(c.context_type);
    })] });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    await rm.create({ name: 'a' }, { user: 'u', now: T0 });
    const stream = dumpModel(rm);
    expect(seen).toEqual([]);
    const first = await stream.next();
    expect(first.value).toMatchObject({ t: 'MetaRecord' });
    expect(seen).toEqual(['BeforeDump']);
    await stream.next();
    expect(seen).toEqual(['BeforeDump']);
    expect((await stream.next()).done).toBe(true);
    expect(seen).toEqual(['BeforeDump', 'OnSuccessDump', 'AfterDump']);
  });

  it('dump: OnFailureDump and AfterDump when iteration throws, and when the consumer stops early', async () => {
    const contexts: EventContext[] = [];
    const spec = new SpecStar({ eventHandlers: [new RecordingHandler((c) => {
      if (c.action_name === 'dump') contexts.push(c);
    })] });
    const rm = spec.addModel({ ...ItemSchema }, { name: 'item' });
    await rm.create({ name: 'a' }, { user: 'u', now: T0 });
    await rm.create({ name: 'b' }, { user: 'u', now: T0 });
    const original = rm.storage.iterRevisions.bind(rm.storage);
    let calls = 0;
    rm.storage.iterRevisions = (id: string) => {
      if (++calls === 2) throw new Error('disk on fire');
      return original(id);
    };
    await expect(all(dumpModel(rm))).rejects.toThrow('disk on fire');
    expect(contexts.map((c) => c.context_type)).toEqual(['BeforeDump', 'OnFailureDump', 'AfterDump']);
    expect(contexts[1]!.error).toBe('disk on fire');

    contexts.length = 0;
    rm.storage.iterRevisions = original;
    for await (const _ of dumpModel(rm)) break;
    expect(contexts.map((c) => c.context_type)).toEqual(['BeforeDump', 'OnFailureDump', 'AfterDump']);
  });

  it('load: one Before/OnSuccess/After Load set per section with record_type bulk', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    const handler = new RecordingHandler();
    const target = registry({ eventHandlers: [handler] });
    await loadArchive(target.spec.resourceManagers, Readable.from([await dumpBytes(source.spec)]));
    const loads = handler.seen.filter((c) => c.action_name === 'load');
    expect(loads.map((c) => [c.resource_name, c.context_type, c.record_type])).toEqual([
      ['item', 'BeforeLoad', 'bulk'],
      ['item', 'OnSuccessLoad', 'bulk'],
      ['item', 'AfterLoad', 'bulk'],
      ['doc', 'BeforeLoad', 'bulk'],
      ['doc', 'OnSuccessLoad', 'bulk'],
      ['doc', 'AfterLoad', 'bulk'],
    ]);
    // Loads fire no create/update events.
    expect(handler.seen.filter((c) => c.action_name === 'create' || c.action_name === 'update')).toEqual([]);
  });
});

describe('streaming', () => {
  // A private spill directory, so spool files of other suites running in parallel cannot interfere.
  let spill = '';
  beforeAll(() => {
    spill = mkdtempSync(join(tmpdir(), 'archive-test-'));
  });
  afterAll(() => rmSync(spill, { recursive: true, force: true }));
  const spoolDirs = () => readdirSync(spill).filter((n) => n.startsWith('specstar-load-'));

  it('dump honours backpressure: a slow destination never holds more than about one write', async () => {
    const { spec, item } = registry();
    for (let i = 0; i < 3000; i++) await item.create({ name: `item number ${i}`, value: i, tags: ['some', 'padding', 'here'] }, { user: 'u', now: T0 });
    let maxQueued = 0;
    const chunks: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, done) {
        chunks.push(chunk);
        maxQueued = Math.max(maxQueued, this.writableLength);
        setImmediate(done);
      },
    });
    await dumpArchive(spec.resourceManagers, slow);
    const total = Buffer.concat(chunks);
    expect(total.length).toBeGreaterThan(20 * 64 * 1024);
    expect(total.equals(await dumpBytes(spec))).toBe(true);
    // Without waiting for 'drain' every coalesced write would pile up in the stream's buffer.
    expect(maxQueued).toBeLessThan(2 * 70 * 1024);
  });

  it('dump into a destination that is destroyed midway rejects instead of hanging', async () => {
    const { spec, item } = registry();
    for (let i = 0; i < 2000; i++) await item.create({ name: `n${i}`, tags: ['x'.repeat(50)] }, { user: 'u', now: T0 });
    let writes = 0;
    const dest: Writable = new Writable({
      highWaterMark: 1,
      write(_chunk, _enc, done) {
        if (++writes === 2) {
          dest.destroy();
          return;
        }
        setImmediate(done);
      },
    });
    dest.on('error', () => undefined);
    const error = await rejection(dumpArchive(spec.resourceManagers, dest));
    expect(error).toBeInstanceOf(Error);
  });

  it('a section larger than the memory bound spills to a temporary file, loads the same, and the file is removed', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    for (let i = 0; i < 300; i++) await source.item.create({ name: `bulk ${i}`, value: i }, { resourceId: `item:bulk-${i}`, user: 'u', now: T0 });
    const bytes = await dumpBytes(source.spec);
    const before = spoolDirs();
    const target = registry();
    let spoolsWhileReading = -1;
    const chunked = Readable.from((function* () {
      for (let i = 0; i < bytes.length; i += 777) {
        // Halfway through, the item section (about 9/10 of the archive) has spilled.
        if (i >= bytes.length / 2 && spoolsWhileReading < 0) spoolsWhileReading = spoolDirs().length - before.length;
        yield bytes.subarray(i, i + 777);
      }
    })());
    const stats = await loadArchive(target.spec.resourceManagers, chunked, { sectionMemoryBytes: 1024, spillDirectory: spill });
    expect(spoolsWhileReading).toBe(1);
    expect(stats.item).toEqual({ loaded: 303, skipped: 0, total: 303 });
    await expectSameContent(source.item, target.item);
    await expectSameContent(source.doc, target.doc);
    expect(spoolDirs()).toEqual(before);
  });

  it('a spilled section that fails (truncated, duplicate) writes nothing and leaves no temporary file', async () => {
    const source = registry();
    for (let i = 0; i < 200; i++) await source.item.create({ name: `n${i}` }, { resourceId: `item:${i}`, user: 'u', now: T0 });
    const bytes = await dumpBytes(source.spec, { item: null });
    const before = spoolDirs();
    const target = registry();
    const truncated = bytes.subarray(0, bytes.length - 17 - 38); // drop Eof and ModelEnd('item')
    const truncation = await rejection(loadArchive(target.spec.resourceManagers, Readable.from([truncated]), { sectionMemoryBytes: 512, spillDirectory: spill }));
    expect(truncation).toBeInstanceOf(ArchiveFormatError);
    expect((truncation as ArchiveFormatError).message).toMatch(/no ModelEndRecord/);
    expect(await target.item.count({})).toBe(0);
    expect(spoolDirs()).toEqual(before);

    await target.item.create({ name: 'mine' }, { resourceId: 'item:150', user: 'me', now: T0 });
    const error = await rejection(loadArchive(target.spec.resourceManagers, Readable.from([bytes]), { sectionMemoryBytes: 512, spillDirectory: spill, onDuplicate: 'raise_error' }));
    expect(error).toBeInstanceOf(DuplicateResourceError);
    expect(await target.item.count({})).toBe(1);
    expect(spoolDirs()).toEqual(before);
  });

  it('10k resources with revisions and blobs round-trip through a stream', async () => {
    const source = registry();
    const blobIds: string[] = [];
    for (let b = 0; b < 50; b++) blobIds.push((await source.doc.blobStore!.put(Buffer.from(`blob payload ${b} `.repeat(20)), { contentType: 'text/plain' })).file_id!);
    for (let i = 0; i < 10_000; i++) {
      const id = `doc:${i}`;
      await source.doc.create({ title: `t${i}`, n: i, file: { file_id: blobIds[i % 50]!, size: 10 } }, { resourceId: id, user: 'u', now: T0 });
      if (i % 2 === 0) await source.doc.update(id, { title: `t${i} v2`, n: i }, { user: 'v', now: T1 });
      if (i % 97 === 0) await source.doc.delete(id, { user: 'v', now: T2 });
    }
    const pipe = new PassThrough();
    const target = registry();
    const [, stats] = await Promise.all([
      dumpArchive(source.spec.resourceManagers, pipe, { doc: null }).then(() => pipe.end()),
      loadArchive(target.spec.resourceManagers, pipe, { sectionMemoryBytes: 256 * 1024, spillDirectory: spill }),
    ]);
    expect(stats).toEqual({ doc: { loaded: 10_000, skipped: 0, total: 10_000 } });
    await expectSameContent(source.doc, target.doc);
    for (const id of blobIds) expect(Buffer.from((await target.doc.getBlob(id)).data!)).toEqual(Buffer.from((await source.doc.getBlob(id)).data!));
  });
});

describe('registry wiring', () => {
  it('spec.dump / spec.load round-trip with overwrite as the default', async () => {
    const source = registry();
    await populate(source.item, source.doc);
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await source.spec.dump(out);
    const target = registry();
    await target.item.create({ name: 'local' }, { resourceId: 'item:a', user: 'me', now: T0 });
    expect(await target.spec.load(Readable.from([Buffer.concat(chunks)]))).toEqual({
      item: { loaded: 3, skipped: 0, total: 3 },
      doc: { loaded: 2, skipped: 0, total: 2 },
    });
    await expectSameContent(source.item, target.item);
  });
});

describe('dump destination errors', () => {
  it('are SpecStarErrors when the stream is already closed', async () => {
    const { spec } = registry();
    const out = new PassThrough();
    out.destroy();
    await expect(dumpArchive(spec.resourceManagers, out)).rejects.toBeInstanceOf(SpecStarError);
  });
});

// ---- helpers reading ids out of records ----------------------------------------------------

function decodeId(record: MetaRecord): string {
  return decodeMetaPayload(record.data, 'test').resource_id;
}

function decodeRevisionId(record: RevisionRecord): string {
  return decodeRevisionPayload(record.data, 'test').info.revision_id;
}
