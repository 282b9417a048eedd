// Backups over HTTP: per-model and global export/import of `.acbak`
// archives, multipart and raw bodies, on_duplicate, size limits, and the round trip into a
// fresh app (metas, revisions and blob bytes equal).
import type request from 'supertest';
import { binary, SpecStar } from '@specstar/core';
import { createItems, makeRegistry, makeServer, type TestServer } from './helpers';

/** Collects an octet-stream response body as a Buffer. */
function binaryParser(res: request.Response, callback: (error: Error | null, body: Buffer) => void): void {
  const stream = res as unknown as NodeJS.ReadableStream; // superagent hands parsers the raw response stream
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  stream.on('end', () => callback(null, Buffer.concat(chunks)));
}

async function download(server: TestServer, path: string): Promise<{ res: request.Response; archive: Buffer }> {
  const res = await server.http.get(path).buffer(true).parse(binaryParser).expect(200);
  return { res, archive: res.body as Buffer };
}

function postRaw(server: TestServer, path: string, archive: Buffer) {
  return server.http.post(path).set('Content-Type', 'application/octet-stream').send(archive);
}

function postFile(server: TestServer, path: string, archive: Buffer) {
  return server.http.post(path).attach('file', archive, 'backup.acbak');
}

/** Every meta of a model, live and deleted, by id. */
async function allMetas(server: TestServer, model: string): Promise<unknown[]> {
  const res = await server.http.get(`/${model}/meta?is_deleted=&limit=1000`).expect(200);
  return (res.body as Array<{ resource_id: string }>).sort((a, b) => (a.resource_id < b.resource_id ? -1 : 1));
}

async function revisions(server: TestServer, model: string, id: string): Promise<unknown> {
  return (await server.http.get(`/${model}/${id}/revision-list?include_deleted=true&limit=100`).expect(200)).body;
}

/** Two items (one updated to a second revision, one soft-deleted) and one article. */
async function seed(server: TestServer): Promise<{ items: string[]; article: string }> {
  const items = await createItems(server.http, [{ name: 'a', value: 1 }, { name: 'b', value: 2 }]);
  await server.http.put(`/item/${items[0]}`).send({ name: 'a', value: 10 }).expect(200);
  await server.http.delete(`/item/${items[1]}`).expect(200);
  const article = (await server.http.post('/article').send({ title: 't' }).expect(200)).body.resource_id as string;
  return { items, article };
}

describe('GET /{model}/export and POST /{model}/import', () => {
  let source: TestServer;
  let items: string[];
  beforeEach(async () => {
    source = makeServer();
    ({ items } = await seed(source));
  });

  it('exports every resource (live and deleted) as an attachment; a fresh app imports it (raw body) with equal metas and revisions', async () => {
    const { res, archive } = await download(source, '/item/export');
    expect(res.headers['content-type']).toBe('application/octet-stream');
    expect(res.headers['content-disposition']).toBe('attachment; filename="item.acbak"');
    expect(archive.readUInt32BE(0)).toBeGreaterThan(0); // framed: a length, then the header record

    const target = makeServer();
    expect((await postRaw(target, '/item/import', archive).expect(200)).body).toEqual({ loaded: 2, skipped: 0, total: 2 });
    expect(await allMetas(target, 'item')).toEqual(await allMetas(source, 'item'));
    for (const id of items) expect(await revisions(target, 'item', id)).toEqual(await revisions(source, 'item', id));
    expect(((await revisions(target, 'item', items[0]!)) as { total: number }).total).toBe(2);
    // only the item section was in the archive
    expect((await target.http.get('/article/count?is_deleted=').expect(200)).body).toBe(0);
  });

  it('multipart part `file` works the same; a body without it → 422', async () => {
    const { archive } = await download(source, '/item/export');
    const target = makeServer();
    expect((await postFile(target, '/item/import', archive).expect(200)).body).toEqual({ loaded: 2, skipped: 0, total: 2 });
    const missing = await target.http.post('/item/import').field('other', 'x').expect(422);
    expect(missing.body.detail[0].loc).toEqual(['body', 'file']);
  });

  it('on_duplicate: overwrite (default) reloads, skip leaves existing ones, raise_error → 409, anything else → 400', async () => {
    const { archive } = await download(source, '/item/export');
    expect((await postRaw(source, '/item/import', archive).expect(200)).body).toEqual({ loaded: 2, skipped: 0, total: 2 });
    expect((await postRaw(source, '/item/import?on_duplicate=skip', archive).expect(200)).body).toEqual({ loaded: 0, skipped: 2, total: 2 });
    const dup = await postRaw(source, '/item/import?on_duplicate=raise_error', archive).expect(409);
    expect(dup.body.detail).toMatch(/^Duplicate resource 'item:[^']+' already exists during load\.$/);
    const bad = await postRaw(source, '/item/import?on_duplicate=replace', archive).expect(400);
    expect(bad.body).toEqual({ detail: 'Invalid on_duplicate: replace. Must be one of: overwrite, skip, raise_error' });
  });

  it('skip keeps the existing resource untouched', async () => {
    const { archive } = await download(source, '/item/export');
    await source.http.put(`/item/${items[0]}`).send({ name: 'changed', value: 3 }).expect(200);
    const before = await revisions(source, 'item', items[0]!);
    await postRaw(source, '/item/import?on_duplicate=skip', archive).expect(200);
    expect(await revisions(source, 'item', items[0]!)).toEqual(before);
  });

  it('per-model import loads only its own section of a global archive ({0,0,0} without one)', async () => {
    const { archive } = await download(source, '/_backup/export');
    const target = makeServer();
    expect((await postRaw(target, '/article/import', archive).expect(200)).body).toEqual({ loaded: 1, skipped: 0, total: 1 });
    expect((await target.http.get('/item/count?is_deleted=').expect(200)).body).toBe(0);
    expect((await postRaw(target, '/member/import', archive).expect(200)).body).toEqual({ loaded: 0, skipped: 0, total: 0 });
  });

  it('an empty body, garbage, a truncated archive → 400; nothing is loaded from garbage', async () => {
    const target = makeServer();
    const empty = await target.http.post('/item/import').set('Content-Type', 'application/octet-stream').expect(400);
    expect(empty.body.detail).toMatch(/^Empty import/);
    await postFile(target, '/item/import', Buffer.alloc(0)).expect(400, { detail: empty.body.detail });
    await postRaw(target, '/item/import', Buffer.from('this is no archive at all')).expect(400);
    expect((await target.http.get('/item/count?is_deleted=').expect(200)).body).toBe(0);
    // A cut-off end record is reported; the section completed before it stays loaded (not transactional).
    const { archive } = await download(source, '/item/export');
    const truncated = await postRaw(target, '/item/import', archive.subarray(0, archive.length - 3)).expect(400);
    expect(truncated.body.detail).toMatch(/[Tt]runcated/);
  });

  it('an archive over maxArchiveSize → 413 (raw and multipart); other body types → 415', async () => {
    const { archive } = await download(source, '/item/export');
    const small = makeServer({ http: { maxArchiveSize: archive.length - 1 } });
    await postRaw(small, '/item/import', archive).expect(413);
    await postFile(small, '/item/import', archive).expect(413);
    expect((await small.http.get('/item/count?is_deleted=').expect(200)).body).toBe(0);
    const roomy = makeServer({ http: { maxArchiveSize: archive.length } });
    await postRaw(roomy, '/item/import', archive).expect(200);
    await roomy.http.post('/item/import').send({ archive: 'json' }).expect(415);
  });

  it('qb selects what is exported (deleted matches too unless is_deleted is sent); a bad qb → 400 before any byte', async () => {
    const qb = encodeURIComponent("QB['value'] >= 2");
    const target = makeServer();
    const both = (await download(source, `/item/export?qb=${qb}`)).archive;
    expect((await postRaw(target, '/item/import', both).expect(200)).body).toEqual({ loaded: 2, skipped: 0, total: 2 });
    const live = (await download(source, `/item/export?qb=${qb}&is_deleted=false`)).archive;
    expect((await postRaw(makeServer(), '/item/import', live).expect(200)).body).toEqual({ loaded: 1, skipped: 0, total: 1 });
    const bad = await source.http.get('/item/export?qb=nonsense(').expect(400);
    expect(bad.body.detail).toMatch(/^Invalid QB expression: /);
    expect(bad.headers['content-disposition']).toBeUndefined();
    await source.http.get(`/item/export?qb=${qb}&sorts=[]`).expect(422);
  });

  it('export is a reserved segment: never read as a resource id', async () => {
    const res = await source.http.get('/item/export').buffer(true).parse(binaryParser).expect(200);
    expect(res.headers['content-disposition']).toBe('attachment; filename="item.acbak"');
  });
});

describe('GET /_backup/export and POST /_backup/import', () => {
  it('round trip of every model, blobs included: metas, revisions and blob bytes equal in a fresh app', async () => {
    const build = (): SpecStar => {
      const spec = makeRegistry();
      spec.addModel({ title: 'Doc', type: 'object', properties: { file: binary() } });
      return spec;
    };
    const source = makeServer({ spec: build() });
    const { items } = await seed(source);
    const doc = (await source.http.post('/doc').send({ file: { data: Buffer.from('blob bytes').toString('base64'), content_type: 'text/plain' } }).expect(200))
      .body.resource_id as string;
    const file = (await source.http.get(`/doc/${doc}/data`).expect(200)).body.file as { file_id: string };

    const { res, archive } = await download(source, '/_backup/export');
    expect(res.headers['content-disposition']).toBe('attachment; filename="backup.acbak"');
    const target = makeServer({ spec: build() });
    const stats = await postFile(target, '/_backup/import', archive).expect(200);
    expect(stats.body).toEqual({
      item: { loaded: 2, skipped: 0, total: 2 },
      article: { loaded: 1, skipped: 0, total: 1 },
      member: { loaded: 0, skipped: 0, total: 0 },
      doc: { loaded: 1, skipped: 0, total: 1 },
    });
    for (const model of ['item', 'article', 'doc']) expect(await allMetas(target, model)).toEqual(await allMetas(source, model));
    for (const id of items) expect(await revisions(target, 'item', id)).toEqual(await revisions(source, 'item', id));
    const bytes = await target.http.get(`/doc/${doc}/blobs/${file.file_id}`).expect(200);
    expect(bytes.text).toBe('blob bytes');
  });

  it('models selects sections (repeatable); unknown names → 400 listing them sorted', async () => {
    const source = makeServer();
    await seed(source);
    const { archive } = await download(source, '/_backup/export?models=article');
    expect((await postRaw(makeServer(), '/_backup/import', archive).expect(200)).body).toEqual({ article: { loaded: 1, skipped: 0, total: 1 } });
    const bad = await source.http.get('/_backup/export?models=item&models=zeta&models=alpha').expect(400);
    expect(bad.body).toEqual({ detail: 'Unknown model(s): alpha, zeta' });
  });

  it('a section of an unregistered model → 400; a duplicate under raise_error → 409; bad on_duplicate → 400', async () => {
    const source = makeServer();
    await seed(source);
    const { archive } = await download(source, '/_backup/export');
    const spec = new SpecStar();
    spec.addModel({ title: 'Item', type: 'object' });
    const partial = makeServer({ spec });
    const unknown = await postRaw(partial, '/_backup/import', archive).expect(400);
    expect(unknown.body.detail).toMatch(/article/);
    const dup = await postRaw(source, '/_backup/import?on_duplicate=raise_error', archive).expect(409);
    expect(dup.body.detail).toMatch(/already exists during load\.$/);
    await postRaw(source, '/_backup/import?on_duplicate=nope', archive).expect(400, {
      detail: 'Invalid on_duplicate: nope. Must be one of: overwrite, skip, raise_error',
    });
  });

  it('other methods → 405', async () => {
    const server = makeServer();
    expect((await server.http.post('/_backup/export').expect(405)).headers['allow']).toBe('GET');
    expect((await server.http.get('/_backup/import').expect(405)).headers['allow']).toBe('POST');
  });
});
