// Custom actions without a queue: naming, sync create/update, background mode, input validation,
// registration (lazy, duplicates) and the errors a handler or its write causes.
import {
  CannotModifyResourceError,
  ConfigurationError,
  ResourceIDNotFoundError,
  ResourceIsDeletedError,
  RevisionMismatchError,
  UniqueConstraintError,
  ValidationError,
} from '@specstar/interfaces';
import { SpecStar, unique, type CustomAction } from '../src';
import { cleanPath, defaultJobName, pascalOf, pyTitle } from '../src/actions';
import { catchError, rejection } from './catch-error';
import { T0 } from './fixtures';

const ArticleSchema = {
  title: 'Article',
  type: 'object',
  properties: { title: { type: 'string' }, body: { type: 'string', default: '' }, slug: unique({ type: 'string' }) },
  required: ['title'],
};
const TitleInput = { type: 'object', properties: { title: { type: 'string' }, words: { type: 'integer', default: 3 } }, required: ['title'] };
interface Article {
  title: string;
  body: string;
  slug?: string;
}
const asker = { user: 'alice', now: T0 };

function registry(): SpecStar {
  const spec = new SpecStar();
  spec.addModel(ArticleSchema);
  return spec;
}

const only = (spec: SpecStar): CustomAction => {
  const action = spec.actions[spec.actions.length - 1];
  if (!action) throw new Error('no action declared');
  return action;
};

describe('action names', () => {
  it('title-cases like Python str.title()', () => {
    expect(pyTitle('import from url')).toBe('Import From Url');
    expect(pyTitle('HELLO wORLD')).toBe('Hello World');
    expect(pyTitle('x1st 2nd')).toBe('X1St 2Nd');
    expect(pyTitle("they're")).toBe("They'Re");
  });

  it('a handler named import_from_url gets path import-from-url and label Import From Url; an explicit path wins', () => {
    const spec = registry();
    spec.createAction('article')(async function import_from_url() {
      return null;
    });
    expect(only(spec)).toMatchObject({ path: 'import-from-url', label: 'Import From Url', handlerName: 'import_from_url', kind: 'create' });
    spec.createAction('article', { path: '/fetch' })(async function import_from_url() {
      return null;
    });
    expect(only(spec)).toMatchObject({ path: 'fetch', label: 'Fetch' });
    spec.createAction('article', { path: '{slug}/new', label: 'New by slug' })(async () => null);
    expect(only(spec)).toMatchObject({ path: '{slug}/new', pathParams: ['slug'], label: 'New by slug' });
  });

  it('derives job names and generated schema names from the cleaned path', () => {
    expect(cleanPath('/{slug}/create')).toBe('create');
    expect(cleanPath('a//{x}/b-')).toBe('a-b');
    expect(defaultJobName('generate-article', 'article')).toBe('generate-article-job');
    expect(defaultJobName('{slug}/create', 'article')).toBe('create-job');
    expect(defaultJobName('{id}', 'character')).toBe('character-job');
    expect(pascalOf('generate-article')).toBe('GenerateArticle');
  });

  it('refuses bad paths, modes and handlers at declaration', () => {
    const spec = registry();
    expect(() => spec.createAction('article', { path: 'a/../b' })(async () => null)).toThrow(ConfigurationError);
    expect(() => spec.createAction('article', { path: '{model}/x' })(async () => null)).toThrow(ConfigurationError);
    expect(() => spec.updateAction('article', { path: '{resource_id}' })(async () => null)).toThrow(ConfigurationError);
    expect(() => spec.createAction('article', { asyncMode: 'later' as never })(async () => null)).toThrow(ConfigurationError);
    expect(() => spec.updateAction('article', { mode: 'replace' as never })(async () => null)).toThrow(ConfigurationError);
    expect(() => spec.createAction('article')('not a function' as never)).toThrow(ConfigurationError);
    expect(spec.actions).toHaveLength(0);
  });
});

describe('sync create actions', () => {
  it('writes the returned data as the caller; null or undefined writes nothing', async () => {
    const spec = registry();
    const seen: unknown[] = [];
    spec.createAction('article', { input: TitleInput })(async function draft(input: Record<string, unknown>, ctx) {
      seen.push(input, ctx.user, ctx.now);
      return input.title === 'skip' ? null : { title: input.title as string };
    });
    const outcome = await only(spec).invoke({ title: 'Hello' }, asker);
    expect(outcome).toMatchObject({ mode: 'sync', status: 200 });
    const info = outcome.body as { resource_id: string; created_by: string };
    expect(info.created_by).toBe('alice');
    expect(seen).toEqual([{ title: 'Hello', words: 3 }, 'alice', T0]);
    expect((await spec.getResourceManager('article').get(info.resource_id)).data).toEqual({ title: 'Hello', body: '' });

    expect(await only(spec).invoke({ title: 'skip' }, asker)).toEqual({ mode: 'sync', status: 200, body: null });
    spec.createAction('article')(async function nothing() {
      return undefined;
    });
    expect((await only(spec).invoke(undefined, asker)).body).toBeNull();
    expect(await spec.getResourceManager('article').count()).toBe(1);
  });

  it('bad input is a ValidationError naming the field; the handler does not run', async () => {
    const spec = registry();
    const handler = jest.fn(async () => null);
    spec.createAction('article', { input: TitleInput })(handler);
    const missing = await rejection(only(spec).invoke({ words: 2 }, asker));
    expect(missing).toBeInstanceOf(ValidationError);
    expect((missing as ValidationError).message).toContain('/title is required');
    const wrong = (await rejection(only(spec).invoke({ title: 'x', words: 'many' }, asker))) as ValidationError;
    expect(wrong.issues).toEqual([{ path: '/words', message: 'must be integer' }]);
    expect(handler).not.toHaveBeenCalled();
  });

  it('an action without input takes nothing: the handler gets {}', async () => {
    const spec = registry();
    const handler = jest.fn(async () => null);
    spec.createAction('article')(handler);
    await only(spec).invoke(undefined, asker);
    expect(handler).toHaveBeenCalledWith({}, { user: 'alice', now: T0 });
  });

  it('errors of the write reach the caller unchanged (a unique conflict); a thrown non-Error becomes an Error', async () => {
    const spec = registry();
    spec.createAction('article')(async function claim() {
      return { title: 't', slug: 'same' };
    });
    await only(spec).invoke(undefined, asker);
    expect(await rejection(only(spec).invoke(undefined, asker))).toBeInstanceOf(UniqueConstraintError);

    spec.createAction('article')(async function broken() {
      // oxlint-disable-next-line no-throw-literal -- what this test is about.
      throw 'route';
    });
    const error = (await rejection(only(spec).invoke(undefined, asker))) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(`The handler of action 'broken' threw a non-Error value: "route"`);
    expect(error.cause).toBe('route');
  });

  it('needs a user: explicit, from a scope, or the model default', async () => {
    const spec = new SpecStar();
    spec.addModel(ArticleSchema, { defaultUser: 'system' });
    spec.createAction('article')(async function make(_input, ctx) {
      return { title: ctx.user };
    });
    const info = (await only(spec).invoke(undefined)).body as { created_by: string };
    expect(info.created_by).toBe('system');
    const scoped = await spec.using({ user: 'carol' }, () => only(spec).invoke(undefined));
    expect((scoped.body as { created_by: string }).created_by).toBe('carol');
  });
});

describe('sync update actions', () => {
  async function withArticle(status: 'draft' | 'stable' = 'stable') {
    const spec = registry();
    const rm = spec.getResourceManager<Article>('article');
    const info = await rm.create({ title: 'first' }, { ...asker, status });
    return { spec, rm, id: info.resource_id };
  }

  it('the handler gets existing, info and meta; update mode appends a revision', async () => {
    const { spec, rm, id } = await withArticle();
    let seen: unknown;
    spec.updateAction<{ suffix: string }, Article>('article', { input: { type: 'object', properties: { suffix: { type: 'string' } } } })(async function retitle(target, input) {
      seen = target;
      return { ...target.existing, title: target.existing.title + input.suffix };
    });
    const outcome = await only(spec).invoke({ suffix: '!' }, { user: 'bob', now: T0, resourceId: id });
    expect(outcome.body).toMatchObject({ revision_id: `${id}:2`, created_by: 'bob' });
    expect(seen).toEqual({ existing: { title: 'first', body: '' }, info: await rm.getRevisionInfo(id, `${id}:1`), meta: expect.objectContaining({ resource_id: id }) });
    expect((await rm.get(id)).data.title).toBe('first!');
  });

  it('unknown or deleted resources are not found; If-Match on another revision refuses before the handler', async () => {
    const { spec, rm, id } = await withArticle();
    const handler = jest.fn(async () => ({ title: 'x' }));
    spec.updateAction('article')(handler);
    const unknown = await rejection(only(spec).invoke(undefined, { ...asker, resourceId: 'article:nope' }));
    expect(unknown).toBeInstanceOf(ResourceIDNotFoundError);
    expect((unknown as Error).message).toBe("Resource 'article:nope' not found.");
    const stale = await rejection(only(spec).invoke(undefined, { ...asker, resourceId: id, ifMatch: `${id}:7` }));
    expect(stale).toBeInstanceOf(RevisionMismatchError);
    expect(await rejection(only(spec).invoke(undefined, asker))).toBeInstanceOf(ValidationError);
    await rm.delete(id, asker);
    expect(await rejection(only(spec).invoke(undefined, { ...asker, resourceId: id }))).toBeInstanceOf(ResourceIsDeletedError);
    expect(handler).not.toHaveBeenCalled();
  });

  it('modify mode edits a draft in place and refuses a stable revision', async () => {
    const draft = await withArticle('draft');
    draft.spec.updateAction<Record<string, unknown>, Article>('article', { mode: 'modify' })(async function polish({ existing }) {
      return { ...existing, body: 'polished' };
    });
    const info = (await only(draft.spec).invoke(undefined, { ...asker, resourceId: draft.id })).body as { revision_id: string };
    expect(info.revision_id).toBe(`${draft.id}:1`);
    expect((await draft.rm.getMeta(draft.id)).total_revision_count).toBe(1);

    const stable = await withArticle('stable');
    stable.spec.updateAction<Record<string, unknown>, Article>('article', { mode: 'modify' })(async function polish({ existing }) {
      return { ...existing, body: 'polished' };
    });
    expect(await rejection(only(stable.spec).invoke(undefined, { ...asker, resourceId: stable.id }))).toBeInstanceOf(CannotModifyResourceError);
  });
});

describe('background actions', () => {
  it('answers 202 at once, then writes the result; null writes nothing', async () => {
    const spec = registry();
    const rm = spec.getResourceManager('article');
    spec.createAction('article', { asyncMode: 'background', input: TitleInput })(async function later(input: Record<string, unknown>) {
      return input.title === 'none' ? null : { title: input.title as string };
    });
    const outcome = await only(spec).invoke({ title: 'late' }, asker);
    expect(outcome).toMatchObject({ mode: 'background', status: 202, body: { message: 'Task accepted' } });
    expect(await rm.count()).toBe(0); // nothing yet: the task runs after this tick
    if (outcome.mode === 'background') await outcome.done;
    const [written] = await rm.listResources();
    expect(written?.info?.created_by).toBe('alice');
    const none = await only(spec).invoke({ title: 'none' }, asker);
    if (none.mode === 'background') await none.done;
    expect(await rm.count()).toBe(1);
    expect(spec.resourceManagers.has('later-job')).toBe(false);
  });

  it('a throwing handler still answers 202; the failure is reported and nothing is written', async () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'background' })(async function fails() {
      throw new Error('boom');
    });
    const reported: unknown[] = [];
    const outcome = await only(spec).invoke(undefined, { ...asker, onBackgroundError: (error, action) => reported.push((error as Error).message, action.handlerName) });
    expect(outcome.status).toBe(202);
    if (outcome.mode === 'background') await outcome.done;
    expect(reported).toEqual(['boom', 'fails']);
    expect(await spec.getResourceManager('article').count()).toBe(0);
  });

  it('without a reporter the failure is a process warning', async () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'background' })(async function fails() {
      throw new Error('boom');
    });
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const outcome = await only(spec).invoke(undefined, asker);
      if (outcome.mode === 'background') await outcome.done;
      expect(warn).toHaveBeenCalledWith("Background create action 'fails' failed: boom", { code: 'SPECSTAR_BACKGROUND_ACTION_FAILED' });
    } finally {
      warn.mockRestore();
    }
  });

  it('update actions check the resource before answering, and run against it later', async () => {
    const spec = registry();
    const rm = spec.getResourceManager<Article>('article');
    const { resource_id: id } = await rm.create({ title: 'a' }, asker);
    spec.updateAction<Record<string, unknown>, Article>('article', { asyncMode: 'background' })(async function later({ existing }) {
      return { ...existing, body: 'done' };
    });
    expect(await rejection(only(spec).invoke(undefined, { ...asker, resourceId: 'article:nope' }))).toBeInstanceOf(ResourceIDNotFoundError);
    const outcome = await only(spec).invoke(undefined, { ...asker, resourceId: id });
    if (outcome.mode === 'background') await outcome.done;
    expect((await rm.get(id)).data.body).toBe('done');
  });
});

describe('registration', () => {
  it('an action declared before its model is set up when the model is registered', async () => {
    const spec = new SpecStar();
    spec.createAction('article')(async function early() {
      return { title: 'early' };
    });
    expect(only(spec)).toMatchObject({ isBound: false, resourceName: 'article' });
    expect(await rejection(only(spec).invoke(undefined, asker))).toBeInstanceOf(ConfigurationError);
    spec.addModel(ArticleSchema);
    expect(only(spec).isBound).toBe(true);
    expect(((await only(spec).invoke(undefined, asker)).body as { resource_id: string }).resource_id).toMatch(/^article:/);
  });

  it('a model may be named by its schema, before or after it is registered', () => {
    const spec = new SpecStar();
    const schema = { ...ArticleSchema };
    spec.createAction(schema)(async function early() {
      return null;
    });
    expect(only(spec).resourceName).toBeUndefined();
    spec.addModel(schema, { name: 'post' });
    expect(only(spec).resourceName).toBe('post');
  });

  it('the same path twice on one model is refused; on two models it is fine', () => {
    const spec = registry();
    spec.addModel({ ...ArticleSchema }, { name: 'note' });
    spec.createAction('article', { path: 'make' })(async () => null);
    spec.createAction('note', { path: 'make' })(async () => null);
    spec.updateAction('article', { path: 'make' })(async () => null);
    expect(catchError(() => spec.createAction('article', { path: 'make' })(async () => null))).toBeInstanceOf(ConfigurationError);
    expect(spec.actions).toHaveLength(3);
  });
});
