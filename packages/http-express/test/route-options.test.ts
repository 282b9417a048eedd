/**
 * The `routes` option: disabled families are gone from the router (404/405) and from the
 * document; a replaced handler runs under the route's path, guards and OpenAPI entry; added
 * templates are served per model (or a `when` subset) and documented; clashes are refused at
 * startup naming both routes.
 */
import express from 'express';
import request from 'supertest';
import { SpecStar } from '@specstar/core';
import { ConfigurationError } from '@specstar/interfaces';
import { createRouter, mount, openapi, pathParam, sendRecord, type HttpOptions, type RouteDeclaration } from '../src';
import { everyKindOfModel } from './fixtures/route-models';

type Json = Record<string, any>;

function serve(options: HttpOptions = {}): { http: ReturnType<typeof request>; spec: SpecStar } {
  const spec = everyKindOfModel();
  const app = express();
  mount(app, spec, options);
  return { http: request(app), spec };
}

const operations = (doc: Json): string[] =>
  Object.entries(doc.paths as Json).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));

/** `GET /{model}/{resource_id}/summary`: a template served for every model. */
const SUMMARY: RouteDeclaration = {
  name: 'summary',
  method: 'GET',
  path: '/{model}/{resource_id}/summary',
  handler: () => async (req, res, rm) => {
    const { data } = await rm.get(pathParam(req, 'resource_id'));
    sendRecord(res, { model: rm.name, keys: Object.keys(data as object) });
  },
  doc: ({ model }) => ({
    summary: `Summarise a ${model}`,
    operationId: `summarise_${model}`,
    parameters: [{ $ref: '#/components/parameters/resource_id' }],
    responses: { '200': { description: 'The summary', content: { 'application/json': { schema: { type: 'object' } } } } },
    errors: [404],
    itemScoped: true,
  }),
};

/** `POST /{model}/search`: a literal beside the built-ins' parameters, for `plain` only, with a JSON body. */
const SEARCH: RouteDeclaration = {
  name: 'search',
  method: 'POST',
  path: '/{model}/search',
  jsonBody: true,
  when: (_spec, model) => model === 'plain',
  handler: () => async (req, res) => {
    sendRecord(res, { echo: req.body });
  },
  doc: ({ model }) => ({
    summary: `Search ${model}`,
    operationId: `search_${model}`,
    parameters: [],
    requestBody: { required: true, content: { 'application/json': { schema: { type: 'object' } } } },
    responses: { '200': { description: 'Echo', content: { 'application/json': { schema: { type: 'object' } } } } },
    errors: [],
  }),
};

describe('routes.disable', () => {
  test('a disabled family answers 404/405 and is gone from the document; the rest is unchanged', async () => {
    const { http } = serve({ routes: { disable: ['delete', 'blobs', 'list'] } });
    const id = (await http.post('/plain').send({ name: 'a' }).expect(200)).body.resource_id as string;
    const res = await http.delete(`/plain/${id}`).expect(405);
    expect(res.body).toEqual({ detail: 'Method Not Allowed' });
    expect(res.headers['allow']).toBe('GET, PUT, PATCH');
    await http.get(`/plain/${id}`).expect(200);
    await http.delete(`/plain/${id}/permanently`).expect(200);
    // list family: GET /plain is gone (POST and DELETE stay), /plain/count is not read as a resource id
    expect((await http.get('/plain').expect(405)).headers['allow']).toBe('POST, DELETE');
    await http.get('/plain/count').expect(404, { detail: 'Not Found' });
    // blobs family: the global routes and the resource-gated download
    await http.get('/blobs/f0').expect(404, { detail: 'Not Found' });
    await http.post('/blobs/upload').expect(404, { detail: 'Not Found' });
    await http.get(`/media/${id}/blobs/f0`).expect(404, { detail: 'Not Found' });

    const doc = openapi(everyKindOfModel(), { routes: { disable: ['delete', 'blobs', 'list'] } }) as Json;
    const ops = operations(doc);
    const full = operations(openapi(everyKindOfModel()));
    const gone = full.filter((op) => !ops.includes(op));
    expect(gone.filter((op) => op.startsWith('DELETE /plain'))).toEqual(['DELETE /plain/{resource_id}']);
    expect(gone).toEqual(expect.arrayContaining(['GET /blobs/upload'.replace('GET', 'POST'), 'GET /blobs/{file_id}', 'GET /media/{resource_id}/blobs/{file_id}', 'GET /plain', 'GET /plain/count', 'GET /plain/full']));
    expect(ops.every((op) => full.includes(op))).toBe(true);
    expect(doc.paths['/plain'].post).toEqual((openapi(everyKindOfModel()) as Json).paths['/plain'].post);
  });

  test('an unknown family is a startup error listing the families', () => {
    expect(() => createRouter(new SpecStar(), { routes: { disable: ['nope'] } })).toThrow(ConfigurationError);
    expect(() => createRouter(new SpecStar(), { routes: { disable: ['nope'] } })).toThrow(/Unknown route family 'nope' in routes.disable; the families are: list, create, .*health, relationships$/);
    expect(() => openapi(new SpecStar(), { routes: { disable: ['nope'] } })).toThrow(ConfigurationError);
  });
});

describe('routes.replace', () => {
  test('the new handler runs with the same path, guard and body parsing; the OpenAPI entry is kept', async () => {
    const { http } = serve({
      routes: {
        replace: {
          read: () => async (req, res, rm) => sendRecord(res, { replaced: true, model: rm.name, id: pathParam(req, 'resource_id') }),
          create: () => async (req, res) => sendRecord(res, { body: req.body }),
        },
      },
    });
    expect((await http.get('/plain/p:1').expect(200)).body).toEqual({ replaced: true, model: 'plain', id: 'p:1' });
    // still yields the collection segments, and unknown models still fall through
    expect((await http.get('/plain/count').expect(200)).body).toBe(0);
    await http.get('/nothing/p:1').expect(404, { detail: 'Not Found' });
    expect((await http.post('/plain').send({ a: 1 }).expect(200)).body).toEqual({ body: { a: 1 } });
    await http.post('/plain').set('Origin', 'https://evil.example').set('Content-Type', 'text/plain').send('x').expect(403);
    const options = { routes: { replace: { read: () => async () => undefined } } };
    expect(JSON.stringify(openapi(everyKindOfModel(), options))).toBe(JSON.stringify(openapi(everyKindOfModel())));
  });

  test('an unknown or global route name is a startup error', () => {
    expect(() => createRouter(new SpecStar(), { routes: { replace: { reed: () => async () => undefined } } })).toThrow(/Unknown route 'reed' in routes.replace/);
    expect(() => createRouter(new SpecStar(), { routes: { replace: { relationships: () => async () => undefined } } })).toThrow(/Unknown route 'relationships'/);
  });
});

describe('routes.add', () => {
  test('a template is served for every model and documented after its built-in paths', async () => {
    const { http, spec } = serve({ routes: { add: [SUMMARY] } });
    for (const model of spec.resourceManagers.keys()) {
      if (model === 'render-job') continue;
      const id = (await http.post(`/${model}`).send({}).expect(200)).body.resource_id as string;
      expect((await http.get(`/${model}/${encodeURIComponent(id)}/summary`).expect(200)).body).toEqual({ model, keys: [] });
      expect((await http.post(`/${model}/${encodeURIComponent(id)}/summary`).expect(405)).headers['allow']).toBe('GET');
    }
    await http.get('/plain/plain:none/summary').expect(404, { detail: "Resource 'plain:none' not found." });
    await http.get('/nothing/x/summary').expect(404, { detail: 'Not Found' });

    const doc = openapi(spec, { routes: { add: [SUMMARY] }, deletedStatus: 410 }) as Json;
    const keys = Object.keys(doc.paths);
    for (const model of spec.resourceManagers.keys()) {
      const op = doc.paths[`/${model}/{resource_id}/summary`].get;
      expect(op).toMatchObject({ tags: [model], summary: `Summarise a ${model}`, operationId: `summarise_${model.replace('-', '_')}` });
      expect(Object.keys(op.responses)).toEqual(['200', '404', '410']);
      // after the model's own paths, before the next model's
      const at = keys.indexOf(`/${model}/{resource_id}/summary`);
      expect(keys[at - 1]!.startsWith(`/${model}/`)).toBe(true);
    }
    const plain = operations(openapi(spec));
    expect(operations(doc).filter((op) => !plain.includes(op))).toHaveLength(spec.resourceManagers.size);
  });

  test('a `when` subset: served and documented only there', async () => {
    const { http } = serve({ routes: { add: [SEARCH] } });
    expect((await http.post('/plain/search').send({ q: 1 }).expect(200)).body).toEqual({ echo: { q: 1 } });
    // elsewhere POST is not served there (the item routes are); GET still reads a resource 'search'
    expect((await http.post('/target/search').expect(405)).headers['allow']).toBe('GET, PUT, PATCH, DELETE');
    expect((await http.get('/plain/search').expect(404)).body.detail).toMatch(/Resource 'search' not found/);
    // the cross-site guard applies to templates as to the built-ins
    await http.post('/plain/search').set('Origin', 'https://evil.example').set('Content-Type', 'text/plain').send('x').expect(403);
    const doc = openapi(everyKindOfModel(), { routes: { add: [SEARCH] } }) as Json;
    expect(doc.paths['/plain/search'].post.operationId).toBe('search_plain');
    expect(doc.paths['/target/search']).toBeUndefined();
  });

  test('a broader template yields to the narrower built-ins, and the reverse', async () => {
    const action: RouteDeclaration = { ...SEARCH, name: 'action', path: '/{model}/{action}', when: undefined };
    const { http } = serve({ routes: { add: [action] } });
    expect((await http.post('/plain/anything').send({ a: 1 }).expect(200)).body).toEqual({ echo: { a: 1 } });
    expect((await http.post('/plain/restore').expect(200)).body).toEqual([]);
    await http.post('/plain/import').expect(400);
    expect((await http.post('/target/x').send({}).expect(200)).body).toEqual({ echo: {} });
  });

  test('the same path as a built-in, or crossing paths, is a startup error naming both', () => {
    const read: RouteDeclaration = { ...SUMMARY, name: 'myRead', path: '/{model}/{id}' };
    expect(() => createRouter(new SpecStar(), { routes: { add: [read] } })).toThrow(ConfigurationError);
    expect(() => createRouter(new SpecStar(), { routes: { add: [read] } })).toThrow(
      "Route template 'myRead' (GET /{model}/{id}) clashes with built-in route 'read' (GET /{model}/{resource_id})",
    );
    expect(() => mount(express(), new SpecStar(), { routes: { add: [read] } })).toThrow(/'myRead' .* clashes with built-in route 'read'/);
    expect(() => openapi(new SpecStar(), { routes: { add: [read] } })).toThrow(ConfigurationError);
    const restore: RouteDeclaration = { ...SEARCH, name: 'myRestore', path: '/{model}/restore', when: undefined };
    expect(() => createRouter(new SpecStar(), { routes: { add: [restore] } })).toThrow(/'myRestore' \(POST \/\{model\}\/restore\) clashes with built-in route 'batchRestore'/);
    const crossing: RouteDeclaration = { ...SUMMARY, name: 'crossing', path: '/{model}/search/{x}' };
    expect(() => createRouter(new SpecStar(), { routes: { add: [crossing] } })).toThrow(/'crossing' .* clashes with built-in route 'readFull' \(GET \/\{model\}\/\{resource_id\}\/full\)/);
    // with the built-in family off, the template takes its place
    expect(() => createRouter(new SpecStar(), { routes: { add: [read], disable: ['read'] } })).not.toThrow();
    // two templates with one path
    expect(() => createRouter(new SpecStar(), { routes: { add: [SUMMARY, { ...SUMMARY, name: 'again' }] } })).toThrow(/'again' .* clashes with route template 'summary'/);
  });

  test('a template in place of a disabled built-in is served and documented instead', async () => {
    const read: RouteDeclaration = { ...SUMMARY, name: 'myRead', path: '/{model}/{id}', handler: () => async (req, res) => sendRecord(res, { id: pathParam(req, 'id') }) };
    const { http } = serve({ routes: { add: [read], disable: ['read'] } });
    expect((await http.get('/plain/p:1').expect(200)).body).toEqual({ id: 'p:1' });
    expect((await http.get('/plain/count').expect(200)).body).toBe(0);
    const doc = openapi(everyKindOfModel(), { routes: { add: [read], disable: ['read'] } }) as Json;
    expect(doc.paths['/plain/{id}'].get.operationId).toBe('summarise_plain');
    expect(doc.paths['/plain/{resource_id}'].get).toBeUndefined();
  });

  test('names, methods and paths of templates are checked at startup', () => {
    const cases: Array<[Partial<RouteDeclaration>, RegExp]> = [
      [{ name: 'read' }, /name 'read' is already taken/],
      [{ path: '/x/{model}' }, /must have a path starting with \/\{model\}/],
      [{ path: '/{model}//x' }, /invalid segment ''/],
      [{ path: '/{model}/:id' }, /invalid segment ':id'/],
      [{ path: '/{model}/{a}/{a}' }, /names the parameter 'a' twice/],
      [{ method: 'TRACE' as never }, /unsupported method "TRACE"/],
    ];
    for (const [change, message] of cases) {
      expect(() => createRouter(new SpecStar(), { routes: { add: [{ ...SUMMARY, ...change }] } })).toThrow(message);
    }
  });
});
