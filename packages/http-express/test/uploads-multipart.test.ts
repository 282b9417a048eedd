// Multipart bodies on every upload route (`/blobs/upload`, `/{model}/import`, `/_backup/import`):
// truncated, malformed, duplicated-part and oversized bodies get a 4xx naming the problem, the
// server keeps serving, and parts other than `file` (before or after it) are ignored.
import { PassThrough } from 'node:stream';
import type { SpecStar } from '@specstar/core';
import { createItems, makeRegistry, makeServer, type TestServer } from './helpers';
import { BOUNDARY, MULTIPART_TYPE, UNFINISHED_OTHER_PART, fieldPart, filePart, multipartBody } from './fixtures/multipart';

const ROUTES = ['/blobs/upload', '/item/import', '/_backup/import'] as const;

async function archiveOf(spec: SpecStar): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  await spec.dump(out);
  return Buffer.concat(chunks);
}

/** An archive holding two items named a and b. */
async function itemArchive(): Promise<Buffer> {
  const source = makeServer();
  await createItems(source.http, [{ name: 'a' }, { name: 'b' }]);
  return archiveOf(source.spec);
}

function post(server: TestServer, route: string, body: Buffer, contentType = MULTIPART_TYPE) {
  return server.http.post(route).set('Content-Type', contentType).send(body);
}

async function itemNames(server: TestServer): Promise<string[]> {
  const res = await server.http.get('/item/data?limit=100').expect(200);
  return (res.body as Array<{ name: string }>).map((item) => item.name).sort();
}

describe('malformed multipart bodies → 400, and the server keeps serving', () => {
  let server: TestServer;
  beforeEach(() => {
    server = makeServer();
  });

  it.each(ROUTES)('%s: a part other than `file` that ends without its closing boundary (the crash reproduction)', async (route) => {
    const res = await post(server, route, UNFINISHED_OTHER_PART).expect(400);
    expect(res.body).toEqual({ detail: 'Malformed multipart body: Unexpected end of form' });
    expect((await server.http.get('/item/count').expect(200)).body).toBe(0);
  });

  it.each(ROUTES)('%s: the `file` part itself cut off before its closing boundary → 400, nothing stored', async (route) => {
    const whole = multipartBody([filePart(await itemArchive())]);
    const cut = whole.subarray(0, whole.length - `\r\n--${BOUNDARY}--\r\n`.length);
    const res = await post(server, route, cut).expect(400);
    expect(res.body.detail).toMatch(/^Malformed multipart body: Unexpected end of (form|file)$/);
    expect(await itemNames(server)).toEqual([]);
  });

  it.each(ROUTES)('%s: no boundary parameter → 400', async (route) => {
    const res = await post(server, route, multipartBody([filePart('x')]), 'multipart/form-data').expect(400);
    expect(res.body).toEqual({ detail: 'Malformed multipart body: Multipart: Boundary not found' });
  });

  it.each(ROUTES)('%s: a part with headers and no blank line before the body end → 400', async (route) => {
    const body = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\nX-Junk: 1`);
    const res = await post(server, route, body).expect(400);
    expect(res.body.detail).toMatch(/^Malformed multipart body: /);
  });

  it.each(ROUTES)('%s: only junk, no delimiter at all → 400', async (route) => {
    const res = await post(server, route, Buffer.from('just some junk bytes\r\n\r\n')).expect(400);
    expect(res.body).toEqual({ detail: 'Malformed multipart body: Unexpected end of form' });
  });

  it.each(ROUTES)('%s: a well-formed body with only other parts → 422 naming `file`', async (route) => {
    const res = await post(server, route, multipartBody([fieldPart('note', 'x'), filePart('y', 'upload')])).expect(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'file'] });
  });
});

describe('two `file` parts → 400 naming the part', () => {
  const DUPLICATE = "Multipart body has more than one 'file' part: send exactly one";

  it('blob upload: 400 and neither content is stored', async () => {
    const server = makeServer();
    const res = await post(server, '/blobs/upload', multipartBody([filePart('first'), filePart('second')])).expect(400);
    expect(res.body).toEqual({ detail: DUPLICATE });
    // Blob ids are content hashes: another server tells what they would be.
    const other = makeServer();
    for (const content of ['first', 'second']) {
      const alone = await post(other, '/blobs/upload', multipartBody([filePart(content)])).expect(200);
      await server.http.get(`/blobs/${alone.body.file_id}`).expect(404);
    }
  });

  it.each(['/item/import', '/_backup/import'])('%s: 400, and a small archive loads nothing', async (route) => {
    const archive = await itemArchive();
    const server = makeServer();
    const res = await post(server, route, multipartBody([filePart(archive), filePart(archive)])).expect(400);
    expect(res.body).toEqual({ detail: DUPLICATE });
    expect(await itemNames(server)).toEqual([]);
  });
});

describe('parts other than `file` are ignored, before and after it', () => {
  it('import: fields and other files around `file` → the archive loads', async () => {
    const archive = await itemArchive();
    const server = makeServer({ spec: makeRegistry() });
    const body = multipartBody([fieldPart('note', 'before'), filePart('not an archive', 'other'), filePart(archive), fieldPart('after', 'x'), filePart('zzz', 'extra')]);
    const res = await post(server, '/item/import', body).expect(200);
    expect(res.body).toEqual({ loaded: 2, skipped: 0, total: 2 });
    expect(await itemNames(server)).toEqual(['a', 'b']);
  });

  it('blob upload: the `file` part is stored, the others are not', async () => {
    const server = makeServer();
    const body = multipartBody([filePart('decoy', 'other'), filePart('the bytes'), fieldPart('after', 'x')]);
    const res = await post(server, '/blobs/upload', body).expect(200);
    expect(res.body.size).toBe(9);
    const bytes = await server.http.get(`/blobs/${res.body.file_id}`).expect(200);
    expect(Buffer.from(bytes.body as Buffer).toString()).toBe('the bytes');
  });
});

describe('oversized multipart bodies → 413', () => {
  it('a `file` part over maxUploadSize, followed by more parts', async () => {
    const server = makeServer({ http: { maxUploadSize: 8 } });
    const res = await post(server, '/blobs/upload', multipartBody([filePart('123456789'), fieldPart('after', 'x')])).expect(413);
    expect(res.body).toEqual({ detail: 'Request body is larger than the limit of 8 bytes' });
    expect((await server.http.get('/item/count').expect(200)).body).toBe(0);
  });

  it('many large fields are not buffered: a field value over the field size cap does not fail the upload', async () => {
    const server = makeServer();
    const body = multipartBody([fieldPart('big', 'x'.repeat(64 * 1024)), filePart('ok')]);
    const res = await post(server, '/blobs/upload', body).expect(200);
    expect(res.body.size).toBe(2);
  });
});
