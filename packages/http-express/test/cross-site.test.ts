// The cross-site write rule: every state-changing route refuses a browser request from another
// origin (Sec-Fetch-Site or Origin) unless the origin is in allowedOrigins or the request is
// JSON (preflighted). Same-origin pages and non-browser clients are unaffected. Each family of
// write route is tried with each kind of caller; a refused request changes nothing.
import type request from 'supertest';
import { createItems, makeServer, type TestServer } from './helpers';

const EVIL = 'https://evil.example';
const APP = 'https://app.example';
const OWN_HOST = 'api.example';

interface Caller {
  name: string;
  headers: Record<string, string>;
  allowed: boolean;
}

const CALLERS: Caller[] = [
  { name: 'a cross-site page (Sec-Fetch-Site: cross-site)', headers: { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL }, allowed: false },
  { name: 'a page on another origin (Origin only)', headers: { Origin: EVIL }, allowed: false },
  { name: 'a sibling subdomain (Sec-Fetch-Site: same-site)', headers: { 'Sec-Fetch-Site': 'same-site', Origin: `https://evil.${OWN_HOST}` }, allowed: false },
  { name: 'a sandboxed page (Origin: null)', headers: { Origin: 'null' }, allowed: false },
  { name: 'an allowed origin', headers: { 'Sec-Fetch-Site': 'cross-site', Origin: APP }, allowed: true },
  { name: 'a same-origin page (Sec-Fetch-Site)', headers: { 'Sec-Fetch-Site': 'same-origin', Origin: `https://${OWN_HOST}` }, allowed: true },
  { name: 'a same-origin page (Origin matches Host, no Sec-Fetch-Site)', headers: { Origin: `https://${OWN_HOST}` }, allowed: true },
  { name: 'a non-browser client (no Origin, no Sec-Fetch-Site)', headers: {}, allowed: true },
];

/** A write route family: how to set it up, send it as a plain form would, and see that nothing changed. */
interface Family {
  name: string;
  setup(server: TestServer): Promise<Record<string, string>>;
  send(server: TestServer, ctx: Record<string, string>): request.Test;
  /** The status the route itself answers when the guard lets the request through. */
  okStatus: number;
  /** Observable state the request would change, read after it. */
  state(server: TestServer, ctx: Record<string, string>): Promise<unknown>;
}

let archive: Buffer;
let globalArchive: Buffer;
/** The content-addressed id the upload family's bytes get. */
let blobId: string;

beforeAll(async () => {
  const source = makeServer();
  await createItems(source.http, [{ name: 'imported' }]);
  const read = async (path: string): Promise<Buffer> => {
    const res = await source.http
      .get(path)
      .buffer(true)
      .parse((stream, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return res.body as Buffer;
  };
  archive = await read('/item/export');
  globalArchive = await read('/_backup/export');
  blobId = (await source.spec.getBlobStore().put(BLOB)).file_id!;
});

const itemCount = async (server: TestServer): Promise<unknown> => (await server.http.get('/item/count?is_deleted=').expect(200)).body;
const metaOf = async (server: TestServer, id: string | undefined): Promise<unknown> =>
  (await server.http.get(`/item/${id}/meta?include_deleted=true`).expect(200)).body;
const oneItem = async (server: TestServer): Promise<Record<string, string>> => {
  const [id] = await createItems(server.http, [{ name: 'kept', value: 1 }]);
  return { id: id! };
};
const deletedItem = async (server: TestServer): Promise<Record<string, string>> => {
  const ctx = await oneItem(server);
  await server.http.delete(`/item/${ctx.id}`).expect(200);
  return ctx;
};
const BLOB = Buffer.from('<html><script>alert(1)</script></html>');

const FAMILIES: Family[] = [
  {
    name: 'create (POST /{model}, text/plain body)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/item').set('Content-Type', 'text/plain').send('{"name":"forged"}'),
    okStatus: 422, // a text/plain body is no JSON body: the route's own answer
    state: itemCount,
  },
  {
    name: 'put (PUT /{model}/{id})',
    setup: oneItem,
    send: ({ http }, { id }) => http.put(`/item/${id}`).set('Content-Type', 'text/plain').send('{"name":"forged"}'),
    okStatus: 422,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'patch (PATCH /{model}/{id})',
    setup: oneItem,
    send: ({ http }, { id }) => http.patch(`/item/${id}`).set('Content-Type', 'application/x-www-form-urlencoded').send('name=forged'),
    okStatus: 422,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'delete (DELETE /{model}/{id})',
    setup: oneItem,
    send: ({ http }, { id }) => http.delete(`/item/${id}`),
    okStatus: 200,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'restore (POST /{model}/{id}/restore, no body)',
    setup: deletedItem,
    send: ({ http }, { id }) => http.post(`/item/${id}/restore`),
    okStatus: 200,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'batch restore (POST /{model}/restore)',
    setup: deletedItem,
    send: ({ http }) => http.post('/item/restore'),
    okStatus: 200,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'batch delete (DELETE /{model})',
    setup: oneItem,
    send: ({ http }) => http.delete('/item'),
    okStatus: 200,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'switch (POST /{model}/{id}/switch/{revision})',
    setup: async (server) => {
      const ctx = await oneItem(server);
      await server.http.put(`/item/${ctx.id}`).send({ name: 'second' }).expect(200);
      return ctx;
    },
    send: ({ http }, { id }) => http.post(`/item/${id}/switch/${encodeURIComponent(`${id}:1`)}`),
    okStatus: 200,
    state: (server, { id }) => metaOf(server, id),
  },
  {
    name: 'permanently (DELETE /{model}/{id}/permanently)',
    setup: oneItem,
    send: ({ http }, { id }) => http.delete(`/item/${id}/permanently`),
    okStatus: 200,
    state: (server, { id }) => server.http.get(`/item/${id}/meta?include_deleted=true`).then((res) => res.status),
  },
  {
    name: 'model import, multipart (POST /{model}/import)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/item/import').attach('file', archive, { filename: 'export.acbak', contentType: 'text/plain' }),
    okStatus: 200,
    state: itemCount,
  },
  {
    name: 'model import, raw body (POST /{model}/import)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/item/import').set('Content-Type', 'application/octet-stream').send(archive),
    okStatus: 200,
    state: itemCount,
  },
  {
    name: 'global import, multipart (POST /_backup/import)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/_backup/import').attach('file', globalArchive, { filename: 'export.acbak', contentType: 'text/plain' }),
    okStatus: 200,
    state: itemCount,
  },
  {
    name: 'global import, raw body (POST /_backup/import)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/_backup/import').set('Content-Type', 'application/octet-stream').send(globalArchive),
    okStatus: 200,
    state: itemCount,
  },
  {
    name: 'blob upload (POST /blobs/upload)',
    setup: async () => ({}),
    send: ({ http }) => http.post('/blobs/upload').attach('file', BLOB, { filename: 'x.html', contentType: 'text/html' }),
    okStatus: 200,
    state: (server) => server.spec.getBlobStore().exists(blobId),
  },
];

describe.each(FAMILIES)('$name', (family) => {
  it.each(CALLERS)('from $name', async (caller) => {
    const server = makeServer({ http: { allowedOrigins: [APP] } });
    const ctx = await family.setup(server);
    const before = await family.state(server, ctx);
    const res = await family.send(server, ctx).set('Host', OWN_HOST).set(caller.headers);
    if (caller.allowed) {
      expect(res.status).toBe(family.okStatus);
      return;
    }
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.body.detail).toMatch(/^Cross-site request refused: [A-Z]+ from origin ".+"\. Send the request with Content-Type: application\/json/);
    expect(res.body.detail).toContain('allowedOrigins');
    expect(await family.state(server, ctx)).toEqual(before);
  });
});

describe('what passes the guard', () => {
  const crossSite = { 'Sec-Fetch-Site': 'cross-site', Origin: EVIL };

  it('a cross-site JSON request passes (the browser preflighted it; CORS decided)', async () => {
    const { http } = makeServer();
    const created = await http.post('/item').set(crossSite).send({ name: 'preflighted' }).expect(200);
    const id = created.body.resource_id as string;
    await http.patch(`/item/${id}`).set(crossSite).set('Content-Type', 'application/merge-patch+json').send('{"value":2}').expect(200);
    await http.post(`/item/${id}/restore`).set(crossSite).set('Content-Type', 'application/json').expect(200);
  });

  it('a JSON-looking Content-Type that is really a simple one does not pass', async () => {
    const { http } = makeServer();
    await http.post('/item').set(crossSite).set('Content-Type', 'text/plain; application/json').send('{"name":"x"}').expect(403);
    await http.post('/item').set(crossSite).set('Content-Type', 'application/jsonp').send('{"name":"x"}').expect(403);
    expect((await http.get('/item/count').expect(200)).body).toBe(0);
  });

  it('reads are never refused', async () => {
    const { http } = makeServer();
    await http.get('/item').set(crossSite).expect(200);
    await http.get('/item/count').set(crossSite).expect(200);
    await http.get('/_health').set(crossSite).expect(200);
  });

  it('paths of models that do not exist fall through untouched, so the app routes after the router still get their forms', async () => {
    const { http } = makeServer();
    const res = await http.post('/login').set(crossSite).set('Content-Type', 'application/x-www-form-urlencoded').send('a=b').expect(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });

  it('a predicate decides for allowedOrigins given as a function', async () => {
    const { http } = makeServer({ http: { allowedOrigins: (origin) => origin.endsWith('.trusted.example') } });
    await http.delete('/item').set({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://a.trusted.example' }).expect(200);
    await http.delete('/item').set({ 'Sec-Fetch-Site': 'cross-site', Origin: 'https://trusted.example.evil' }).expect(403);
  });

  it('an allowedOrigins entry that is not an origin is a setup error naming the option', () => {
    for (const bad of ['https://app.example/', 'app.example', 'https://app.example/path', '*']) {
      expect(() => makeServer({ http: { allowedOrigins: [bad] } })).toThrow(/allowedOrigins/);
    }
  });
});
