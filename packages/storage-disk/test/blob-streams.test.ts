// Disk specifics of the streaming abilities: where staged parts live, that they survive a new
// store on the same directory, that a streamed blob file is the usual msgpack record (so put's
// readers, and Python's, read it), and that a failed stream leaves nothing behind.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '@specstar/interfaces';
import { createPackr, xxh3Hex } from '@specstar/core/adapter';
import { DiskBlobStore } from '../src/blob-store';
import { StoredDataError } from '../src/files';
import { bytes, listFiles, removeTempDirs, tempDir, text } from './helpers';

afterEach(removeTempDirs);

const UPLOAD = 'a1b2c3d4-0000-4000-8000-000000000001';

async function* chunks(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield typeof part === 'string' ? bytes(part) : part;
}

async function* failing(first: string): AsyncGenerator<Uint8Array> {
  yield bytes(first);
  throw new Error('client went away');
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const all: Uint8Array[] = [];
  for await (const chunk of stream) all.push(chunk);
  return new Uint8Array(Buffer.concat(all));
}

function blobDir(): string {
  return path.join(tempDir(), '_blobs');
}

describe('DiskBlobStore upload staging', () => {
  it('keeps parts under +uploads/<upload_id>/<n>, across store instances', async () => {
    const dir = blobDir();
    const first = new DiskBlobStore(dir);
    await first.uploads.putPart(UPLOAD, 2, chunks('world'));
    await first.uploads.putPart(UPLOAD, 1, chunks('hello '));
    expect(listFiles(dir)).toEqual([`+uploads/${UPLOAD}/1`, `+uploads/${UPLOAD}/2`]);

    const second = new DiskBlobStore(dir);
    expect(await second.uploads.listParts(UPLOAD)).toEqual([
      { part_number: 1, size: 6 },
      { part_number: 2, size: 5 },
    ]);
    expect(text(await collect(second.uploads.readPart(UPLOAD, 1)))).toBe('hello ');
    await second.uploads.deleteParts(UPLOAD);
    expect(listFiles(dir)).toEqual([]);
  });

  it('a failed or oversized part leaves no temp file and the earlier copy in place', async () => {
    const dir = blobDir();
    const store = new DiskBlobStore(dir);
    await store.uploads.putPart(UPLOAD, 1, chunks('kept'));
    await expect(store.uploads.putPart(UPLOAD, 1, failing('lost'))).rejects.toThrow('client went away');
    await expect(store.uploads.putPart(UPLOAD, 2, chunks('too long'), { maxBytes: 3 })).rejects.toThrow('More than 3 bytes');
    expect(listFiles(dir)).toEqual([`+uploads/${UPLOAD}/1`]);
    expect(text(await collect(store.uploads.readPart(UPLOAD, 1)))).toBe('kept');
  });
});

describe('DiskBlobStore streamed blobs', () => {
  it("writes the usual msgpack blob record, which put's readers decode", async () => {
    const dir = blobDir();
    const store = new DiskBlobStore(dir);
    const data = new Uint8Array(200_000).map((_, i) => i % 253);
    const fileId = xxh3Hex(data);
    await store.putStream(chunks(data.subarray(0, 70_000), data.subarray(70_000)), { key: fileId, contentType: 'image/png', size: data.length });
    const record = createPackr().unpack(fs.readFileSync(path.join(dir, fileId))) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['file_id', 'size', 'content_type', 'data']);
    expect({ ...record, data: undefined }).toEqual({ file_id: fileId, size: data.length, content_type: 'image/png', data: undefined });
    expect(Buffer.compare(Buffer.from(record['data'] as Uint8Array), Buffer.from(data))).toBe(0);
    const got = await new DiskBlobStore(dir).get(fileId);
    expect(got.size).toBe(data.length);
    // A put of the same bytes sees the blob as there and keeps it.
    expect((await store.put(data)).file_id).toBe(fileId);
  });

  it('a failed stream or a wrong announced size writes nothing and keeps an earlier blob', async () => {
    const dir = blobDir();
    const store = new DiskBlobStore(dir);
    await store.putStream(chunks('first'), { key: 'named' });
    await expect(store.putStream(failing('second'), { key: 'named' })).rejects.toThrow('client went away');
    await expect(store.putStream(chunks('abc'), { key: 'named', size: 4 })).rejects.toThrow(ValidationError);
    await expect(store.putStream(chunks('abc'), { key: 'other', size: 2 })).rejects.toThrow(ValidationError);
    expect(listFiles(dir)).toEqual(['named']);
    expect(text((await store.get('named')).data)).toBe('first');
  });

  it('getStream reads files put wrote, and decodes whole a file whose bytes are not last', async () => {
    const dir = blobDir();
    const store = new DiskBlobStore(dir);
    const { file_id } = await store.put(bytes('hello'), { contentType: 'text/plain' });
    const { blob, body } = await store.getStream(file_id!);
    expect(blob).toEqual({ file_id, size: 5, content_type: 'text/plain' });
    expect(text(await collect(body))).toBe('hello');
    // Another writer's key order (content_type after data) is read correctly too.
    const odd = createPackr().pack({ file_id: 'odd', size: 3, data: bytes('odd'), content_type: 'text/csv' });
    fs.writeFileSync(path.join(dir, 'odd'), odd);
    const oddStream = await store.getStream('odd');
    expect(oddStream.blob).toEqual({ file_id: 'odd', size: 3, content_type: 'text/csv' });
    expect(text(await collect(oddStream.body))).toBe('odd');
  });

  it('a truncated blob file is StoredDataError, not a short stream', async () => {
    const dir = blobDir();
    const store = new DiskBlobStore(dir);
    const { file_id } = await store.put(new Uint8Array(1000).fill(7));
    const file = path.join(dir, file_id!);
    fs.truncateSync(file, fs.statSync(file).size - 10);
    await expect(store.getStream(file_id!)).rejects.toThrow(StoredDataError);
  });
});
