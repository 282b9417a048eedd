// Wire details checked against the upstream server: error detail shapes for odd bodies, the key
// order of 422 list items, the not-found text, and the recorded trailing-slash and HEAD decisions.
import { makeServer, type TestServer } from './helpers';

describe('wire fidelity', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'a' }).expect(200)).body.resource_id;
  });

  it('not-found details end with a period', async () => {
    const res = await server.http.get('/item/item:nope').expect(404);
    expect(res.body).toEqual({ detail: "Resource 'item:nope' not found." });
  });

  it('a JSON null body on create and patch is the framework list "missing", like no body', async () => {
    const missing = { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] };
    const create = await server.http.post('/item').set('Content-Type', 'application/json').send('null').expect(422);
    expect(create.body).toEqual(missing);
    const patch = await server.http.patch(`/item/${id}`).set('Content-Type', 'application/json').send('null').expect(422);
    expect(patch.body).toEqual(missing);
    expect((await server.http.get(`/item/${id}/meta`).expect(200)).body.total_revision_count).toBe(1);
  });

  it('a JSON text sent as text/plain is a 422 string naming the content type, not the list', async () => {
    const res = await server.http.post('/item').set('Content-Type', 'text/plain').send('{"name":"x"}').expect(422);
    expect(res.body).toEqual({ detail: 'Request body must be JSON (Content-Type: application/json), got Content-Type: text/plain' });
  });

  it('422 list items order their keys type, loc, msg, input, ctx', async () => {
    const bad = await server.http.get('/item?limit=x').expect(422);
    expect(Object.keys(bad.body.detail[0])).toEqual(['type', 'loc', 'msg', 'input']);
    const negative = await server.http.get('/item?limit=-1').expect(422);
    expect(Object.keys(negative.body.detail[0])).toEqual(['type', 'loc', 'msg', 'input', 'ctx']);
    expect(JSON.stringify(negative.body)).toBe(
      '{"detail":[{"type":"greater_than_equal","loc":["query","limit"],"msg":"Input should be greater than or equal to 0","input":"-1","ctx":{"ge":0}}]}',
    );
  });

  it('a trailing slash is served like the path without it (no redirect)', async () => {
    const bare = await server.http.get('/item').expect(200);
    const slashed = await server.http.get('/item/').expect(200);
    expect(slashed.body).toEqual(bare.body);
    const item = await server.http.get(`/item/${id}/`).expect(200);
    expect(item.body.meta.resource_id).toBe(id);
  });

  it('HEAD on item routes answers as GET would, without a body', async () => {
    const get = await server.http.get(`/item/${id}`).expect(200);
    const head = await server.http.head(`/item/${id}`).expect(200);
    expect(head.headers['etag']).toBe(get.headers['etag']);
    expect(head.text).toBeUndefined();
    await server.http.head('/item/item:nope').expect(404);
  });
});
