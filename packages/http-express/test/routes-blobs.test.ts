// Blob routes: upload, global download (bytes or 307), the
// resource-gated download with the file-belongs-to-resource check, Binary writes.
import express from 'express';
import request from 'supertest';
import { binary, MemoryStorageFactory, SpecStar } from '@specstar/core';
import { MemoryBlobStore } from '@specstar/core/adapter';
import { ConfigurationError, type Binary, type IBlobStore } from '@specstar/interfaces';
import { mount } from '../src';
import { makeServer, type TestServer } from './helpers';

const DocSchema = {
  title: 'Doc',
  type: 'object',
  properties: { name: { type: 'string' }, file: binary(), extras: { type: 'array', items: binary() } },
  required: ['name'],
};

function docServer(options: Parameters<typeof makeServer>[0] = {}): TestServer {
  const spec = new SpecStar();
  spec.addModel(DocSchema);
  return makeServer({ spec, ...options });
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

/** supertest parses text types into `text` and buffers other bodies only when asked. */
function bytesOf(res: request.Response): string {
  return Buffer.isBuffer(res.body) ? res.body.toString() : res.text;
}

async function upload(server: TestServer, bytes: string, contentType = 'application/octet-stream'): Promise<Binary> {
  const res = await server.http.post('/blobs/upload').attach('file', Buffer.from(bytes), { filename: 'f.bin', contentType }).expect(200);
  return res.body as Binary;
}

describe('POST /blobs/upload', () => {
  it('stores the part `file` and answers Binary without data; identical bytes → identical file_id', async () => {
    const server = docServer();
    const first = await upload(server, 'hello', 'image/png');
    expect(first).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{32}$/), size: 5, content_type: 'image/png' });
    expect(await upload(server, 'hello', 'image/png')).toEqual(first);
    expect((await upload(server, 'other')).file_id).not.toBe(first.file_id);
    const stored = await server.spec.getBlobStore().get(first.file_id!);
    expect(Buffer.from(stored.data!).toString()).toBe('hello');
  });

  it('empty files are blobs too', async () => {
    const server = docServer();
    expect(await upload(server, '')).toMatchObject({ size: 0 });
  });

  it('no part `file` → framework 422 naming body.file', async () => {
    const server = docServer();
    const onlyField = await server.http.post('/blobs/upload').field('other', 'x').expect(422);
    expect(onlyField.body.detail).toEqual([{ type: 'missing', loc: ['body', 'file'], msg: 'Field required', input: null }]);
    const wrongName = await server.http.post('/blobs/upload').attach('upload', Buffer.from('x'), 'f.bin').expect(422);
    expect(wrongName.body.detail[0].loc).toEqual(['body', 'file']);
    await server.http.post('/blobs/upload').send({ file: 'x' }).expect(422);
  });

  it('a file over maxUploadSize → 413, and nothing is stored', async () => {
    const server = docServer({ http: { maxUploadSize: 8 } });
    const res = await server.http.post('/blobs/upload').attach('file', Buffer.from('123456789'), 'f.bin').expect(413);
    expect(res.body.detail).toMatch(/limit of 8 bytes/);
    const exact = await upload(server, '12345678');
    expect(exact.size).toBe(8);
    // the rejected content never reached the store
    const store = server.spec.getBlobStore();
    const rejected = await new MemoryBlobStore().put(new Uint8Array(Buffer.from('123456789')));
    expect(await store.exists(rejected.file_id!)).toBe(false);
  });

  it('a malformed multipart body → 400', async () => {
    const server = docServer();
    const res = await server.http
      .post('/blobs/upload')
      .set('Content-Type', 'multipart/form-data; boundary=XX')
      .send('--XX\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nabc')
      .expect(400);
    expect(res.body.detail).toMatch(/^Malformed multipart body/);
  });
});

describe('GET /blobs/{file_id}', () => {
  it('200 with the bytes, the stored Content-Type (text gets utf-8), Content-Length and nosniff', async () => {
    const server = docServer();
    const png = await upload(server, 'PNGDATA', 'image/png');
    const res = await server.http.get(`/blobs/${png.file_id}`).buffer(true).expect(200);
    expect(bytesOf(res)).toBe('PNGDATA');
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe('7');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const text = await upload(server, 'plain words', 'text/plain');
    expect((await server.http.get(`/blobs/${text.file_id}`).expect(200)).headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('unknown → 404 `Blob <id> not found`; an id with path characters → 422 naming file_id', async () => {
    const server = docServer();
    expect((await server.http.get('/blobs/nope').expect(404)).body).toEqual({ detail: 'Blob nope not found' });
    const bad = await server.http.get('/blobs/a%2F..%2Fb').expect(422);
    expect(bad.body.detail[0]).toMatchObject({ loc: ['path', 'file_id'], input: 'a/../b' });
  });

  it('307 to the store URL when it offers one; 500 `Blob data missing` when a store returns no bytes', async () => {
    const inner = new MemoryBlobStore();
    const store: IBlobStore = {
      put: (data, options) => inner.put(data, options),
      get: async (fileId) => {
        const blob = await inner.get(fileId);
        return fileId === hollow.file_id ? { ...blob, data: undefined } : blob;
      },
      exists: (fileId) => inner.exists(fileId),
      getUrl: async (fileId) => (fileId === hollow.file_id ? null : `https://cdn.example.com/blobs/${fileId}?sig=1`),
    };
    const hollow = await inner.put(new Uint8Array([1, 2, 3]));
    const factory = new (class extends MemoryStorageFactory {
      override buildBlobStore(): IBlobStore {
        return store;
      }
    })();
    const server = makeServer({ spec: new SpecStar({ storageFactory: factory }) });
    const blob = await upload(server, 'far away');
    const res = await server.http.get(`/blobs/${blob.file_id}`).redirects(0).expect(307);
    expect(res.headers['location']).toBe(`https://cdn.example.com/blobs/${blob.file_id}?sig=1`);
    expect((await server.http.get('/blobs/unknown').expect(404)).body).toEqual({ detail: 'Blob unknown not found' });
    expect((await server.http.get(`/blobs/${hollow.file_id}`).expect(500)).body).toEqual({ detail: 'Blob data missing' });
  });

  it('other methods on blob paths → 405', async () => {
    const server = docServer();
    expect((await server.http.put('/blobs/abc').expect(405)).headers['allow']).toBe('GET');
    expect((await server.http.get('/blobs/upload').expect(404)).body).toEqual({ detail: 'Blob upload not found' });
    expect((await server.http.delete('/blobs/upload').expect(405)).headers['allow']).toBe('POST, GET');
  });
});

describe('Binary fields over HTTP', () => {
  it('{data} is stored as a blob and replaced by {file_id, size, content_type}; {file_id} must exist', async () => {
    const server = docServer();
    const created = await server.http.post('/doc').send({ name: 'a', file: { data: b64('hello'), content_type: 'text/plain' } }).expect(200);
    const read = await server.http.get(`/doc/${created.body.resource_id}?returns=data`).expect(200);
    expect(read.body.data.file).toEqual({ file_id: expect.any(String), size: 5, content_type: 'text/plain' });
    // a reference to an uploaded blob: size and content_type are filled in from the store
    const up = await upload(server, 'uploaded', 'image/gif');
    const ref = await server.http.post('/doc').send({ name: 'b', file: { file_id: up.file_id } }).expect(200);
    expect((await server.http.get(`/doc/${ref.body.resource_id}/data`).expect(200)).body.file).toEqual(up);
    // an unknown file_id: 404 with the write wording, nothing written
    const missing = await server.http.post('/doc').send({ name: 'c', file: { file_id: 'feedface' } }).expect(404);
    expect(missing.body).toEqual({ detail: "Blob with file_id 'feedface' does not exist" });
    expect((await server.http.get('/doc/count').expect(200)).body).toBe(2);
  });
});

describe('GET /{model}/{resource_id}/blobs/{file_id}', () => {
  let server: TestServer;
  let id: string;
  let first: Binary;
  beforeEach(async () => {
    server = docServer();
    id = (await server.http.post('/doc').send({ name: 'a', file: { data: b64('v1 bytes'), content_type: 'text/csv' } }).expect(200)).body.resource_id;
    first = (await server.http.get(`/doc/${id}/data`).expect(200)).body.file;
  });

  it('serves a file the current revision references, with its content type', async () => {
    const res = await server.http.get(`/doc/${id}/blobs/${first.file_id}`).buffer(true).expect(200);
    expect(bytesOf(res)).toBe('v1 bytes');
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
  });

  it('files inside lists count; a file the resource does not reference → 404 like an unknown blob', async () => {
    const other = await upload(server, 'not yours');
    await server.http.get(`/doc/${id}/blobs/${other.file_id}`).expect(404, { detail: `Blob ${other.file_id} not found` });
    await server.http.put(`/doc/${id}`).send({ name: 'a', file: { file_id: first.file_id }, extras: [{ file_id: other.file_id }] }).expect(200);
    expect(bytesOf(await server.http.get(`/doc/${id}/blobs/${other.file_id}`).buffer(true).expect(200))).toBe('not yours');
  });

  it('after an update the old file belongs only to the old revision (revision_id reaches it)', async () => {
    await server.http.put(`/doc/${id}`).send({ name: 'a', file: { data: b64('v2 bytes') } }).expect(200);
    await server.http.get(`/doc/${id}/blobs/${first.file_id}`).expect(404);
    const old = await server.http.get(`/doc/${id}/blobs/${first.file_id}?revision_id=${encodeURIComponent(`${id}:1`)}`).buffer(true).expect(200);
    expect(bytesOf(old)).toBe('v1 bytes');
  });

  it('the resource must be readable: unknown or soft-deleted → 404; a bad file id → 422', async () => {
    await server.http.get(`/doc/doc:nope/blobs/${first.file_id}`).expect(404, { detail: "Resource 'doc:nope' not found." });
    await server.http.delete(`/doc/${id}`).expect(200);
    const gone = await server.http.get(`/doc/${id}/blobs/${first.file_id}`).expect(404);
    expect(gone.body.detail).toMatch(/is deleted/);
    const bad = await server.http.get(`/doc/${id}/blobs/a%20b`).expect(422);
    expect(bad.body.detail[0].loc).toEqual(['path', 'file_id']);
  });

  it('a stored content type that is not a media type (or could split the header) is served as application/octet-stream', async () => {
    const store = server.spec.getBlobStore();
    for (const contentType of ['not a type', 'text/html\r\nSet-Cookie: a=b']) {
      const blob = await store.put(new Uint8Array(Buffer.from(contentType)), { contentType });
      const res = await server.http.get(`/blobs/${blob.file_id}`).expect(200);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('works under a prefix like every route', async () => {
    const spec = new SpecStar();
    const docs = spec.addModel(DocSchema);
    const app = express();
    mount(app, spec, { prefix: '/api' });
    const info = await docs.create({ name: 'p', file: { data: new Uint8Array([65]) } }, { user: 'u' });
    const { data } = await docs.get(info.resource_id);
    const fileId = (data as { file: Binary }).file.file_id!;
    expect(bytesOf(await request(app).get(`/api/doc/${info.resource_id}/blobs/${fileId}`).buffer(true).expect(200))).toBe('A');
    expect(bytesOf(await request(app).get(`/api/blobs/${fileId}`).buffer(true).expect(200))).toBe('A');
  });
});

describe('the global segment blobs', () => {
  it('a model named blobs is refused when the router is built (its routes would be shadowed)', () => {
    const spec = new SpecStar();
    spec.addModel({ type: 'object' }, { name: 'blobs' });
    expect(() => mount(express(), spec)).toThrow(ConfigurationError);
  });
});
