// Upload sessions over HTTP (http-api §9.17) on the memory store: every status code of the
// routes, parts out of order and in parallel, idempotent re-sends, the finalize checks, and a
// result that downloads byte-identical through GET /blobs/{file_id}.
import { xxh3Hex } from '@specstar/core/adapter';
import type { BlobUploadSession } from '@specstar/interfaces';
import { expectValidationList, makeServer, UUID } from './helpers';
import { BASE, createSession, download, sendPart } from './upload-session-helpers';

describe('POST /blobs/upload-sessions', () => {
  it('answers a pending proxy session, with or without a body', async () => {
    const server = makeServer();
    const res = await server.http.post(BASE).send({ content_type: 'text/plain', size: 11, total_parts: 2 }).expect(200);
    const session = res.body as BlobUploadSession;
    expect(session.upload_id).toMatch(UUID);
    expect(session).toEqual({
      upload_id: session.upload_id,
      file_id: '',
      status: 'pending',
      upload_method: 'proxy',
      upload_url: `/blobs/upload-sessions/${session.upload_id}/content`,
      content_type: 'text/plain',
      size: 11,
      uploaded_size: 0,
      total_parts: 2,
      parts_received: [],
      expires_at: session.expires_at,
    });
    // A day after creation by default (the test clock's first reading is its start).
    expect(Date.parse(session.expires_at!) - Date.parse('2025-01-01T12:00:00.000Z')).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    const bare = (await server.http.post(BASE).expect(200)).body as BlobUploadSession;
    expect(bare).toMatchObject({ status: 'pending', size: null, total_parts: null, parts_received: [], uploaded_size: 0 });
    expect(bare).not.toHaveProperty('content_type');
    expect((await server.http.post(BASE).send({ content_type: null, size: null, total_parts: null }).expect(200)).body).toMatchObject({ size: null });
  });

  it.each([
    [{ size: 'big' }, 'size'],
    [{ size: -1 }, 'size'],
    [{ size: 1.5 }, 'size'],
    [{ total_parts: 0 }, 'total_parts'],
    [{ total_parts: 'two' }, 'total_parts'],
    [{ content_type: 42 }, 'content_type'],
  ])('refuses %j with 422 naming the field', async (body, field) => {
    const server = makeServer();
    const res = await server.http.post(BASE).send(body).expect(422);
    expectValidationList(res.body, ['body', field]);
  });

  it('refuses a body that is not an object (422 at body)', async () => {
    const server = makeServer();
    expectValidationList((await server.http.post(BASE).send([1, 2]).expect(422)).body, ['body']);
    expectValidationList((await server.http.post(BASE).set('Content-Type', 'application/json').send('"text"').expect(422)).body, ['body']);
  });
});

describe('proxy parts and finalize', () => {
  it('takes parts out of order and in parallel; the blob downloads byte-identical', async () => {
    const server = makeServer();
    const part = (n: number): Buffer => Buffer.alloc(70_000 + n, n);
    const { upload_id: id } = await createSession(server, { content_type: 'application/x-test', total_parts: 4 });
    const third = await sendPart(server, id, 3, part(3)).expect(200);
    expect(third.body).toMatchObject({ status: 'uploading', parts_received: [3], uploaded_size: 70_003 });
    await Promise.all([4, 1, 2].map((n) => sendPart(server, id, n, part(n)).expect(200)));
    const read = await server.http.get(`${BASE}/${id}`).expect(200);
    expect(read.body).toMatchObject({ status: 'uploading', parts_received: [1, 2, 3, 4], uploaded_size: 280_010 });

    const whole = Buffer.concat([1, 2, 3, 4].map(part));
    const finalized = await server.http.post(`${BASE}/${id}/finalize`).expect(200);
    expect(finalized.body).toEqual({ file_id: xxh3Hex(whole), size: whole.length, content_type: 'application/x-test' });
    expect(Buffer.compare(await download(server, finalized.body.file_id), whole)).toBe(0);
    expect((await server.http.get(`${BASE}/${id}`).expect(200)).body).toMatchObject({ status: 'finalized', file_id: xxh3Hex(whole), parts_received: [1, 2, 3, 4] });
  });

  it('a re-sent part below the next expected one is ignored; a later one replaces the earlier copy', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    await sendPart(server, id, 1, 'aa').expect(200);
    await sendPart(server, id, 3, 'cc').expect(200);
    const retry = await sendPart(server, id, 1, 'XXXXXX').expect(200);
    expect(retry.body).toMatchObject({ parts_received: [1, 3], uploaded_size: 4 });
    await sendPart(server, id, 3, 'CCC').expect(200);
    await sendPart(server, id, 2, 'bb').expect(200);
    const { body } = await server.http.post(`${BASE}/${id}/finalize`).expect(200);
    expect(body).toEqual({ file_id: xxh3Hex(Buffer.from('aabbCCC')), size: 7, content_type: 'application/octet-stream' });
    expect((await download(server, body.file_id)).toString()).toBe('aabbCCC');
  });

  it('finalize is 409 for nothing uploaded, gaps, a wrong count or size, and the session stays usable', async () => {
    const server = makeServer();
    const empty = await createSession(server);
    expect((await server.http.post(`${BASE}/${empty.upload_id}/finalize`).expect(409)).body.detail).toMatch(/no parts yet/);

    const gap = await createSession(server);
    await sendPart(server, gap.upload_id, 1, 'a').expect(200);
    await sendPart(server, gap.upload_id, 3, 'c').expect(200);
    expect((await server.http.post(`${BASE}/${gap.upload_id}/finalize`).expect(409)).body.detail).toMatch(/missing parts 2/);
    await sendPart(server, gap.upload_id, 2, 'b').expect(200);
    expect((await server.http.post(`${BASE}/${gap.upload_id}/finalize`).expect(200)).body.size).toBe(3);

    const counted = await createSession(server, { total_parts: 2 });
    await sendPart(server, counted.upload_id, 1, 'a').expect(200);
    expect((await server.http.post(`${BASE}/${counted.upload_id}/finalize`).expect(409)).body.detail).toMatch(/declared 2 parts but 1 arrived/);

    const sized = await createSession(server, { size: 5 });
    await sendPart(server, sized.upload_id, 1, 'abc').expect(200);
    expect((await server.http.post(`${BASE}/${sized.upload_id}/finalize`).expect(409)).body.detail).toMatch(/declared 5 bytes but its parts hold 3/);
    expect((await server.http.get(`${BASE}/${sized.upload_id}`).expect(200)).body).toMatchObject({ status: 'uploading', uploaded_size: 3 });
  });

  it('finalize twice is 409, as are parts and abort after it', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    await sendPart(server, id, 1, 'once').expect(200);
    await server.http.post(`${BASE}/${id}/finalize`).expect(200);
    expect((await server.http.post(`${BASE}/${id}/finalize`).expect(409)).body.detail).toBe(`Upload session '${id}' is already finalized`);
    await sendPart(server, id, 2, 'more').expect(409);
    await server.http.post(`${BASE}/${id}/abort`).expect(409);
  });

  it('abort answers 204 and drops the parts; a part or finalize after it is 409', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    await sendPart(server, id, 1, 'dropped').expect(200);
    const res = await server.http.post(`${BASE}/${id}/abort`).expect(204);
    expect(res.text).toBe('');
    await server.http.post(`${BASE}/${id}/abort`).expect(204);
    expect((await server.http.get(`${BASE}/${id}`).expect(200)).body).toMatchObject({ status: 'aborted', parts_received: [], uploaded_size: 0 });
    expect((await sendPart(server, id, 2, 'late').expect(409)).body.detail).toBe(`Upload session '${id}' was aborted`);
    await server.http.post(`${BASE}/${id}/finalize`).expect(409);
    expect(await server.spec.getBlobStore().uploads!.listParts(id)).toEqual([]);
  });

  it('an unknown session is 404 on every route', async () => {
    const server = makeServer();
    const id = '00000000-0000-4000-8000-000000000000';
    const detail = `Upload session '${id}' not found`;
    expect((await server.http.get(`${BASE}/${id}`).expect(404)).body).toEqual({ detail });
    expect((await sendPart(server, id, 1, 'x').expect(404)).body).toEqual({ detail });
    expect((await server.http.post(`${BASE}/${id}/finalize`).expect(404)).body).toEqual({ detail });
    expect((await server.http.post(`${BASE}/${id}/abort`).expect(404)).body).toEqual({ detail });
    await server.http.get(`${BASE}/..%2Fetc`).expect(404);
  });

  it('the routes answer 405 for other methods', async () => {
    const server = makeServer();
    const { upload_id: id } = await createSession(server);
    await server.http.delete(`${BASE}/${id}`).expect(405);
    await server.http.get(`${BASE}/${id}/finalize`).expect(405);
    await server.http.post(`${BASE}/${id}/content`).expect(405);
  });
});
