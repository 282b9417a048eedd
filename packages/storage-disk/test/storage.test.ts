import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SpecStar, binary } from '@specstar/core';
import { ConfigurationError, ResourceConflictError, RevisionMismatchError } from '@specstar/interfaces';
import type { ResourceMeta, ResourceMetaSearchQuery, RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { DiskStorage, DiskStorageFactory, REVISIONS_TABLE, StoredDataError, type DiskStorageOptions } from '../src';
import { bytes, listFiles, removeTempDirs, tempDir, text } from './helpers';

const T = (n: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, n));

function info(resourceId: string, n: number, overrides: Partial<RevisionInfo> = {}): RevisionInfo {
  return {
    uid: `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`,
    resource_id: resourceId,
    revision_id: `${resourceId}:${n}`,
    parent_revision_id: n > 1 ? `${resourceId}:${n - 1}` : null,
    schema_version: null,
    status: 'stable',
    created_time: T(n),
    updated_time: T(n),
    created_by: 'alice',
    updated_by: 'alice',
    ...overrides,
  };
}

function meta(resourceId: string, n: number, overrides: Partial<ResourceMeta> = {}): ResourceMeta {
  return {
    current_revision_id: `${resourceId}:${n}`,
    resource_id: resourceId,
    schema_version: null,
    total_revision_count: n,
    created_time: T(1),
    updated_time: T(n),
    created_by: 'alice',
    updated_by: 'alice',
    is_deleted: false,
    indexed_data: { n },
    ...overrides,
  };
}

function revision(resourceId: string, n: number, body: string, overrides: Partial<RevisionInfo> = {}): StoredRevision {
  return { info: info(resourceId, n, overrides), data: bytes(body) };
}

const NOTE_SCHEMA = {
  title: 'Note',
  type: 'object',
  properties: { title: { type: 'string' }, stars: { type: 'integer' }, attachment: binary() },
  required: ['title'],
} as const;

const opened: Array<{ close(): Promise<void> }> = [];
/** Payloads in files (inlineBytes 0): most tests here are about the files; inline rows have their own block. */
function storage(rootdir: string, model = 'item', options: DiskStorageOptions = { inlineBytes: 0 }): DiskStorage {
  const s = new DiskStorage(rootdir, model, options);
  opened.push(s);
  return s;
}
function payloads(rootdir: string, model = 'item'): string[] {
  return listFiles(path.join(rootdir, model, 'data'));
}

afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  removeTempDirs();
});

describe('DiskStorage persistence', () => {
  it('an engine on a new factory reads what an earlier one wrote: create, restart, read', async () => {
    const root = tempDir();
    const first = new SpecStar({ storageFactory: new DiskStorageFactory(root), defaultUser: 'alice' });
    const notes = first.addModel(NOTE_SCHEMA, { indexedFields: ['stars'] });
    const created = await notes.create({ title: 'hello', stars: 3 });
    await notes.update(created.resource_id, { title: 'hello again', stars: 5 });
    await first.close();

    const second = new SpecStar({ storageFactory: new DiskStorageFactory(root), defaultUser: 'alice' });
    const again = second.addModel(NOTE_SCHEMA, { indexedFields: ['stars'] });
    try {
      expect((await again.get(created.resource_id)).data).toEqual({ title: 'hello again', stars: 5 });
      expect((await again.get(created.resource_id, { revisionId: created.revision_id })).data).toEqual({ title: 'hello', stars: 3 });
      expect((await again.getMeta(created.resource_id)).total_revision_count).toBe(2);
      expect((await again.searchResources({ conditions: [{ type: 'DataSearchCondition', field_path: 'stars', operator: 'gte', value: 4, transform: null }] })).map((m) => m.resource_id)).toEqual([created.resource_id]);
    } finally {
      await second.close();
    }
  });

  it('a blob uploaded before a restart downloads after it', async () => {
    const root = tempDir();
    const first = new SpecStar({ storageFactory: new DiskStorageFactory(root), defaultUser: 'alice' });
    first.addModel(NOTE_SCHEMA);
    const uploaded = await first.getBlobStore().put(bytes('file body'), { contentType: 'text/plain' });
    const stored = { attachment: { file_id: uploaded.file_id! } };
    await first.close();

    const second = new SpecStar({ storageFactory: new DiskStorageFactory(root), defaultUser: 'alice' });
    const again = second.addModel(NOTE_SCHEMA);
    try {
      const blob = await again.getBlob(stored.attachment.file_id);
      expect({ ...blob, data: text(blob.data) }).toEqual({ file_id: stored.attachment.file_id, size: 9, content_type: 'text/plain', data: 'file body' });
      expect(fs.existsSync(path.join(root, '_blobs', stored.attachment.file_id))).toBe(true);
    } finally {
      await second.close();
    }
  });

  it('lays out <rootdir>/<model>/meta.sqlite3, <rootdir>/<model>/data/ and <rootdir>/_blobs/', async () => {
    const root = tempDir();
    const factory = new DiskStorageFactory(root, { inlineBytes: 0 });
    const s = factory.build('item');
    await s.commit({ revision: revision('a', 1, 'x'), meta: meta('a', 1), expect: { absent: true } });
    await factory.buildBlobStore().put(bytes('blob'), { key: 'k' });
    await factory.close();
    const files = listFiles(root).filter((f) => !/-(wal|shm)$/.test(f));
    expect(files).toEqual([path.join('_blobs', 'k'), path.join('item', 'data', payloads(root)[0]!), path.join('item', 'meta.sqlite3')].sort());
  });

  it('two storages of one model share the same data', async () => {
    const root = tempDir();
    const a = storage(root);
    const b = storage(root);
    await a.commit({ revision: revision('x', 1, 'one'), meta: meta('x', 1), expect: { absent: true } });
    expect(await b.getMeta('x')).toEqual(meta('x', 1));
    expect(text((await b.getRevision('x', 'x:1', null))?.data)).toBe('one');
  });

  it("a meta read again after another connection's update, purge or bulk save is the new one", async () => {
    const root = tempDir();
    const [a, b] = [storage(root), storage(root)];
    await a.commit({ revision: revision('x', 1, 'one'), meta: meta('x', 1), expect: { absent: true } });
    expect(await b.getMeta('x')).toEqual(meta('x', 1)); // now cached on b
    await a.commit({ revision: revision('x', 2, 'two'), meta: meta('x', 2), expect: { current_revision_id: 'x:1' } });
    expect(await b.getMeta('x')).toEqual(meta('x', 2));
    await a.saveMetas([meta('x', 3, { is_deleted: true })]);
    expect(await b.getMeta('x')).toEqual(meta('x', 3, { is_deleted: true }));
    await a.purgeResource('x');
    expect(await b.getMeta('x')).toBeUndefined();
  });

  it('a meta handed out is a copy: changing it changes nothing stored or cached', async () => {
    const s = storage(tempDir());
    await s.commit({ revision: revision('x', 1, 'one'), meta: meta('x', 1, { indexed_data: { tags: ['a'] } }) });
    const first = (await s.getMeta('x'))!;
    first.current_revision_id = 'changed';
    (first.indexed_data!['tags'] as string[]).push('b');
    expect(await s.getMeta('x')).toEqual(meta('x', 1, { indexed_data: { tags: ['a'] } }));
  });
});

describe('DiskStorage commits', () => {
  it('a refused create writes no row and leaves no payload file', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.commit({ revision: revision('a', 1, 'first'), meta: meta('a', 1), expect: { absent: true } });
    await expect(
      s.commit({ revision: revision('a', 1, 'intruder', { uid: 'ffffffff-0000-4000-8000-000000000000' }), meta: meta('a', 1, { created_by: 'bob' }), expect: { absent: true } }),
    ).rejects.toBeInstanceOf(ResourceConflictError);
    expect(payloads(root)).toHaveLength(1);
    expect(text((await s.getRevision('a', 'a:1', null))?.data)).toBe('first');
  });

  it('concurrent commits are acknowledged together, and close() waits for the ones still queued', async () => {
    const root = tempDir();
    const s = storage(root);
    const ids = Array.from({ length: 24 }, (_, i) => `r${i}`);
    const commits = ids.map((id) => s.commit({ revision: revision(id, 1, `body ${id}`), meta: meta(id, 1), expect: { absent: true } }));
    await s.close();
    await Promise.all(commits);
    const reopened = storage(root);
    for (const id of ids) {
      expect(await reopened.getMeta(id)).toEqual(meta(id, 1));
      expect(text((await reopened.getRevision(id, `${id}:1`, null))?.data)).toBe(`body ${id}`);
    }
    expect(payloads(root)).toHaveLength(ids.length);
  });

  it('a commit refused inside a batch removes its payload file and leaves its batch mates in place', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.commit({ revision: revision('a', 1, 'first'), meta: meta('a', 1), expect: { absent: true } });
    // Both a:2 writers pass the early check (a:1 is current); the one whose payload lands second loses inside the batch.
    const results = await Promise.allSettled([
      s.commit({ revision: revision('b', 1, 'b'), meta: meta('b', 1), expect: { absent: true } }),
      s.commit({ revision: revision('a', 2, 'alice'), meta: meta('a', 2), expect: { current_revision_id: 'a:1' } }),
      s.commit({ revision: revision('a', 2, 'bob', { uid: 'ffffffff-0000-4000-8000-000000000000' }), meta: meta('a', 2, { updated_by: 'bob' }), expect: { current_revision_id: 'a:1' } }),
      s.commit({ revision: revision('c', 1, 'c'), meta: meta('c', 1), expect: { absent: true } }),
    ]);
    const [b, alice, bob, c] = results.map((r) => r.status);
    expect({ b, c, a2: [alice, bob].sort((x, y) => x!.localeCompare(y!)) }).toEqual({ b: 'fulfilled', c: 'fulfilled', a2: ['fulfilled', 'rejected'] });
    const loser = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
    expect(loser.reason).toBeInstanceOf(RevisionMismatchError);
    expect(text((await s.getRevision('a', 'a:2', null))?.data)).toBe(alice === 'fulfilled' ? 'alice' : 'bob');
    // a:1, a:2, b:1 and c:1; the loser's file is gone.
    expect(payloads(root)).toHaveLength(4);
  });

  it('of two racing compare-and-set commits on two connections, the loser leaves no file behind', async () => {
    const root = tempDir();
    const a = storage(root);
    const b = storage(root);
    await a.commit({ revision: revision('r', 1, 'one'), meta: meta('r', 1), expect: { absent: true } });
    // Both pass the early check before either transaction runs; the transaction decides.
    const results = await Promise.allSettled([
      a.commit({ revision: revision('r', 2, 'by a'), meta: meta('r', 2, { updated_by: 'a' }), expect: { current_revision_id: 'r:1' } }),
      b.commit({ revision: revision('r', 2, 'by b', { uid: 'bbbbbbbb-0000-4000-8000-000000000000' }), meta: meta('r', 2, { updated_by: 'b' }), expect: { current_revision_id: 'r:1' } }),
    ]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(RevisionMismatchError);
    const winner = results[0].status === 'fulfilled' ? 'a' : 'b';
    expect((await a.getMeta('r'))?.updated_by).toBe(winner);
    expect(text((await a.getRevision('r', 'r:2', null))?.data)).toBe(`by ${winner}`);
    expect(payloads(root)).toHaveLength(2);
  });

  it('replacing a revision in place (a draft edit) removes the replaced payload file', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.commit({ revision: revision('a', 1, 'draft 1', { status: 'draft' }), meta: meta('a', 1), expect: { absent: true } });
    await s.commit({
      revision: revision('a', 1, 'draft 2', { status: 'draft', uid: 'cccccccc-0000-4000-8000-000000000000' }),
      meta: meta('a', 1, { updated_time: T(9) }),
      expect: { current_revision_id: 'a:1' },
    });
    expect(payloads(root)).toHaveLength(1);
    expect(text((await s.getRevision('a', 'a:1', null))?.data)).toBe('draft 2');
    expect(await s.listRevisions('a')).toEqual(['a:1']);
  });

  it('permanentlyDelete removes the revision files and the meta row', async () => {
    const root = tempDir();
    const spec = new SpecStar({ storageFactory: new DiskStorageFactory(root, { inlineBytes: 0 }), defaultUser: 'alice' });
    const notes = spec.addModel(NOTE_SCHEMA);
    try {
      const keep = await notes.create({ title: 'keep' });
      const gone = await notes.create({ title: 'gone' });
      await notes.update(gone.resource_id, { title: 'gone 2' });
      expect(listFiles(path.join(root, 'note', 'data'))).toHaveLength(3);
      await notes.permanentlyDelete(gone.resource_id);
      expect(listFiles(path.join(root, 'note', 'data'))).toHaveLength(1);
      expect(await notes.exists(gone.resource_id)).toBe(false);
      expect(await notes.storage.listRevisions(gone.resource_id)).toEqual([]);
      expect((await notes.get(keep.resource_id)).data).toEqual({ title: 'keep' });
    } finally {
      await spec.close();
    }
  });

  it('a truncated payload file reads as StoredDataError', async () => {
    const root = tempDir();
    await storage(root).commit({ revision: revision('a', 1, '0123456789'), meta: meta('a', 1) });
    fs.truncateSync(path.join(root, 'item', 'data', payloads(root)[0]!), 3);
    // A fresh storage (as after a restart) has nothing cached and reads the file.
    await expect(storage(root).getRevision('a', 'a:1', null)).rejects.toBeInstanceOf(StoredDataError);
    // With the cache off, even the writing storage reads the file every time.
    const uncached = new DiskStorage(root, 'other', { cacheBytes: 0, inlineBytes: 0 });
    opened.push(uncached);
    await uncached.commit({ revision: revision('b', 1, '0123456789'), meta: meta('b', 1) });
    fs.truncateSync(path.join(root, 'other', 'data', payloads(root, 'other')[0]!), 3);
    await expect(uncached.getRevision('b', 'b:1', null)).rejects.toBeInstanceOf(StoredDataError);
  });

  it('a cached read never returns bytes another connection has replaced', async () => {
    const root = tempDir();
    const a = storage(root);
    const b = storage(root);
    await a.commit({ revision: revision('r', 1, 'draft v1', { status: 'draft' }), meta: meta('r', 1) });
    expect(text((await a.getRevision('r', 'r:1', null))?.data)).toBe('draft v1');
    await b.commit({ revision: revision('r', 1, 'draft v2', { status: 'draft', updated_by: 'bob' }), meta: meta('r', 1) });
    const read = await a.getRevision('r', 'r:1', null);
    expect({ data: text(read?.data), updated_by: read?.info.updated_by }).toEqual({ data: 'draft v2', updated_by: 'bob' });
    expect((await a.getRevisionInfo('r', 'r:1', null))?.updated_by).toBe('bob');
    await b.purgeResource('r');
    expect(await a.getRevision('r', 'r:1', null)).toBeUndefined();
  });

  it('infos handed out are copies: changing one changes nothing stored or cached', async () => {
    const s = storage(tempDir());
    await s.commit({ revision: revision('a', 1, 'x'), meta: meta('a', 1) });
    (await s.getRevision('a', 'a:1', null))!.info.created_by = 'mallory';
    (await s.getRevisionInfo('a', 'a:1', null))!.status = 'draft';
    for await (const r of s.iterRevisions('a')) r.info.updated_by = 'mallory';
    expect((await s.getRevision('a', 'a:1', null))?.info).toEqual(info('a', 1));
  });

  it('bulk writes land in one transaction each and round-trip', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.saveRevisions([revision('a', 1, 'a1'), revision('a', 2, 'a2'), revision('b', 1, 'b1')]);
    await s.saveMetas([meta('a', 2), meta('b', 1)]);
    const revisions: string[] = [];
    for await (const r of s.iterRevisions('a')) revisions.push(`${r.info.revision_id}=${text(r.data)}`);
    expect(revisions).toEqual(['a:1=a1', 'a:2=a2']);
    const metas: string[] = [];
    for await (const m of s.iterMetas()) metas.push(m.resource_id);
    expect(metas.sort()).toEqual(['a', 'b']);
  });
});

describe('DiskStorage inline payloads', () => {
  it('a payload up to inlineBytes lives in its row (no file), a bigger one in a file; both read back after a reopen', async () => {
    const root = tempDir();
    const writer = storage(root, 'item', { inlineBytes: 16 });
    await writer.commit({ revision: revision('a', 1, 'x'.repeat(16)), meta: meta('a', 1), expect: { absent: true } });
    expect(payloads(root)).toEqual([]);
    await writer.commit({ revision: revision('b', 1, 'y'.repeat(17)), meta: meta('b', 1), expect: { absent: true } });
    expect(payloads(root)).toHaveLength(1);
    await writer.close();
    // A fresh storage, as after a restart: nothing cached, both read from disk.
    const reader = storage(root, 'item', { cacheBytes: 0 });
    expect(text((await reader.getRevision('a', 'a:1', null))?.data)).toBe('x'.repeat(16));
    expect(text((await reader.getRevision('b', 'b:1', null))?.data)).toBe('y'.repeat(17));
    expect((await reader.getRevisionInfo('a', 'a:1', null))?.resource_id).toBe('a');
  });

  it('the default keeps an engine-sized record inline: a create, an update and a delete write no file', async () => {
    const root = tempDir();
    const spec = new SpecStar({ storageFactory: new DiskStorageFactory(root), defaultUser: 'alice' });
    const notes = spec.addModel(NOTE_SCHEMA);
    try {
      const note = await notes.create({ title: 'inline', stars: 3 });
      await notes.update(note.resource_id, { title: 'inline 2', stars: 4 });
      await notes.permanentlyDelete(note.resource_id);
      expect(listFiles(path.join(root, 'note', 'data'))).toEqual([]);
      expect(await notes.exists(note.resource_id)).toBe(false);
    } finally {
      await spec.close();
    }
  });

  it('replacing an inline record by a file record and back keeps exactly the file the current row names', async () => {
    const root = tempDir();
    const s = storage(root, 'item', { inlineBytes: 8 });
    await s.saveRevision(revision('a', 1, 'small').info, bytes('small'));
    await s.saveRevision(revision('a', 1, 'x').info, bytes('a payload over eight bytes'));
    expect(payloads(root)).toHaveLength(1);
    await s.saveRevision(revision('a', 1, 'x').info, bytes('tiny'));
    expect(payloads(root)).toEqual([]);
    expect(text((await storage(root).getRevision('a', 'a:1', null))?.data)).toBe('tiny');
  });

  it('an inline row whose bytes do not match its recorded size reads as StoredDataError', async () => {
    const root = tempDir();
    await storage(root, 'item', { inlineBytes: 64 }).commit({ revision: revision('a', 1, '0123456789'), meta: meta('a', 1) });
    const db = new Database(path.join(root, 'item', 'meta.sqlite3'));
    db.prepare(`UPDATE ${REVISIONS_TABLE} SET payload = ? WHERE resource_id = 'a'`).run(Buffer.from('012'));
    db.close();
    await expect(storage(root, 'item', { cacheBytes: 0 }).getRevision('a', 'a:1', null)).rejects.toBeInstanceOf(StoredDataError);
  });

  it('a store written before inline payloads existed opens, reads its files and takes inline writes', async () => {
    const root = tempDir();
    const old = storage(root, 'item', { inlineBytes: 0 });
    await old.commit({ revision: revision('a', 1, 'from a file'), meta: meta('a', 1), expect: { absent: true } });
    await old.close();
    // The revision table as versions before inline payloads created it: no payload column.
    const db = new Database(path.join(root, 'item', 'meta.sqlite3'));
    db.exec(`ALTER TABLE ${REVISIONS_TABLE} DROP COLUMN payload`);
    db.close();
    const upgraded = storage(root, 'item', { cacheBytes: 0, inlineBytes: 1024 });
    expect(text((await upgraded.getRevision('a', 'a:1', null))?.data)).toBe('from a file');
    await upgraded.commit({ revision: revision('b', 1, 'inline now'), meta: meta('b', 1), expect: { absent: true } });
    expect(payloads(root)).toHaveLength(1);
    expect(text((await storage(root, 'item', { cacheBytes: 0 }).getRevision('b', 'b:1', null))?.data)).toBe('inline now');
  });
});

describe('DiskStorage search through the meta cache', () => {
  const query = (group: string): ResourceMetaSearchQuery => ({
    data_conditions: [{ type: 'DataSearchCondition', field_path: 'group', operator: 'eq', value: group, transform: null }],
    sorts: [{ type: 'meta', key: 'resource_id', direction: '+' }],
    limit: 10,
    offset: 0,
  });

  it('a search sees what another connection committed after it had cached the page', async () => {
    const root = tempDir();
    const [a, b] = [storage(root), storage(root)];
    await a.commit({ revision: revision('x', 1, '1'), meta: meta('x', 1, { indexed_data: { group: 'g', note: 'first' } }) });
    expect((await a.search(query('g'))).map((m) => m.indexed_data?.['note'])).toEqual(['first']);
    await b.commit({ revision: revision('x', 2, '2'), meta: meta('x', 2, { indexed_data: { group: 'g', note: 'second' } }) });
    await b.commit({ revision: revision('y', 1, '1'), meta: meta('y', 1, { indexed_data: { group: 'g', note: 'other' } }) });
    const found = await a.search(query('g'));
    expect(found.map((m) => [m.resource_id, m.current_revision_id, m.indexed_data?.['note']])).toEqual([
      ['x', 'x:2', 'second'],
      ['y', 'y:1', 'other'],
    ]);
  });

  it('a search sees its own connection\'s writes, and hands out copies', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.commit({ revision: revision('x', 1, '1'), meta: meta('x', 1, { indexed_data: { group: 'g', note: 'first' } }) });
    const [first] = await s.search(query('g'));
    first!.indexed_data!['note'] = 'changed by the caller';
    expect((await s.search(query('g')))[0]!.indexed_data?.['note']).toBe('first');
    await s.commit({ revision: revision('x', 2, '2'), meta: meta('x', 2, { indexed_data: { group: 'h', note: 'moved' } }) });
    expect(await s.search(query('g'))).toEqual([]);
    expect((await s.search(query('h'))).map((m) => m.current_revision_id)).toEqual(['x:2']);
  });
});

describe('DiskStorage maintenance', () => {
  it('sweepOrphans removes old temporary and unreferenced files only', async () => {
    const root = tempDir();
    const s = storage(root);
    await s.commit({ revision: revision('a', 1, 'kept'), meta: meta('a', 1) });
    const dataDir = path.join(root, 'item', 'data');
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    for (const name of ['~interrupted', 'unreferenced-old']) {
      fs.writeFileSync(path.join(dataDir, name), 'x');
      fs.utimesSync(path.join(dataDir, name), old, old);
    }
    fs.writeFileSync(path.join(dataDir, 'unreferenced-fresh'), 'x');
    expect(await s.sweepOrphans()).toBe(2);
    expect(payloads(root)).toHaveLength(2);
    expect(fs.existsSync(path.join(dataDir, 'unreferenced-fresh'))).toBe(true);
    expect(text((await s.getRevision('a', 'a:1', null))?.data)).toBe('kept');
    // A file written this very millisecond is not yet older than 0 ms: date it back a second.
    const aSecondAgo = new Date(Date.now() - 1000);
    fs.utimesSync(path.join(dataDir, 'unreferenced-fresh'), aSecondAgo, aSecondAgo);
    expect(await s.sweepOrphans({ olderThanMs: 0 })).toBe(1);
  });

  it('checkpoints keep the WAL bounded under a steady stream of commits, and the data stays whole', async () => {
    const root = tempDir();
    const s = storage(root);
    // Each commit alone appends a few pages: 1,200 of them leave about 37 MiB of WAL when nothing checkpoints.
    for (let i = 0; i < 1200; i++) await s.commit({ revision: revision(`r${i}`, 1, `${i}`), meta: meta(`r${i}`, 1), expect: { absent: true } });
    expect(fs.statSync(path.join(root, 'item', 'meta.sqlite3-wal')).size).toBeLessThan(16 * 2 ** 20);
    expect(s.integrityCheck()).toEqual(['ok']);
    await s.close();
    const reopened = storage(root);
    expect(await reopened.count({ limit: 1, offset: 0 })).toBe(1200); // count ignores the page
    expect(text((await reopened.getRevision('r1199', 'r1199:1', null))?.data)).toBe('1199');
  });

  it('integrityCheck reports ok on a sound database', async () => {
    const s = storage(tempDir());
    await s.commit({ revision: revision('a', 1, 'x'), meta: meta('a', 1) });
    expect(s.integrityCheck()).toEqual(['ok']);
  });

  it.each(['../escape', '/abs', '..', 'a/b', 'x\0y', '_blobs'])('model name %j is a ConfigurationError and creates nothing', (model) => {
    const parent = tempDir();
    const root = path.join(parent, 'root');
    const factory = new DiskStorageFactory(root);
    expect(() => factory.build(model)).toThrow(ConfigurationError);
    expect(fs.readdirSync(parent)).toEqual(['root']);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('close is idempotent', async () => {
    const factory = new DiskStorageFactory(tempDir());
    const s = factory.build('item') as DiskStorage;
    await s.close();
    await s.close();
    await factory.close();
    await factory.close();
    expect(s.closed).toBe(true);
  });
});
