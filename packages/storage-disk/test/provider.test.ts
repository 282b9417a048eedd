import * as fs from 'node:fs';
import * as path from 'node:path';
import { SimpleStorage } from '@specstar/core/adapter';
import { BackendConfigError } from '@specstar/core';
import { ConfigurationError } from '@specstar/interfaces';
import type { IStorage, ResourceMeta } from '@specstar/interfaces';
import { DiskStorage, diskBackendProvider } from '../src';
import { bytes, removeTempDirs, tempDir, text } from './helpers';

const T = new Date(Date.UTC(2025, 0, 1));
const META: ResourceMeta = {
  current_revision_id: 'a:1',
  resource_id: 'a',
  schema_version: null,
  total_revision_count: 1,
  created_time: T,
  updated_time: T,
  created_by: 'alice',
  updated_by: 'alice',
  is_deleted: false,
  indexed_data: { name: 'x' },
};
const REVISION = {
  info: {
    uid: '11111111-0000-4000-8000-000000000000',
    resource_id: 'a',
    revision_id: 'a:1',
    parent_revision_id: null,
    schema_version: null,
    status: 'stable' as const,
    created_time: T,
    updated_time: T,
    created_by: 'alice',
    updated_by: 'alice',
  },
  data: bytes('{"name":"x"}'),
};

const closing: Array<{ close?(): Promise<void> }> = [];
function keep<T extends { close?(): Promise<void> }>(store: T): T {
  closing.push(store);
  return store;
}

afterEach(async () => {
  for (const store of closing.splice(0)) await store.close?.();
  removeTempDirs();
});

/** The BackendConfigError `fn` throws (a ConfigurationError whose payload names the offender). */
function configError(fn: () => unknown): BackendConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toBeInstanceOf(BackendConfigError);
    return error as BackendConfigError;
  }
  throw new Error('expected a BackendConfigError');
}

describe('diskBackendProvider', () => {
  it('is type disk for the meta, resource and blob roles', () => {
    expect(diskBackendProvider.type).toBe('disk');
    expect([...diskBackendProvider.roles]).toEqual(['meta', 'resource', 'blob']);
  });

  it('buildStorage gives an atomic DiskStorage under <rootdir>/<model>', async () => {
    const rootdir = tempDir();
    const storage = keep(diskBackendProvider.buildStorage!('item', { rootdir, encoding: 'json' }));
    expect(storage).toBeInstanceOf(DiskStorage);
    expect(storage.capabilities).toEqual({ search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicCommit: true, atomicUnique: true });
    await storage.commit({ revision: REVISION, meta: META, expect: { absent: true } });
    expect(fs.existsSync(path.join(rootdir, 'item', 'meta.sqlite3'))).toBe(true);
  });

  it('meta and resource stores built separately read the same files as buildStorage', async () => {
    const rootdir = tempDir();
    const whole = keep(diskBackendProvider.buildStorage!('item', { rootdir }));
    await whole.commit({ revision: REVISION, meta: META, expect: { absent: true } });
    const composed: IStorage = keep(
      new SimpleStorage(diskBackendProvider.buildMetaStore!('item', { rootdir }), diskBackendProvider.buildResourceStore!('item', { rootdir })),
    );
    expect(await composed.getMeta('a')).toEqual(META);
    expect(text((await composed.getRevision('a', 'a:1', null))?.data)).toBe('{"name":"x"}');
  });

  it('buildBlobStore stores under <rootdir>/_blobs', async () => {
    const rootdir = tempDir();
    const blobs = keep(diskBackendProvider.buildBlobStore!({ rootdir }));
    await blobs.put(bytes('b'), { key: 'k' });
    expect(fs.existsSync(path.join(rootdir, '_blobs', 'k'))).toBe(true);
  });

  it('options it does not use (defaults for other providers) are ignored', () => {
    const rootdir = tempDir();
    const options = { rootdir, table_prefix: 'app_', blob_prefix: 'uploads/', upload_method: 'proxy', presigned_url_expiry: 900 };
    expect(() => diskBackendProvider.validate!('meta', options)).not.toThrow();
    keep(diskBackendProvider.buildStorage!('item', options));
  });

  describe('errors', () => {
    const missing: Array<[string, () => unknown]> = [
      ['buildStorage', () => diskBackendProvider.buildStorage!('item', {})],
      ['buildMetaStore', () => diskBackendProvider.buildMetaStore!('item', {})],
      ['buildResourceStore', () => diskBackendProvider.buildResourceStore!('item', {})],
      ['buildBlobStore', () => diskBackendProvider.buildBlobStore!({})],
      ['validate', () => diskBackendProvider.validate!('meta', {})],
      ['validate (empty)', () => diskBackendProvider.validate!('blob', { rootdir: '' })],
      ['validate (not a string)', () => diskBackendProvider.validate!('blob', { rootdir: 42 })],
    ];
    it.each(missing)('%s without a usable rootdir is a ConfigurationError naming rootdir', (_name, fn) => {
      expect(configError(fn)).toMatchObject({ provider: 'disk', option: 'rootdir' });
    });

    it('a missing rootdir is problem missing_option, with the role', () => {
      expect(configError(() => diskBackendProvider.validate!('blob', {}))).toMatchObject({ problem: 'missing_option', role: 'blob' });
      expect(configError(() => diskBackendProvider.validate!('blob', { rootdir: 42 }))).toMatchObject({ problem: 'invalid_field', role: 'blob' });
    });

    it.each(['yaml', 42, ''])('encoding %j is a ConfigurationError naming encoding', (encoding) => {
      const rootdir = tempDir();
      expect(configError(() => diskBackendProvider.validate!('meta', { rootdir, encoding }))).toMatchObject({ problem: 'invalid_field', option: 'encoding' });
      expect(configError(() => diskBackendProvider.buildStorage!('item', { rootdir, encoding }))).toMatchObject({ option: 'encoding' });
    });

    it.each(['cache_bytes', 'inline_bytes'].flatMap((option) => [-1, 1.5, '1024'].map((value) => [option, value] as const)))(
      '%s %j is a ConfigurationError naming it',
      (option, value) => {
        const rootdir = tempDir();
        expect(configError(() => diskBackendProvider.buildStorage!('item', { rootdir, [option]: value }))).toMatchObject({ problem: 'invalid_field', option });
        expect(configError(() => diskBackendProvider.buildResourceStore!('item', { rootdir, [option]: value }))).toMatchObject({ option });
      },
    );

    it('inline_bytes 0 puts every payload in a file', async () => {
      const rootdir = tempDir();
      const storage = keep(diskBackendProvider.buildStorage!('item', { rootdir, inline_bytes: 0 }));
      await storage.commit({ revision: REVISION, meta: META, expect: { absent: true } });
      expect(fs.readdirSync(path.join(rootdir, 'item', 'data'))).toHaveLength(1);
    });

    it('cache_bytes 0 turns the payload cache off', async () => {
      const rootdir = tempDir();
      const storage = keep(diskBackendProvider.buildStorage!('item', { rootdir, cache_bytes: 0, inline_bytes: 0 }));
      await storage.commit({ revision: REVISION, meta: META, expect: { absent: true } });
      const [file] = fs.readdirSync(path.join(rootdir, 'item', 'data'));
      fs.writeFileSync(path.join(rootdir, 'item', 'data', file!), '{"name":"y"}');
      expect(text((await storage.getRevision('a', 'a:1', null))?.data)).toBe('{"name":"y"}');
    });

    it('encoding msgpack is accepted', () => {
      const rootdir = tempDir();
      expect(() => diskBackendProvider.validate!('resource', { rootdir, encoding: 'msgpack' })).not.toThrow();
    });

    it('the mq role is a ConfigurationError listing the roles disk serves', () => {
      const error = configError(() => diskBackendProvider.validate!('mq', { rootdir: tempDir() }));
      expect(error).toMatchObject({ problem: 'role_not_supported', role: 'mq', provider: 'disk' });
      expect(error.message).toContain('meta, resource, blob');
    });

    it('validate creates a missing rootdir', async () => {
      const rootdir = path.join(tempDir(), 'new', 'data');
      await diskBackendProvider.validate!('meta', { rootdir });
      expect(fs.statSync(rootdir).isDirectory()).toBe(true);
      expect(fs.readdirSync(rootdir)).toEqual([]);
    });

    it('a rootdir that is a file, or lies under a file, is a ConfigurationError naming rootdir', () => {
      const file = path.join(tempDir(), 'plain-file');
      fs.writeFileSync(file, 'x');
      expect(configError(() => diskBackendProvider.validate!('meta', { rootdir: file }))).toMatchObject({ problem: 'invalid_field', option: 'rootdir' });
      expect(configError(() => diskBackendProvider.validate!('meta', { rootdir: path.join(file, 'below') }))).toMatchObject({ option: 'rootdir' });
    });

    it('a hostile model name is a ConfigurationError', () => {
      const parent = tempDir();
      const rootdir = path.join(parent, 'root');
      expect(() => diskBackendProvider.buildStorage!('../x', { rootdir })).toThrow(ConfigurationError);
      expect(fs.readdirSync(parent)).toEqual([]);
    });
  });
});
