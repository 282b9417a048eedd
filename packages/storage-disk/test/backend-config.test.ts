/**
 * The disk provider through core's unified backend configuration: `type: 'disk'` is loaded from
 * this package on demand, meta and resource on one connection share one atomic DiskStorage per
 * model, blobs go to <rootdir>/_blobs, and the data survives a restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BackendConfigError, SpecStar } from '@specstar/core';
import { DiskStorage } from '../src';
import { bytes, removeTempDirs, tempDir, text } from './helpers';

const GUILD = {
  title: 'Guild',
  type: 'object',
  properties: { name: { type: 'string' }, members: { type: 'integer' } },
  required: ['name'],
} as const;

function seedConfig(rootdir: string) {
  return {
    version: 1 as const,
    connections: { local: { type: 'disk', options: { rootdir } } },
    meta: { use: 'local' },
    resource: { use: 'local' },
    blob: { use: 'local' },
  };
}

afterEach(() => {
  delete process.env['SPECSTAR_DISK_TEST_ROOT'];
  removeTempDirs();
});

it('the seed config on disk: create, restart, read; upload a blob, restart, download', async () => {
  const rootdir = path.join(tempDir(), 'data');
  const first = new SpecStar({ backend: seedConfig(rootdir), defaultUser: 'alice' });
  const guilds = first.addModel(GUILD, { indexedFields: ['members'] });
  expect(guilds.storage).toBeInstanceOf(DiskStorage);
  expect(guilds.storage.capabilities.atomicCommit).toBe(true);
  const created = await guilds.create({ name: 'Night Watch', members: 12 });
  const blob = await first.getBlobStore().put(bytes('banner'), { contentType: 'image/png' });
  await first.close();
  expect(fs.existsSync(path.join(rootdir, 'guild', 'meta.sqlite3'))).toBe(true);
  expect(fs.existsSync(path.join(rootdir, '_blobs', blob.file_id!))).toBe(true);

  const second = new SpecStar({ backend: seedConfig(rootdir), defaultUser: 'alice' });
  const again = second.addModel(GUILD, { indexedFields: ['members'] });
  try {
    expect((await again.get(created.resource_id)).data).toEqual({ name: 'Night Watch', members: 12 });
    const downloaded = await again.getBlob(blob.file_id!);
    expect({ ...downloaded, data: text(downloaded.data) }).toEqual({ file_id: blob.file_id, size: 6, content_type: 'image/png', data: 'banner' });
  } finally {
    await second.close();
  }
});

it('a JSON backend file with ${VAR} expansion selects the disk rootdir', async () => {
  const dir = tempDir();
  const rootdir = path.join(dir, 'from-env');
  process.env['SPECSTAR_DISK_TEST_ROOT'] = rootdir;
  const file = path.join(dir, 'backend.json');
  fs.writeFileSync(file, JSON.stringify({ ...seedConfig('${SPECSTAR_DISK_TEST_ROOT}') }));
  const spec = new SpecStar({ backend: file, defaultUser: 'alice' });
  try {
    const guilds = spec.addModel(GUILD);
    await guilds.create({ name: 'x' });
    expect(fs.existsSync(path.join(rootdir, 'guild', 'meta.sqlite3'))).toBe(true);
  } finally {
    await spec.close();
  }
});

it('a disk binding without rootdir fails at startup naming the option, and creates nothing', () => {
  const parent = tempDir();
  const config = { connections: { local: { type: 'disk' } }, meta: { use: 'local' }, resource: { use: 'local' }, blob: { use: 'local' } };
  const cwd = process.cwd();
  process.chdir(parent);
  try {
    expect(() => new SpecStar({ backend: config })).toThrow(BackendConfigError);
    try {
      new SpecStar({ backend: config });
    } catch (error) {
      expect(error).toMatchObject({ problem: 'missing_option', option: 'rootdir' });
    }
  } finally {
    process.chdir(cwd);
  }
  expect(fs.readdirSync(parent)).toEqual([]);
});
