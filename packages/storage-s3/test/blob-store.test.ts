import { inspect } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BlobNotFoundError, ValidationError } from '@specstar/interfaces';
import { xxh3Hex } from '@specstar/core/adapter';
import type { S3BlobStore } from '../src/blob-store';
import { BUCKET, bytes, keysUnder, storeFixture, text } from './s3-fixture';

const s3 = storeFixture();

async function rawGet(key: string): Promise<{ body: string; contentType?: string; etag?: string }> {
  const answer = await s3.client().send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return { body: await answer.Body!.transformToString(), contentType: answer.ContentType, etag: answer.ETag };
}

async function* chunksOf(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.byteLength; at += size) yield data.subarray(at, at + size);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

/** Deterministic, incompressible-looking bytes. */
function pattern(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => (i * 31 + (i >> 11)) % 251);
}

/** The commands a store sends from now on, as the SDK sends them (observed, not replaced). */
function recordCommands(store: S3BlobStore): string[] {
  const sent: string[] = [];
  store.bucket.client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(String(context.commandName).replace(/Command$/, ''));
      return next(args);
    },
    { step: 'initialize', name: `recordCommands${Math.random()}` },
  );
  return sent;
}

describe('S3BlobStore', () => {
  it('stores a blob as the object <prefix><file_id> with its content type', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const put = await store.put(bytes('hello'), { contentType: 'text/plain' });
    expect(put.file_id).toBe(xxh3Hex(bytes('hello')));
    expect(await keysUnder(s3.client(), prefix)).toEqual([`${prefix}${put.file_id}`]);
    expect(await rawGet(`${prefix}${put.file_id}`)).toMatchObject({ body: 'hello', contentType: 'text/plain' });
  });

  it('uses blobs/ as the default prefix', async () => {
    const store = s3.blobStore({ prefix: undefined });
    expect(store.prefix).toBe('blobs/');
  });

  it('does not rewrite a content-addressed blob that exists: one conditional PUT decides', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const sent = recordCommands(store);
    const { file_id: fileId } = await store.put(bytes('same'), { contentType: 'text/plain' });
    // Changed behind the store's back: a second put of the same bytes must not write again.
    await s3.client().send(new PutObjectCommand({ Bucket: BUCKET, Key: `${prefix}${fileId}`, Body: 'marker', ContentType: 'text/x-marker' }));
    const again = await store.put(bytes('same'), { contentType: 'text/plain' });
    expect(again).toEqual({ file_id: fileId, size: 4, content_type: 'text/plain', data: bytes('same') });
    expect(await rawGet(`${prefix}${fileId}`)).toMatchObject({ body: 'marker', contentType: 'text/x-marker' });
    // The second PutObject was refused by S3 (412: If-None-Match), which the store takes as "exists".
    expect(sent).toEqual(['PutObject', 'PutObject']);
  });

  it('a content-addressed blob over 8 MiB is looked up first, so one that exists is not sent again', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const sent = recordCommands(store);
    const data = pattern(8 * 1024 * 1024 + 1);
    const { file_id: fileId } = await store.put(data);
    expect(await store.put(data)).toMatchObject({ file_id: fileId, size: data.byteLength });
    // HeadObject answers a missing bucket with a bare 404 too: the store's first 404 checks the bucket, once.
    expect(sent).toEqual(['HeadObject', 'HeadBucket', 'PutObject', 'HeadObject']);
  });

  it('a caller key always overwrites, content type included', async () => {
    const store = s3.blobStore();
    await store.put(bytes('one'), { key: 'avatar.png', contentType: 'image/png' });
    await store.put(bytes('two'), { key: 'avatar.png', contentType: 'image/webp' });
    const got = await store.get('avatar.png');
    expect({ ...got, data: text(got.data) }).toEqual({ file_id: 'avatar.png', size: 3, content_type: 'image/webp', data: 'two' });
  });

  it('a blob stored without a content type reads back without one (S3 itself serves application/octet-stream)', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const put = await store.put(bytes('untyped'));
    expect(put.content_type).toBeUndefined();
    expect((await store.get(put.file_id!)).content_type).toBeUndefined();
    expect((await store.getStream(put.file_id!)).blob.content_type).toBeUndefined();
    expect((await rawGet(`${prefix}${put.file_id}`)).contentType).toBe('application/octet-stream');
  });

  it('getUrl is a presigned GET that plain fetch downloads, valid presignedUrlExpiry seconds', async () => {
    const store = s3.blobStore({ presignedUrlExpiry: 900 });
    const { file_id: fileId } = await store.put(bytes('downloaded directly'), { contentType: 'text/plain' });
    const url = await store.getUrl(fileId!);
    expect(new URL(url!).searchParams.get('X-Amz-Expires')).toBe('900');
    const answer = await fetch(url!);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/plain');
    expect(await answer.text()).toBe('downloaded directly');
    expect(new URL((await s3.blobStore().getUrl(fileId!))!).searchParams.get('X-Amz-Expires')).toBe('3600');
    await expect(store.getUrl('../x')).rejects.toBeInstanceOf(ValidationError);
  });

  it('a presigned PUT from createDirectUpload, then adoptDirectUpload moves the object into the blob space', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix, uploadMethod: 'single_put' });
    expect(store.uploadMethod).toBe('single_put');
    const before = Date.now();
    const direct = await store.createDirectUpload('up-1', { contentType: 'text/csv', expiresIn: 600 });
    expect(direct.headers).toEqual({ 'Content-Type': 'text/csv' });
    // The content type is signed: S3 refuses the PUT under another one.
    expect(new URL(direct.url).searchParams.get('X-Amz-SignedHeaders')).toBe('content-type;host');
    expect(new URL(direct.url).searchParams.get('X-Amz-Expires')).toBe('600');
    expect(Date.parse(direct.expires_at) - before).toBeGreaterThanOrEqual(600_000);
    expect(await store.adoptDirectUpload('up-1', 'up-1')).toBeNull();

    const answer = await fetch(direct.url, { method: 'PUT', body: 'a,b\n1,2\n', headers: direct.headers });
    expect(answer.status).toBe(200);
    expect(await keysUnder(s3.client(), prefix)).toEqual([`${prefix}+uploads/up-1/direct`]);

    const adopted = await store.adoptDirectUpload('up-1', 'up-1');
    expect(adopted).toEqual({ file_id: 'up-1', size: 8, content_type: 'text/csv' });
    expect(text((await store.get('up-1')).data)).toBe('a,b\n1,2\n');
    expect(await keysUnder(s3.client(), prefix)).toEqual([`${prefix}up-1`]);
    // Adopted once: the staged object is gone.
    expect(await store.adoptDirectUpload('up-1', 'up-1')).toBeNull();
  });

  it('createDirectUpload checks the upload id and the expiry', async () => {
    const store = s3.blobStore();
    await expect(store.createDirectUpload('../x', { expiresIn: 60 })).rejects.toMatchObject({ issues: [{ path: '/upload_id' }] });
    for (const expiresIn of [0, -1, 1.5, 604_801]) {
      await expect(store.createDirectUpload('u', { expiresIn })).rejects.toMatchObject({ issues: [{ path: '/expiresIn' }] });
    }
    const unsigned = await store.createDirectUpload('u', { expiresIn: 60 });
    expect(unsigned.headers).toBeUndefined();
  });

  it('a 6 MiB putStream goes up in parts and reads back byte for byte, streamed', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const sent = recordCommands(store);
    const data = pattern(6 * 1024 * 1024 + 123);
    const fileId = xxh3Hex(data);
    const put = await store.putStream(chunksOf(data, 64 * 1024), { key: fileId, contentType: 'application/x-big', size: data.byteLength });
    expect(put).toEqual({ file_id: fileId, size: data.byteLength, content_type: 'application/x-big' });
    expect(sent).toEqual(['CreateMultipartUpload', 'UploadPart', 'UploadPart', 'CompleteMultipartUpload']);
    const head = await s3.client().send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${prefix}${fileId}` }));
    expect(head.ContentLength).toBe(data.byteLength);
    expect(head.ContentType).toBe('application/x-big');
    const streamed = await store.getStream(fileId);
    expect(streamed.blob).toEqual({ file_id: fileId, size: data.byteLength, content_type: 'application/x-big' });
    expect(xxh3Hex(await collect(streamed.body))).toBe(fileId);
    expect(xxh3Hex((await store.get(fileId)).data!)).toBe(fileId);
  });

  it('an object deleted behind the store is BlobNotFoundError on get and getStream, and exists is false', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const { file_id: fileId } = await store.put(bytes('short-lived'));
    await s3.client().send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `${prefix}${fileId}` }));
    await expect(store.get(fileId!)).rejects.toBeInstanceOf(BlobNotFoundError);
    await expect(store.get(fileId!)).rejects.toMatchObject({ file_id: fileId });
    await expect(store.getStream(fileId!)).rejects.toBeInstanceOf(BlobNotFoundError);
    expect(await store.exists(fileId!)).toBe(false);
  });

  it('keeps grants, documents and staged parts under + names no file id can reach', async () => {
    const prefix = `${s3.prefix()}blobs/`;
    const store = s3.blobStore({ prefix });
    const { file_id: fileId } = await store.put(bytes('x'));
    await store.grant(fileId!, 'alice');
    await store.putDocument('job-log', 'k'.repeat(201), bytes('log'));
    await store.putDocument('job-log', 'short', bytes('log'));
    await store.uploads.putPart('up-2', 1, chunksOf(bytes('part'), 2));
    const keys = (await keysUnder(s3.client(), prefix)).map((key) => key.slice(prefix.length));
    expect(keys).toEqual([
      // A document name longer than 200 characters becomes `+` and its sha256.
      expect.stringMatching(/^\+docs\/job-log\/\+[0-9a-f]{64}$/),
      '+docs/job-log/short',
      expect.stringMatching(new RegExp(`^\\+grants/${fileId}/[0-9a-f]{64}$`)),
      '+uploads/up-2/1',
      fileId,
    ]);
    expect(text((await store.getDocument('job-log', 'k'.repeat(201)))!)).toBe('log');
    for (const reach of ['+docs', '+grants', '+uploads']) await expect(store.exists(reach)).rejects.toBeInstanceOf(ValidationError);
  });

  it('logs and JSON show the bucket, prefix and endpoint, never the credentials', async () => {
    const store = s3.blobStore({ credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    const shown = [inspect(store, { depth: 10 }), JSON.stringify(store)].join('\n');
    expect(shown).toContain(BUCKET);
    expect(shown).not.toContain('S3RVER');
  });
});
