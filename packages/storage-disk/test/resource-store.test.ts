import * as fs from 'node:fs';
import * as path from 'node:path';
import { MemoryMetaStore, SimpleStorage } from '@specstar/core/adapter';
import { ValidationError } from '@specstar/interfaces';
import type { IMetaStore, IStorage, IStorageFactory, RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { storageConformanceSuite } from '@specstar/testkit';
import { DiskBlobStore } from '../src/blob-store';
import { StoredDataError } from '../src/files';
import { DiskResourceStore } from '../src/disk-resource-store';
import type { RevisionIndexOptions } from '../src/resource-store';
import { bytes, listFiles, removeTempDirs, tempDir, text } from './helpers';

function info(resourceId: string, n: number, overrides: Partial<RevisionInfo> = {}): RevisionInfo {
  const time = new Date(Date.UTC(2025, 0, n));
  return {
    uid: `0000000${n}-0000-4000-8000-000000000000`,
    resource_id: resourceId,
    revision_id: `${resourceId}:${n}`,
    parent_revision_id: n > 1 ? `${resourceId}:${n - 1}` : null,
    schema_version: null,
    status: 'stable',
    created_time: time,
    updated_time: time,
    created_by: 'alice',
    updated_by: 'alice',
    ...overrides,
  };
}

function plain(stored: StoredRevision | undefined): { info: RevisionInfo; data: string | undefined } | undefined {
  return stored === undefined ? undefined : { info: stored.info, data: text(stored.data) };
}

const open: DiskResourceStore[] = [];
/** Payloads in files (inlineBytes 0): these tests are about the files; inline rows are tested in storage.test.ts. */
function store(rootdir: string, model = 'item', options: RevisionIndexOptions = { inlineBytes: 0 }): DiskResourceStore {
  const opened = new DiskResourceStore(rootdir, model, options);
  open.push(opened);
  return opened;
}

afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
  removeTempDirs();
});

describe('DiskResourceStore', () => {
  it('keeps records across reopening', async () => {
    const root = tempDir();
    const first = store(root);
    await first.save(info('a', 1), bytes('{"v":1}'));
    await first.save(info('a', 2, { schema_version: 'v2' }), bytes('{"v":2}'));
    await first.close();

    const second = store(root);
    expect(plain(await second.get('a', 'a:1', null))).toEqual({ info: info('a', 1), data: '{"v":1}' });
    expect(plain(await second.get('a', 'a:2', 'v2'))).toEqual({ info: info('a', 2, { schema_version: 'v2' }), data: '{"v":2}' });
    expect(await second.get('a', 'a:2', null)).toBeUndefined();
    expect(await second.listRevisions('a')).toEqual(['a:1', 'a:2']);
    const ids: string[] = [];
    for await (const id of second.listResources()) ids.push(id);
    expect(ids).toEqual(['a']);
  });

  it('lays out one SQLite file and one payload file per record under <rootdir>/<model>', async () => {
    const root = tempDir();
    const s = store(root, 'item');
    await s.save(info('a', 1), bytes('x'));
    await s.save(info('a', 2), bytes('y'));
    const files = listFiles(root).filter((f) => !f.includes('-wal') && !f.includes('-shm'));
    expect(files.filter((f) => f.startsWith(`item${path.sep}data${path.sep}`))).toHaveLength(2);
    expect(files.filter((f) => !f.startsWith(`item${path.sep}data${path.sep}`))).toEqual([path.join('item', 'meta.sqlite3')]);
  });

  it('replacing a record removes the payload file it replaced', async () => {
    const root = tempDir();
    const s = store(root);
    await s.save(info('a', 1), bytes('old'));
    await s.save(info('a', 1, { status: 'draft' }), bytes('new'));
    expect(listFiles(path.join(root, 'item', 'data'))).toHaveLength(1);
    expect(plain(await s.get('a', 'a:1', null))).toEqual({ info: info('a', 1, { status: 'draft' }), data: 'new' });
  });

  it('purge removes the rows and the payload files of that resource only', async () => {
    const root = tempDir();
    const s = store(root);
    await s.saveMany([
      { info: info('a', 1), data: bytes('a1') },
      { info: info('a', 2), data: bytes('a2') },
      { info: info('b', 1), data: bytes('b1') },
    ]);
    await s.purge('a');
    expect(await s.listRevisions('a')).toEqual([]);
    expect(listFiles(path.join(root, 'item', 'data'))).toHaveLength(1);
    expect(text((await s.get('b', 'b:1', null))?.data)).toBe('b1');
  });

  it('a bulk save with a bad record writes nothing', async () => {
    const root = tempDir();
    const s = store(root);
    const bad = { ...info('b', 1), created_time: 'not a time' as unknown as Date };
    await expect(
      s.saveMany([
        { info: info('a', 1), data: bytes('a1') },
        { info: bad, data: bytes('b1') },
      ]),
    ).rejects.toMatchObject({ issues: [{ path: '/created_time' }] });
    expect(await s.listRevisions('a')).toEqual([]);
    expect(listFiles(path.join(root, 'item', 'data'))).toEqual([]);
  });

  it.each([
    ['resource_id', { resource_id: 42 }],
    ['revision_id', { revision_id: '' }],
    ['uid', { uid: undefined }],
    ['schema_version', { schema_version: 3 }],
  ])('a record with a bad %s is a ValidationError naming it', async (field, override) => {
    const s = store(tempDir());
    const bad = { ...info('a', 1), ...override } as unknown as RevisionInfo;
    await expect(s.save(bad, bytes('x'))).rejects.toBeInstanceOf(ValidationError);
    await expect(s.save(bad, bytes('x'))).rejects.toMatchObject({ issues: [{ path: `/${field}` }] });
  });

  it('non-bytes data is a ValidationError', async () => {
    const s = store(tempDir());
    await expect(s.save(info('a', 1), 'x' as unknown as Uint8Array)).rejects.toMatchObject({ issues: [{ path: '/data' }] });
  });

  it('ids never become paths: hostile ids stay rows inside the model database', async () => {
    const parent = tempDir();
    const root = path.join(parent, 'root');
    const s = store(root);
    const hostile = ['../../escape', '/etc/passwd', '..', 'a/../../b', 'C:\\x', 'nul\0byte', '~tmp'];
    for (const id of hostile) {
      await s.save(info(id, 1, { uid: `../${id}`, schema_version: '../v' }), bytes(id));
    }
    for (const id of hostile) expect(text((await s.get(id, `${id}:1`, '../v'))?.data)).toBe(id);
    // Everything written lives under <root>/item: the model database and one generated payload name per record.
    const files = listFiles(parent);
    expect(files.every((f) => f.startsWith(path.join('root', 'item') + path.sep))).toBe(true);
    const payloads = listFiles(path.join(root, 'item', 'data'));
    expect(payloads).toHaveLength(hostile.length);
    for (const name of payloads) expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('a truncated payload file is a StoredDataError', async () => {
    const root = tempDir();
    await store(root).save(info('a', 1), bytes('0123456789'));
    const [name] = listFiles(path.join(root, 'item', 'data'));
    fs.truncateSync(path.join(root, 'item', 'data', name!), 4);
    await expect(store(root).get('a', 'a:1', null)).rejects.toBeInstanceOf(StoredDataError);
  });

  it('a vanished payload file is a StoredDataError', async () => {
    const root = tempDir();
    await store(root).save(info('a', 1), bytes('0123456789'));
    const [name] = listFiles(path.join(root, 'item', 'data'));
    fs.unlinkSync(path.join(root, 'item', 'data', name!));
    await expect(store(root, 'item').get('a', 'a:1', null)).rejects.toBeInstanceOf(StoredDataError);
  });

  it('bytes given to save are copied: reusing the buffer afterwards changes nothing', async () => {
    const s = store(tempDir());
    const buffer = bytes('original');
    const saving = s.save(info('a', 1), buffer);
    buffer.fill(0x41);
    await saving;
    expect(text((await s.get('a', 'a:1', null))?.data)).toBe('original');
  });
});

// The full conformance suite on the disk resource store composed with a memory meta store by
// core's SimpleStorage: the path a backend takes with disk revisions and metas elsewhere.
function composedFactory(): IStorageFactory & { rootdir: string } {
  const rootdir = tempDir();
  const metas = new Map<string, IMetaStore>();
  const resources: DiskResourceStore[] = [];
  let blobs: DiskBlobStore | undefined;
  return {
    rootdir,
    build(model: string): IStorage {
      if (!metas.has(model)) metas.set(model, new MemoryMetaStore());
      const resourceStore = new DiskResourceStore(rootdir, model);
      resources.push(resourceStore);
      return new SimpleStorage(metas.get(model)!, resourceStore);
    },
    buildBlobStore() {
      blobs ??= new DiskBlobStore(path.join(rootdir, '_blobs'));
      return blobs;
    },
    async close() {
      for (const r of resources) await r.close();
    },
  };
}

storageConformanceSuite(
  { describe, it, expect },
  {
    name: 'disk resource store + memory meta store (SimpleStorage)',
    createFactory: composedFactory,
    dispose: async (factory) => {
      await factory.close?.();
      fs.rmSync((factory as ReturnType<typeof composedFactory>).rootdir, { recursive: true, force: true });
    },
    capabilities: { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: false, atomicUnique: true },
  },
);
