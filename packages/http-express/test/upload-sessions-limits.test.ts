// Upload sessions: bad input, limits and who may use them — 413 over the limit with nothing
// staged, 422 naming part_number, 501 where the store cannot, 404 for another user's session
// while access is guarded, the cross-site rule, the `blobs.upload` switch and the OpenAPI paths.
import { SpecStar } from '@specstar/core';
import { MemoryBlobStore, MemoryStorage } from '@specstar/core/adapter';
import { PermissionResult, type Binary, type DirectUpload, type IBlobStore } from '@specstar/interfaces';
import { openapi } from '../src';
import { expectValidationList, makeRegistry, makeServer, type TestServer } from './helpers';
import { BASE, createSession, download, sendPart } from './upload-session-helpers';

function serverOn(store: IBlobStore, options: Parameters<typeof makeServer>[0] = {}): TestServer {
  const spec = new SpecStar({ storageFactory: { build: () => new MemoryStorage(), buildBlobStore: () => store } });
  return makeServer({ ...options, spec });
}

async function stagedParts(server: TestServer, id: string): Promise<number[]> {
  return (await server.spec.getBlobStore().uploads!.listParts(id)).map((part) => part.part_number);
}

describe('upload session limits', () => {
  it('a part over the upload limit is 413 and stages nothing', async () => {
    const server = makeServer({ http: { maxUploadSize: 1000 } });
    const { upload_id: id } = await createSession(server);
    const res = await sendPart(server, id, 1, Buffer.alloc(1500, 1)).expect(413);
    expect(typeof res.body.detail).toBe('string');
    expect(await stagedParts(server, id)).toEqual([]);
    expect((await server.http.get(`${BASE}/${id}`).expect(200)).body).toMatchObject({ status: 'pending', parts_received: [], uploaded_size: 0 });
  });

  it('all parts together count against the limit: the part that would pass it is 413', async () => {
    const server = makeServer({ http: { maxUploadSize: 1000 } });
    const { upload_id: id } = await createSession(server);
    await sendPart(server, id, 1, Buffer.alloc(600, 1)).expect(200);
    const res = await sendPart(server, id, 2, Buffer.alloc(600, 2)).expect(413);
    expect(res.body.detail).toBe(`Upload session '${id}' may hold at most 1000 bytes across its parts`);
    expect(await stagedParts(server, id)).toEqual([1]);
    await sendPart(server, id, 2, Buffer.alloc(400, 2)).expect(200);
    expect((await server.http.post(`${BASE}/${id}/finalize`).expect(200)).body.size).toBe(1000);
  });

  it.each(['0', '-1', 'abc', '1.5', '', '10001'])('part_number=%j is 422 naming part_number, and stages nothing', async (raw) => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    const res = await sendPart(server, id, raw, 'bytes').expect(422);
    expectValidationList(res.body, ['query', 'part_number']);
    expect(await stagedParts(server, id)).toEqual([]);
  });

  it('a missing part_number is 422 (missing), a missing file part 422 naming file', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    const res = await server.http.put(`${BASE}/${id}/content`).attach('file', Buffer.from('x'), 'part').expect(422);
    expect(res.body.detail).toEqual([{ type: 'missing', loc: ['query', 'part_number'], msg: 'Field required', input: null }]);
    const noFile = await server.http.put(`${BASE}/${id}/content?part_number=1`).field('other', 'x').expect(422);
    expectValidationList(noFile.body, ['body', 'file']);
    expect(await stagedParts(server, id)).toEqual([]);
  });
});

/** A store that presigns direct uploads, as an S3 store configured for single_put does. */
class DirectUploadStore extends MemoryBlobStore {
  readonly uploadMethod = 'single_put' as const;
  readonly direct = new Map<string, Uint8Array>();
  async createDirectUpload(uploadId: string): Promise<DirectUpload> {
    return { url: `https://objects.example/${uploadId}?signed`, expires_at: '2099-01-01T00:00:00.000Z' };
  }
  async adoptDirectUpload(uploadId: string, fileId: string, options?: { contentType?: string }): Promise<Binary | null> {
    const data = this.direct.get(uploadId);
    return data === undefined ? null : this.put(data, { key: fileId, contentType: options?.contentType });
  }
}

describe('stores that cannot stage parts', () => {
  it('single_put: a presigned upload_url, 501 for parts, 409 until uploaded, then the blob under upload_id', async () => {
    const store = new DirectUploadStore();
    const server = serverOn(store);
    const session = await createSession(server, { content_type: 'text/plain' });
    expect(session).toMatchObject({ upload_method: 'single_put', upload_url: `https://objects.example/${session.upload_id}?signed`, status: 'pending' });
    expect((await sendPart(server, session.upload_id, 1, 'x').expect(501)).body.detail).toMatch(/single_put/);
    expect((await server.http.post(`${BASE}/${session.upload_id}/finalize`).expect(409)).body.detail).toMatch(/not uploaded yet/);
    store.direct.set(session.upload_id, new Uint8Array(Buffer.from('direct bytes')));
    const blob = (await server.http.post(`${BASE}/${session.upload_id}/finalize`).expect(200)).body;
    expect(blob).toEqual({ file_id: session.upload_id, size: 12, content_type: 'text/plain' });
    expect((await download(server, session.upload_id)).toString()).toBe('direct bytes');
  });

  it('a store without staging answers 501', async () => {
    const inner = new MemoryBlobStore();
    const server = serverOn({ put: inner.put.bind(inner), get: inner.get.bind(inner), exists: inner.exists.bind(inner) });
    expect((await server.http.post(BASE).send({}).expect(501)).body.detail).toMatch(/no staging/);
  });
});

describe('who may use a session', () => {
  function guardedServer(): TestServer {
    return makeServer({ spec: makeRegistry({ permissionChecker: { checkPermission: () => PermissionResult.allow } }) });
  }

  it("another user's session is 404 on every route while access is guarded; the blob is the uploader's", async () => {
    const server = guardedServer();
    const { upload_id: id } = await createSession(server, {}, 'alice');
    await sendPart(server, id, 1, 'private', 'alice').expect(200);
    const detail = { detail: `Upload session '${id}' not found` };
    expect((await server.http.get(`${BASE}/${id}`).set('X-User', 'bob').expect(404)).body).toEqual(detail);
    expect((await sendPart(server, id, 2, 'intruder', 'bob').expect(404)).body).toEqual(detail);
    await server.http.post(`${BASE}/${id}/finalize`).set('X-User', 'bob').expect(404);
    await server.http.post(`${BASE}/${id}/abort`).set('X-User', 'bob').expect(404);
    expect(await stagedParts(server, id)).toEqual([1]);
    const blob = (await server.http.post(`${BASE}/${id}/finalize`).set('X-User', 'alice').expect(200)).body as Binary;
    expect((await download(server, blob.file_id!, 'alice')).toString()).toBe('private');
    await server.http.get(`/blobs/${blob.file_id}`).set('X-User', 'bob').expect(404);
  });

  it('cross-site browser requests that are not JSON are refused (403) unless the origin is allowed', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    const evil = 'https://evil.example';
    await sendPart(server, id, 1, 'x').set('Origin', evil).expect(403);
    await server.http.post(`${BASE}/${id}/finalize`).set('Sec-Fetch-Site', 'cross-site').expect(403);
    await server.http.post(`${BASE}/${id}/abort`).set('Origin', evil).expect(403);
    await server.http.post(BASE).set('Origin', evil).set('Content-Type', 'text/plain').send('{}').expect(403);
    expect(await stagedParts(server, id)).toEqual([]);
    // JSON bodies are preflighted by browsers: the app's CORS policy decides.
    await server.http.post(BASE).set('Origin', evil).send({}).expect(200);

    const allowed = makeServer({ http: { allowedOrigins: ['https://app.example'] } });
    const session = await createSession(allowed);
    await sendPart(allowed, session.upload_id, 1, 'ok').set('Origin', 'https://app.example').expect(200);
    await allowed.http.post(`${BASE}/${session.upload_id}/finalize`).set('Origin', 'https://app.example').expect(200);
  });

  it('blobs.upload: false switches the session routes off', async () => {
    const server = makeServer({ http: { blobs: { upload: false } } });
    // `/blobs/upload-sessions` is then only the download path of a blob of that id: GET, nothing else.
    await server.http.post(BASE).send({}).expect(405);
    await server.http.get(`${BASE}/00000000-0000-4000-8000-000000000000`).expect(404);
    await server.http.post(`${BASE}/00000000-0000-4000-8000-000000000000/finalize`).expect(404);
    const doc = openapi(server.spec, { blobs: { upload: false } }) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/blobs/upload-sessions'))).toEqual([]);
  });
});

describe('upload sessions in the OpenAPI document', () => {
  it('documents the five operations and the session schemas', () => {
    const doc = openapi(makeRegistry()) as {
      paths: Record<string, Record<string, { operationId: string; parameters: Array<{ name: string; required?: boolean }>; responses: Record<string, unknown> }>>;
      components: { schemas: Record<string, unknown> };
    };
    const ops = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/blobs/upload-sessions'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`));
    expect(ops.sort()).toEqual([
      'GET /blobs/upload-sessions/{upload_id} read_upload_session',
      'POST /blobs/upload-sessions create_upload_session',
      'POST /blobs/upload-sessions/{upload_id}/abort abort_upload_session',
      'POST /blobs/upload-sessions/{upload_id}/finalize finalize_upload_session',
      'PUT /blobs/upload-sessions/{upload_id}/content upload_session_part',
    ]);
    const put = doc.paths['/blobs/upload-sessions/{upload_id}/content']!['put']!;
    expect(put.parameters.find((p) => p.name === 'part_number')).toMatchObject({ required: true });
    expect(Object.keys(put.responses).sort()).toEqual(['200', '400', '404', '409', '413', '422', '501']);
    expect(Object.keys(doc.paths['/blobs/upload-sessions/{upload_id}/abort']!['post']!.responses)).toContain('204');
    expect(doc.components.schemas).toHaveProperty('BlobUploadSession');
    expect(doc.components.schemas).toHaveProperty('BlobUploadSessionCreate');
  });
});
