/**
 * The route table is the one declaration of every route: what the Express router serves and
 * what the OpenAPI document lists must be the same set, for every kind of model and option.
 * Each (model, method, path) the router stack holds is requested; it must be served (an answer
 * other than the framework's 404/405) exactly when the document lists it.
 */
import express from 'express';
import request from 'supertest';
import type { SpecStar } from '@specstar/core';
import { mount, type HttpOptions } from '../src';
import { everyKindOfModel, stackRoutes } from './fixtures/route-models';

type Json = Record<string, any>;
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const PARAM_VALUES: Record<string, string> = { resource_id: 'x', revision_id: 'x:1', file_id: 'f0', upload_id: 'u0' };

/** A concrete path of an Express route path for one model. */
function concrete(path: string, model: string): string {
  return path.replace(/:(\w+)/g, (_all, name: string) => (name === 'model' ? model : (PARAM_VALUES[name] ?? 'v')));
}

/** `(METHOD path)` of every operation of the document, paths with the prefix removed. */
function documented(doc: Json, prefix: string): Set<string> {
  const out = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths as Json)) {
    for (const method of Object.keys(item)) out.add(`${method.toUpperCase()} ${path.slice(prefix.length)}`);
  }
  return out;
}

/** Whether the framework's 404/405 answered (the route is not served there). */
const frameworkAnswer = (res: request.Response): boolean =>
  res.status === 405 || (res.status === 404 && JSON.stringify(res.body) === JSON.stringify({ detail: 'Not Found' }));

async function servedAndDocumented(spec: SpecStar, options: HttpOptions): Promise<{ served: string[]; documented: string[] }> {
  const app = express();
  const router = mount(app, spec, options);
  const prefix = options.prefix ?? '';
  const http = request(app);
  const doc = (await http.get(`${prefix}/openapi.json`).expect(200)).body as Json;
  const routes = stackRoutes(router).filter(([, path]) => !path.startsWith('/openapi.json'));
  const served = new Set<string>();
  for (const [method, path] of routes) {
    const models = path.startsWith('/:model') ? [...spec.resourceManagers.keys()] : [''];
    for (const model of models) {
      const target = concrete(path, model);
      const res = await http[method.toLowerCase() as 'get'](`${prefix}${target}`);
      if (!frameworkAnswer(res)) served.add(`${method} ${target.replace(/\/f0$/, '/{file_id}').replace(/\/x:1$/, '/{revision_id}').replace(/\/x(?=\/|$)/, '/{resource_id}').replace(/\/u0(?=\/|$)/, '/{upload_id}')}`);
    }
  }
  return { served: [...served].sort(), documented: [...documented(doc, prefix)].sort() };
}

describe('the router and the OpenAPI document come from one table', () => {
  const variants: Array<[string, HttpOptions]> = [
    ['default options', {}],
    ['a prefix and 410 for deleted resources', { prefix: '/api/v1', deletedStatus: 410 }],
    ['the global blob routes off', { blobs: { download: false, upload: false } }],
  ];
  test.each(variants)('every served route is documented and the reverse: %s', async (_name, options) => {
    const { served, documented } = await servedAndDocumented(everyKindOfModel(), options);
    // The one declared exception: the resource-gated blob download is served for every model
    // (answering 404: no data of a model without Binary fields references a blob) and documented
    // only where the model has Binary fields.
    const undocumented = ['plain', 'target', 'linker', 'render-job'].map((model) => `GET /${model}/{resource_id}/blobs/{file_id}`);
    expect(served.filter((route) => !undocumented.includes(route))).toEqual(documented);
    expect(served).toEqual(expect.arrayContaining(undocumented));
    // Referrers exist for the referenced model only.
    expect(documented).toContain('GET /target/{resource_id}/referrers');
    expect(documented).not.toContain('GET /plain/{resource_id}/referrers');
    // Download, upload, and the five upload-session operations.
    expect(documented.filter((route) => / \/blobs\//.test(route))).toHaveLength(options.blobs ? 0 : 7);
  }, 60_000);

  test('the stack holds one Express route per path, every method of the path on it', () => {
    const router = mount(express(), everyKindOfModel());
    const paths = stackRoutes(router).map(([, path]) => path);
    const perPath = new Map<string, number>();
    for (const [method, path] of stackRoutes(router)) perPath.set(`${method} ${path}`, (perPath.get(`${method} ${path}`) ?? 0) + 1);
    expect([...perPath.values()].every((n) => n === 1)).toBe(true);
    expect(paths).toContain('/:model/:resource_id');
    for (const method of METHODS) expect(stackRoutes(router).some(([m]) => m === method)).toBe(true);
  });
});
