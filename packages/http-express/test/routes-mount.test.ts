// mount / createRouter wiring: prefix, identity and clock defaults, OpenAPI and docs routes,
// models registered later, a standalone router, the wire encoding and If-Match parsing.
import express from 'express';
import request from 'supertest';
import { SpecStar, binary } from '@specstar/core';
import { createRouter, mount, parseIfMatch } from '../src';
import { toJsonText } from '../src/wire';
import { ArticleSchema, ItemSchema, WIRE_TIME, makeRegistry, makeServer } from './helpers';

describe('mount options', () => {
  it('serves everything under the prefix; outside it the app decides', async () => {
    const app = express();
    mount(app, makeRegistry(), { prefix: '/api/v1/' });
    app.use((_req, res) => {
      res.status(404).send('app fallback');
    });
    const http = request(app);
    const created = await http.post('/api/v1/item').send({ name: 'x' }).expect(200);
    await http.get(`/api/v1/item/${created.body.resource_id as string}`).expect(200);
    expect((await http.get('/api/v1/unknown/path/here').expect(404)).body).toEqual({ detail: 'Not Found' });
    expect((await http.get('/item').expect(404)).text).toBe('app fallback');
    const doc = await http.get('/api/v1/openapi.json').expect(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/api/v1/item');
  });

  it('writes act as anonymous at the wall clock without a provider', async () => {
    const app = express();
    mount(app, makeRegistry());
    const before = Date.now();
    const res = await request(app).post('/item').send({ name: 'x' }).expect(200);
    expect(res.body.created_by).toBe('anonymous');
    expect(res.body.created_time).toMatch(WIRE_TIME);
    expect(Date.parse(res.body.created_time)).toBeGreaterThanOrEqual(before - 1);
  });

  it("without a provider, the registry's or model's defaultUser and defaultNow apply", async () => {
    const fixed = new Date('2030-05-06T07:08:09.123Z');
    const spec = new SpecStar({ defaultUser: 'system', defaultNow: () => fixed });
    spec.addModel(ItemSchema, { name: 'item' });
    spec.addModel(ArticleSchema, { defaultUser: 'editor' });
    const app = express();
    mount(app, spec);
    const item = await request(app).post('/item').send({ name: 'x' }).expect(200);
    expect(item.body).toMatchObject({ created_by: 'system', created_time: '2030-05-06T07:08:09.123Z' });
    expect((await request(app).post('/article').send({ title: 't' }).expect(200)).body.created_by).toBe('editor');
  });

  it('a partial provider: an async getUser with the default clock', async () => {
    const app = express();
    mount(app, makeRegistry(), { dependencyProvider: { getUser: async (req) => `user-${req.get('X-Token') ?? 'none'}` } });
    const res = await request(app).post('/item').set('X-Token', '42').send({ name: 'x' }).expect(200);
    expect(res.body.created_by).toBe('user-42');
  });

  it('docs: false leaves out /openapi.json and /docs', async () => {
    const app = express();
    mount(app, makeRegistry(), { docs: false });
    await request(app).get('/openapi.json').expect(404);
    await request(app).get('/docs').expect(404);
  });

  it('serves Swagger UI at /docs', async () => {
    const { http } = makeServer();
    const res = await http.get('/docs/').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
  });

  it('models registered after mount are served, and the OpenAPI document follows them', async () => {
    const { spec, http } = makeServer();
    const before = await http.get('/openapi.json').expect(200);
    expect(Object.keys(before.body.paths)).not.toContain('/weapon');
    spec.addModel({ title: 'Weapon', type: 'object', properties: { damage: { type: 'integer' } } });
    await http.post('/weapon').send({ damage: 3 }).expect(200);
    expect((await http.get('/weapon/count').expect(200)).body).toBe(1);
    const after = await http.get('/openapi.json').expect(200);
    expect(Object.keys(after.body.paths)).toContain('/weapon');
  });

  it('OPTIONS on a model path lists the allowed methods (express answers it)', async () => {
    const { http } = makeServer();
    const res = await http.options('/item').expect(200);
    expect(res.headers['allow']!.split(/,\s*/).sort()).toEqual(['DELETE', 'GET', 'HEAD', 'POST']);
  });
});

describe('createRouter on its own', () => {
  it('parses its bodies, maps its errors and lets unknown paths through to the app', async () => {
    const app = express();
    app.use('/models', createRouter(makeRegistry()));
    app.use((_req, res) => {
      res.status(404).json({ app: 'fallback' });
    });
    const http = request(app);
    const created = await http.post('/models/item').send({ name: 'x' }).expect(200);
    expect(created.body.created_by).toBe('anonymous');
    expect((await http.get('/models/item/item:nope').expect(404)).body.detail).toContain('item:nope');
    expect((await http.post('/models/item').send({ name: 1 }).expect(422)).body.detail).toEqual(expect.any(String));
    expect((await http.get('/models/nothing').expect(404)).body).toEqual({ app: 'fallback' });
  });
});

describe('wire encoding', () => {
  it('bytes become base64, unset keys are omitted, nulls kept, instants get Z and milliseconds', () => {
    const text = toJsonText({ bytes: new Uint8Array([104, 105]), gone: undefined, none: null, at: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)) }, true);
    expect(text).toBe('{"bytes":"aGk=","none":null,"at":"2025-01-02T03:04:05.000Z"}');
  });

  it('Binary bytes of a msgpack model go to the blob store; reads show the reference, never data', async () => {
    const spec = new SpecStar();
    const docs = spec.addModel({ title: 'Doc', type: 'object', properties: { file: binary() } }, { encoding: 'msgpack' });
    const app = express();
    mount(app, spec);
    // headless bytes and wire base64 ("hi" and "hello") both become blob references
    const info = await docs.create({ file: { data: new Uint8Array([104, 105]), content_type: 'text/plain' } }, { user: 'u' });
    const read = (await request(app).get(`/doc/${info.resource_id}/data`).expect(200)).body;
    expect(read).toEqual({ file: { file_id: expect.any(String), size: 2, content_type: 'text/plain' } });
    const list = await request(app).get('/doc?returns=data').expect(200);
    expect(list.body).toEqual([{ data: read }]);
    const id = (await request(app).post('/doc').send({ file: { data: 'aGVsbG8=' } }).expect(200)).body.resource_id;
    const file = (await request(app).get(`/doc/${id}`).expect(200)).body.data.file;
    expect(file).toMatchObject({ file_id: expect.any(String), size: 5 });
    expect('data' in file).toBe(false);
    const bytes = await request(app).get(`/doc/${id}/blobs/${file.file_id}`).buffer(true).expect(200);
    expect(Buffer.from(bytes.body as Buffer).toString()).toBe('hello');
  });
});

describe('parseIfMatch', () => {
  it('reads revision ids, strong, weak and unquoted etags, lists and *', () => {
    expect(parseIfMatch(undefined)).toBeUndefined();
    expect(parseIfMatch('  ')).toBeUndefined();
    expect(parseIfMatch('*')).toEqual({ any: true });
    expect(parseIfMatch('item:1:2')).toEqual({ any: false, candidates: [{ revisionId: 'item:1:2' }] });
    const hash = `xxh3_128:${'a'.repeat(32)}`;
    expect(parseIfMatch(`"item:1:2@${hash}"`)).toEqual({ any: false, candidates: [{ revisionId: 'item:1:2', dataHash: hash }] });
    expect(parseIfMatch(`W/"item:1:2@${hash}", "item:1:3"`)).toEqual({
      any: false,
      candidates: [{ revisionId: 'item:1:2', dataHash: hash }, { revisionId: 'item:1:3' }],
    });
    // an @ that is not followed by a hash is part of the id
    expect(parseIfMatch('"user@example:1"')).toEqual({ any: false, candidates: [{ revisionId: 'user@example:1' }] });
  });
});
