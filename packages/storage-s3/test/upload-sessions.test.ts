// Core's upload sessions (spec.uploadSessions) on S3BlobStore: a proxy session whose parts were
// staged before a restart is finalized after it by a new store on the same prefix, and a
// single_put session takes the bytes through its presigned PUT URL.
import { SpecStar } from '@specstar/core';
import { MemoryStorage, xxh3Hex } from '@specstar/core/adapter';
import { UploadSessionStateError, type IBlobStore } from '@specstar/interfaces';
import { keysUnder, storeFixture, text } from './s3-fixture';

const s3 = storeFixture();
const USER = { user: 'alice' };

function registry(store: IBlobStore): SpecStar {
  return new SpecStar({ storageFactory: { build: () => new MemoryStorage(), buildBlobStore: () => store } });
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new Uint8Array(Buffer.from(part));
}

describe('upload sessions on S3', () => {
  it('proxy: parts staged before a restart are finalized after it into one content-addressed blob', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const before = registry(s3.blobStore({ prefix }));
    const { upload_id: id } = await before.uploadSessions.create({ content_type: 'text/plain', total_parts: 3 }, USER);
    await before.uploadSessions.putPart(id, 3, chunks('th', 'ree'), USER);
    await before.uploadSessions.putPart(id, 1, chunks('one,'), USER);

    const store = s3.blobStore({ prefix });
    const after = registry(store);
    expect(await after.uploadSessions.get(id, USER)).toMatchObject({ status: 'uploading', parts_received: [1, 3], uploaded_size: 9 });
    await after.uploadSessions.putPart(id, 2, chunks('two,'), USER);
    const blob = await after.uploadSessions.finalize(id, USER);
    expect(blob).toEqual({ file_id: xxh3Hex(Buffer.from('one,two,three')), size: 13, content_type: 'text/plain' });
    const got = await store.get(blob.file_id!);
    expect({ text: text(got.data), content_type: got.content_type }).toEqual({ text: 'one,two,three', content_type: 'text/plain' });
    // The staged parts are gone; the blob and the session record remain.
    expect((await keysUnder(s3.client(), prefix)).filter((key) => key.includes('+uploads/'))).toEqual([]);
    expect(await after.uploadSessions.get(id, USER)).toMatchObject({ status: 'finalized', file_id: blob.file_id });
  });

  it('single_put: the bytes go to the presigned upload_url, finalize adopts them as the blob upload_id', async () => {
    const store = s3.blobStore({ uploadMethod: 'single_put' });
    const spec = registry(store);
    const session = await spec.uploadSessions.create({ content_type: 'text/csv' }, USER);
    expect(session).toMatchObject({ upload_method: 'single_put', status: 'pending' });
    expect(session.upload_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    await expect(spec.uploadSessions.finalize(session.upload_id, USER)).rejects.toThrow(UploadSessionStateError);
    const put = await fetch(session.upload_url, { method: 'PUT', headers: { 'Content-Type': 'text/csv' }, body: 'a,b\n1,2\n' });
    expect(put.status).toBe(200);
    const blob = await spec.uploadSessions.finalize(session.upload_id, USER);
    expect(blob).toEqual({ file_id: session.upload_id, size: 8, content_type: 'text/csv' });
    expect(text((await store.get(session.upload_id)).data)).toBe('a,b\n1,2\n');
  });
});
