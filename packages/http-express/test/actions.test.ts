/*
 * Custom actions over HTTP without a queue: `POST /{model}/{action}` and
 * `POST /{model}/{resource_id}/{action}` in sync and background mode — input from body, query
 * and path, errors through the shared mapping, If-Match, shadowed names refused at startup.
 */
import express from 'express';
import request from 'supertest';
import { SpecStar, unique } from '@specstar/core';
import { ConfigurationError, PermissionDeniedError, ValidationError } from '@specstar/interfaces';
import { mount, type HttpOptions, type Logger } from '../src';
import { StepClock } from './helpers';

const ArticleSchema = {
  title: 'Article',
  type: 'object',
  properties: { title: { type: 'string' }, body: { type: 'string', default: '' }, slug: unique({ type: 'string' }), words: { type: 'integer', default: 0 } },
  required: ['title'],
};
const DraftInput = {
  type: 'object',
  properties: { title: { type: 'string' }, words: { type: 'integer', default: 3 }, slug: { type: 'string' }, loud: { type: 'boolean' } },
  required: ['title'],
};
interface Article {
  title: string;
  body: string;
  slug?: string;
  words: number;
}

function app(spec: SpecStar, options: HttpOptions = {}) {
  const server = express();
  const clock = new StepClock();
  mount(server, spec, { dependencyProvider: { getUser: (req) => req.get('X-User') ?? 'tester', getNow: () => clock.now() }, ...options });
  return request(server);
}

function registry(): SpecStar {
  const spec = new SpecStar();
  spec.addModel(ArticleSchema);
  return spec;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('sync create actions', () => {
  const spec = registry();
  spec.createAction<{ title: string; words: number; slug?: string; loud?: boolean }, Article>('article', { input: DraftInput })(async function draft_article(input) {
    if (input.title === 'skip') return null;
    return { title: input.loud === true ? input.title.toUpperCase() : input.title, body: '', words: input.words, slug: input.slug };
  });
  spec.createAction('article', { path: '{slug}/new', input: DraftInput })(async function by_slug(input: { title: string; slug: string }) {
    return { title: input.title, slug: input.slug };
  });
  spec.createAction('article')(async function blank() {
    return { title: 'blank' };
  });
  const http = app(spec);
  const articles = spec.getResourceManager<Article>('article');

  it('200 RevisionInfo written as the caller, with its ETag; the handler name gives the path', async () => {
    const res = await http.post('/article/draft-article').set('X-User', 'ann').send({ title: 'Hello' }).expect(200);
    expect(res.body).toMatchObject({ revision_id: `${res.body.resource_id as string}:1`, created_by: 'ann', status: 'stable' });
    expect(res.headers['etag']).toBe(`"${res.body.revision_id as string}@${res.body.data_hash as string}"`);
    expect((await articles.get(res.body.resource_id as string)).data).toEqual({ title: 'Hello', body: '', words: 3 });
  });

  it('a null result answers 200 null and writes nothing', async () => {
    const before = await articles.count();
    const res = await http.post('/article/draft-article').send({ title: 'skip' }).expect(200);
    expect(res.text).toBe('null');
    expect(await articles.count()).toBe(before);
  });

  it('query and path parameters arrive in the input, typed as declared', async () => {
    const res = await http.post('/article/draft-article?words=7&loud=yes&ignored=1').send({ title: 'q' }).expect(200);
    expect((await articles.get(res.body.resource_id as string)).data).toMatchObject({ title: 'Q', words: 7 });
    const bySlug = await http.post('/article/my-slug/new').send({ title: 'p' }).expect(200);
    expect((await articles.get(bySlug.body.resource_id as string)).data).toMatchObject({ title: 'p', slug: 'my-slug' });
  });

  it('422 naming the field for a missing or wrong-typed input; nothing is written', async () => {
    const before = await articles.count();
    const missing = await http.post('/article/draft-article').send({ words: 2 }).expect(422);
    expect(missing.body.detail).toBe("Invalid input for action 'draft-article': /title is required");
    const wrong = await http.post('/article/draft-article?words=many').send({ title: 'x' }).expect(422);
    expect(wrong.body.detail).toContain('/words must be integer');
    await http.post('/article/draft-article').expect(422); // no body: the required field is missing
    expect(await articles.count()).toBe(before);
  });

  it('an action without input takes an empty body with no content type', async () => {
    const res = await http.post('/article/blank').expect(200);
    expect(res.body.created_by).toBe('tester');
  });

  it('a body that is neither JSON nor a form is 415', async () => {
    await http.post('/article/draft-article').set('Content-Type', 'text/plain').send('title=x').expect(415);
  });

  it('a unique conflict caused by the write is 409 with the structured detail', async () => {
    await http.post('/article/draft-article').send({ title: 'a', slug: 'taken' }).expect(200);
    const res = await http.post('/article/draft-article').send({ title: 'b', slug: 'taken' }).expect(409);
    expect(res.body.detail).toMatchObject({ field: 'slug', code: 'UNIQUE_CONSTRAINT' });
  });

  it('without a dependency provider the caller is anonymous', async () => {
    const plain = registry();
    plain.createAction('article')(async function blank() {
      return { title: 'x' };
    });
    const server = express();
    mount(server, plain);
    const res = await request(server).post('/article/blank').expect(200);
    expect(res.body.created_by).toBe('anonymous');
  });
});

describe('errors thrown by handlers', () => {
  const spec = registry();
  const thrown: unknown[] = [new ValidationError('title is too dull', { kind: 'custom' }), new PermissionDeniedError('not yours'), 'route', { odd: true }];
  spec.createAction('article', { input: { type: 'object', properties: { n: { type: 'integer' } } } })(async function fail(input: { n: number }) {
    throw thrown[input.n];
  });
  const logged: unknown[] = [];
  const logger: Logger = { error: (obj) => logged.push(obj), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const http = app(spec, { logger });

  it('SpecStar errors map as everywhere: 422, 403', async () => {
    expect((await http.post('/article/fail').send({ n: 0 }).expect(422)).body).toEqual({ detail: 'title is too dull' });
    expect((await http.post('/article/fail').send({ n: 1 }).expect(403)).body).toEqual({ detail: 'not yours' });
  });

  it('a thrown non-Error (even the string "route") is a logged 500 with a generic detail; the server keeps serving', async () => {
    expect((await http.post('/article/fail').send({ n: 2 }).expect(500)).body).toEqual({ detail: 'Internal Server Error' });
    expect((await http.post('/article/fail').send({ n: 3 }).expect(500)).body).toEqual({ detail: 'Internal Server Error' });
    expect(logged).toHaveLength(2);
    expect(String((logged[0] as { err: Error }).err.message)).toBe(`The handler of action 'fail' threw a non-Error value: "route"`);
    await http.get('/article').expect(200);
  });
});

describe('sync update actions', () => {
  const spec = registry();
  spec.updateAction<{ suffix?: string }, Article>('article', { input: { type: 'object', properties: { suffix: { type: 'string', default: '!' } } } })(async function retitle({ existing }, input) {
    return { ...existing, title: existing.title + (input.suffix ?? '') };
  });
  spec.updateAction<Record<string, unknown>, Article>('article', { mode: 'modify' })(async function touch({ existing, info }) {
    return { ...existing, body: `seen ${info.revision_id}` };
  });
  const http = app(spec);

  async function created(status: 'draft' | 'stable' = 'stable'): Promise<string> {
    return (await spec.getResourceManager('article').create({ title: 't' }, { user: 'x', status })).resource_id;
  }

  it('update mode appends a revision; the caller is recorded', async () => {
    const id = await created();
    const res = await http.post(`/article/${id}/retitle`).set('X-User', 'bob').send({ suffix: '?' }).expect(200);
    expect(res.body).toMatchObject({ revision_id: `${id}:2`, created_by: 'bob' });
    expect((await http.get(`/article/${id}/data`).expect(200)).body.title).toBe('t?');
  });

  it('404 with the exact detail for an unknown id', async () => {
    const res = await http.post('/article/article:nope/retitle').expect(404);
    expect(res.body).toEqual({ detail: "Resource 'article:nope' not found." });
  });

  it('If-Match: a stale revision is 412 with the precondition body and nothing runs; the current one passes', async () => {
    const id = await created();
    const stale = await http.post(`/article/${id}/retitle`).set('If-Match', `"${id}:9"`).expect(412);
    expect(stale.body.detail).toMatchObject({ code: 'PRECONDITION_FAILED', expected_revision_id: `${id}:9`, actual_revision_id: `${id}:1` });
    const etag = (await http.get(`/article/${id}`).expect(200)).headers['etag'] as string;
    await http.post(`/article/${id}/retitle`).set('If-Match', etag).expect(200);
    expect((await spec.getResourceManager<Article>('article').get(id)).data.title).toBe('t!');
  });

  it('modify mode edits a draft in place; a stable revision is 409', async () => {
    const draft = await created('draft');
    const res = await http.post(`/article/${draft}/touch`).expect(200);
    expect(res.body.revision_id).toBe(`${draft}:1`);
    await http.post(`/article/${await created('stable')}/touch`).expect(409);
  });
});

describe('background actions', () => {
  it('202 {"message":"Task accepted"}, then the write; a throwing handler still answers 202 and is logged', async () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'background', input: DraftInput })(async function later(input: { title: string }) {
      if (input.title === 'boom') throw new Error('exploded');
      return { title: input.title };
    });
    const logged: Array<{ obj: unknown; msg: string | undefined }> = [];
    const logger: Logger = { error: (obj, msg) => logged.push({ obj, msg }), warn: () => undefined, info: () => undefined, debug: () => undefined };
    const http = app(spec, { logger });
    const res = await http.post('/article/later').set('X-User', 'ann').send({ title: 'soon' }).expect(202);
    expect(res.body).toEqual({ message: 'Task accepted' });
    const articles = spec.getResourceManager('article');
    const [written] = await until(
      () => articles.listResources(),
      (list) => list.length === 1,
    );
    expect(written?.info?.created_by).toBe('ann');

    await http.post('/article/later').send({ title: 'boom' }).expect(202, { message: 'Task accepted' });
    await until(
      async () => logged.length,
      (n) => n === 1,
    );
    expect(logged[0]?.msg).toBe("Background create action 'later' failed");
    expect(await articles.count()).toBe(1);
    await http.post('/article/later').send({}).expect(422);
  });
});

describe('action paths that template routes would shadow', () => {
  const mountWith = (declare: (spec: SpecStar) => void): unknown => {
    const spec = registry();
    declare(spec);
    try {
      mount(express(), spec);
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it.each([
    ['create', 'count'],
    ['create', 'restore'],
    ['create', 'import'],
    ['create', 'full'],
    ['create', '{resource_id}'],
    ['update', 'revision-list'],
    ['update', 'restore'],
    ['update', 'rerun'],
    ['update', 'switch/{revision}'],
  ])('%s action %s is refused at startup', (kind, path) => {
    const error = mountWith((spec) => {
      if (kind === 'create') spec.createAction('article', { path })(async () => null);
      else spec.updateAction('article', { path })(async () => null);
    });
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('is shadowed by the route');
  });

  it('a create and an update action matching the same requests are refused; other paths mount', () => {
    const clash = mountWith((spec) => {
      spec.createAction('article', { path: '{x}/go' })(async () => null);
      spec.updateAction('article', { path: 'go' })(async () => null);
    });
    expect(clash).toBeInstanceOf(ConfigurationError);
    expect(mountWith((spec) => spec.createAction('article', { path: 'counter' })(async () => null))).toBeUndefined();
  });

  it('the same action path on two models is served for each', async () => {
    const spec = registry();
    spec.addModel({ ...ArticleSchema }, { name: 'note' });
    spec.createAction('article', { path: 'make' })(async () => ({ title: 'a' }));
    spec.createAction('note', { path: 'make' })(async () => ({ title: 'n' }));
    const http = app(spec);
    expect((await http.post('/article/make').expect(200)).body.resource_id).toMatch(/^article:/);
    expect((await http.post('/note/make').expect(200)).body.resource_id).toMatch(/^note:/);
  });
});

describe('actions declared after mount()', () => {
  it('are served at once and documented', async () => {
    const spec = registry();
    const http = app(spec);
    await http.post('/article/late').expect(405);
    spec.createAction('article')(async function late() {
      return { title: 'late' };
    });
    expect((await http.post('/article/late').expect(200)).body.resource_id).toMatch(/^article:/);
    const openapi = (await http.get('/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toContain('/article/late');
  });

  it('declared before their model, they are served once the model is registered after mount', async () => {
    const spec = new SpecStar();
    spec.updateAction<Record<string, unknown>, { title: string }>('memo', { path: 'stamp' })(async ({ existing }) => ({ title: `${existing.title}!` }));
    const http = app(spec);
    spec.addModel({ ...ArticleSchema }, { name: 'memo' });
    const id = (await http.post('/memo').send({ title: 'm' }).expect(200)).body.resource_id as string;
    await http.post(`/memo/${id}/stamp`).expect(200);
    expect((await http.get(`/memo/${id}`).expect(200)).body.data.title).toBe('m!');
  });

  it('a path a template route would shadow is refused where it is declared; the server goes on serving', async () => {
    const spec = registry();
    const http = app(spec);
    expect(() => spec.createAction('article', { path: 'count' })(async () => null)).toThrow(/is shadowed by the route/);
    expect(spec.actions.map((action) => action.path)).not.toContain('count');
    expect((await http.get('/article/count').expect(200)).body).toBe(0);
  });
});
