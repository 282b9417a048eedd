import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { BlobNotFoundError, ValidationError } from '@specstar/interfaces';
import { createPackr, xxh3Hex } from '@specstar/core/adapter';
import { DiskBlobStore } from '../src/blob-store';
import { StoredDataError } from '../src/files';
import { bytes, listFiles, removeTempDirs, tempDir, text } from './helpers';

afterEach(removeTempDirs);

describe('DiskBlobStore', () => {
  it('keeps blobs across store instances on the same directory', async () => {
    const dir = path.join(tempDir(), '_blobs');
    const first = new DiskBlobStore(dir);
    const put = await first.put(bytes('hello'), { contentType: 'text/plain' });
    expect(put).toEqual({ file_id: 'b5e9c1ad071b3e7fc779cfaa5e523818', size: 5, content_type: 'text/plain', data: bytes('hello') });
    await first.close();

    const second = new DiskBlobStore(dir);
    const got = await second.get('b5e9c1ad071b3e7fc779cfaa5e523818');
    expect({ ...got, data: text(got.data) }).toEqual({ file_id: 'b5e9c1ad071b3e7fc779cfaa5e523818', size: 5, content_type: 'text/plain', data: 'hello' });
    expect(await second.exists('b5e9c1ad071b3e7fc779cfaa5e523818')).toBe(true);
    expect(await second.getUrl('b5e9c1ad071b3e7fc779cfaa5e523818')).toBeNull();
  });

  it('keeps uploader grants across store instances, beside the blobs and apart from them', async () => {
    const dir = path.join(tempDir(), '_blobs');
    const first = new DiskBlobStore(dir);
    const { file_id: fileId } = await first.put(bytes('hello'));
    await first.grant(fileId!, 'alice');
    await first.grant(fileId!, 'alice');
    const second = new DiskBlobStore(dir);
    expect(await second.isGranted(fileId!, 'alice')).toBe(true);
    expect(await second.isGranted(fileId!, 'bob')).toBe(false);
    // the grant directory is not a blob
    expect(await second.exists('+grants').catch((error: unknown) => error)).toBeInstanceOf(ValidationError);
    expect(fs.readdirSync(path.join(dir, '+grants', fileId!))).toHaveLength(1);
  });

  it('stores one file per blob named by its id, with no temporary files left', async () => {
    const dir = tempDir();
    const store = new DiskBlobStore(dir);
    await store.put(bytes('a'));
    await store.put(bytes('b'), { key: 'avatar.png' });
    expect(listFiles(dir)).toEqual([xxh3Hex(bytes('a')), 'avatar.png'].sort());
  });

  it('writes a msgpack Binary record (the layout of the Python disk blob store)', async () => {
    const dir = tempDir();
    await new DiskBlobStore(dir).put(bytes('hi'), { key: 'k', contentType: 'text/plain' });
    const record = createPackr().unpack(fs.readFileSync(path.join(dir, 'k'))) as Record<string, unknown>;
    expect({ ...record, data: text(record['data'] as Uint8Array) }).toEqual({ file_id: 'k', size: 2, content_type: 'text/plain', data: 'hi' });
  });

  it('does not rewrite a content-addressed blob that exists', async () => {
    const dir = tempDir();
    const store = new DiskBlobStore(dir);
    const { file_id } = await store.put(bytes('same'), { contentType: 'text/plain' });
    const before = fs.statSync(path.join(dir, file_id!));
    const again = await store.put(bytes('same'), { contentType: 'application/octet-stream' });
    const after = fs.statSync(path.join(dir, file_id!));
    expect(after.ino).toBe(before.ino);
    expect(again.file_id).toBe(file_id);
    // The first stored content type stays, as with every content-addressed store.
    expect((await store.get(file_id!)).content_type).toBe('text/plain');
  });

  it('a caller key overwrites', async () => {
    const store = new DiskBlobStore(tempDir());
    await store.put(bytes('one'), { key: 'doc', contentType: 'text/plain' });
    await store.put(bytes('two'), { key: 'doc' });
    const got = await store.get('doc');
    expect({ ...got, data: text(got.data) }).toEqual({ file_id: 'doc', size: 3, data: 'two' });
  });

  it('unknown ids are BlobNotFoundError', async () => {
    const store = new DiskBlobStore(tempDir());
    await expect(store.get('0123456789abcdef0123456789abcdef')).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ file_id: '0123456789abcdef0123456789abcdef' });
    expect(await store.exists('0123456789abcdef0123456789abcdef')).toBe(false);
  });

  it.each(['../x', '..', '.', 'a/b', '/etc/passwd', 'a\0b', '', 'x'.repeat(201), '~tmp'])('id %j is a ValidationError and touches nothing', async (id) => {
    const root = tempDir();
    const store = new DiskBlobStore(path.join(root, '_blobs'));
    await expect(store.get(id)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.exists(id)).rejects.toBeInstanceOf(ValidationError);
    await expect(store.put(bytes('x'), { key: id })).rejects.toMatchObject({ issues: [{ path: '/key' }] });
    expect(listFiles(root)).toEqual([]);
  });

  it('non-bytes data is a ValidationError', async () => {
    const store = new DiskBlobStore(tempDir());
    await expect(store.put('text' as unknown as Uint8Array)).rejects.toMatchObject({ issues: [{ path: '/data' }] });
  });

  it('keeps documents as raw files under +docs/<namespace>/<key>, across instances and apart from blobs', async () => {
    const dir = path.join(tempDir(), '_blobs');
    const first = new DiskBlobStore(dir);
    await first.putDocument('job-log', 'am9iLTE', bytes('one'));
    await first.putDocument('job-log', 'am9iLTE', bytes('two'));
    const longKey = 'k'.repeat(400);
    await first.putDocument('job-log', longKey, bytes('long'));
    // A long key is stored under `+` and its sha256, below NAME_MAX.
    const hashed = `+${createHash('sha256').update(longKey).digest('hex')}`;
    expect(listFiles(dir)).toEqual([path.join('+docs', 'job-log', hashed), path.join('+docs', 'job-log', 'am9iLTE')].sort());
    expect(text(fs.readFileSync(path.join(dir, '+docs', 'job-log', 'am9iLTE')))).toBe('two');
    const second = new DiskBlobStore(dir);
    expect(text((await second.getDocument('job-log', 'am9iLTE'))!)).toBe('two');
    expect(text((await second.getDocument('job-log', longKey))!)).toBe('long');
    expect(await second.getDocument('job-log', 'absent')).toBeNull();
    expect(await second.getDocument('no-such-namespace', 'am9iLTE')).toBeNull();
    await expect(second.exists('+docs')).rejects.toBeInstanceOf(ValidationError);
  });

  it.each(['../x', '..', '.', 'a/b', 'a\0b', '', 'x'.repeat(401), '+docs', '~tmp'])('document name %j is a ValidationError and touches nothing', async (name) => {
    const root = tempDir();
    const store = new DiskBlobStore(path.join(root, '_blobs'));
    await expect(store.putDocument(name, 'key', bytes('x'))).rejects.toMatchObject({ issues: [{ path: '/namespace' }] });
    await expect(store.putDocument('job-log', name, bytes('x'))).rejects.toMatchObject({ issues: [{ path: '/key' }] });
    await expect(store.getDocument(name, 'key')).rejects.toBeInstanceOf(ValidationError);
    await expect(store.getDocument('job-log', name)).rejects.toBeInstanceOf(ValidationError);
    expect(listFiles(root)).toEqual([]);
  });

  it('a corrupt blob file is a StoredDataError, not a crash', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'broken'), Buffer.from([0xc1]));
    fs.writeFileSync(path.join(dir, 'nodata'), createPackr().pack({ file_id: 'nodata' }));
    const store = new DiskBlobStore(dir);
    await expect(store.get('broken')).rejects.toBeInstanceOf(StoredDataError);
    await expect(store.get('nodata')).rejects.toBeInstanceOf(StoredDataError);
  });
});
