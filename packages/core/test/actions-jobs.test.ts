// Job-mode actions: the generated job model, the queued payload, the worker's write as the job's
// creator with its artifact, files through the blob store, and the child consumers of a target.
import { ConfigurationError, ResourceIDNotFoundError, type Binary, type Job } from '@specstar/interfaces';
import { binary, type CustomAction, type ResourceManager, type SpecStar } from '../src';
import { catchError, rejection } from './catch-error';
import { T0, queuedRegistries } from './fixtures';

const ArticleSchema = {
  title: 'Article',
  type: 'object',
  properties: { title: { type: 'string' }, body: { type: 'string', default: '' }, size: { type: 'integer', default: 0 } },
  required: ['title'],
};
const TopicInput = { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] };
interface Article {
  title: string;
  body: string;
  size: number;
}
const asker = { user: 'alice', now: T0 };

const registry = queuedRegistries((spec) => spec.addModel(ArticleSchema));

const last = (spec: SpecStar): CustomAction => spec.actions[spec.actions.length - 1] as CustomAction;

/** Polls until `read` returns a value `done` accepts (generous timeout: the queue polls every 10 ms). */
async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function finished(jobs: ResourceManager, id: string): Promise<Job> {
  const job = await until(
    async () => (await jobs.get(id)).data as Job,
    (data) => data.status === 'completed' || data.status === 'failed',
  );
  return job;
}

describe('job-mode create actions', () => {
  it('register a {clean(path)}-job model with a queue; invoking queues a pending job holding the payload', async () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function generate_article(input: { topic: string }) {
      return { title: input.topic };
    });
    const action = last(spec);
    expect(action.jobResourceName).toBe('generate-article-job');
    const jobs = spec.getResourceManager('generate-article-job');
    expect(jobs.isJobModel).toBe(true);
    expect(jobs.messageQueue).toBeDefined();
    expect(jobs.model.schema.title).toBe('GenerateArticleArticleJob');
    expect(Object.keys(jobs.model.schema.$defs as object)).toEqual(['GenerateArticleArticlePayload']);
    expect(spec.getResourceManager('article').asyncCreateJobNames).toEqual(['generate-article-job']);

    const outcome = await action.invoke({ topic: 'tides' }, asker);
    expect(outcome.mode).toBe('job');
    expect(outcome.status).toBe(202);
    const body = outcome.body as { job_resource_name: string; job_resource_id: string; redirect_url: string };
    expect(Object.keys(body)).toEqual(['job_resource_name', 'job_resource_id', 'redirect_url']);
    expect(body.job_resource_name).toBe('generate-article-job');
    expect(body.redirect_url).toBe(`/generate-article-job/${body.job_resource_id}`);
    const job = await jobs.get(body.job_resource_id);
    expect(job.data).toMatchObject({ payload: { topic: 'tides' }, status: 'pending', artifact: null });
    expect(job.info.created_by).toBe('alice');
    expect(await spec.getResourceManager('article').count()).toBe(0);
  });

  it('a consumer runs the handler as the job creator and stores the artifact; null writes nothing', async () => {
    const spec = registry();
    const seen: unknown[] = [];
    spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function generate_article(input: { topic: string }, ctx) {
      seen.push(ctx.user, typeof ctx.job?.log);
      ctx.job?.info('writing');
      return input.topic === 'nothing' ? null : { title: input.topic };
    });
    const articles = spec.getResourceManager('article');
    const jobs = spec.getResourceManager('generate-article-job');
    const made = await last(spec).invoke({ topic: 'tides' }, asker);
    const empty = await last(spec).invoke({ topic: 'nothing' }, asker);
    await articles.startConsume({ customCreation: 'all' });

    const done = await finished(jobs, (made.body as { job_resource_id: string }).job_resource_id);
    expect(done.status).toBe('completed');
    const [article] = await articles.listResources();
    const artifact = done.artifact as Record<string, string>;
    expect(Object.keys(artifact)).toEqual(['resource_id', 'resource_name', 'revision_id']);
    expect(artifact).toEqual({ resource_id: article?.info?.resource_id, resource_name: 'article', revision_id: article?.info?.revision_id });
    expect(article?.info?.created_by).toBe('alice');
    expect(seen.slice(0, 2)).toEqual(['alice', 'function']);

    const nothing = await finished(jobs, (empty.body as { job_resource_id: string }).job_resource_id);
    expect(nothing).toMatchObject({ status: 'completed', artifact: null });
    expect(await articles.count()).toBe(1);
    await articles.stopConsuming();
  });

  it('bad input is refused before anything is queued', async () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function generate_article() {
      return null;
    });
    await rejection(last(spec).invoke({ topic: 7 }, asker));
    expect(await spec.getResourceManager('generate-article-job').count()).toBe(0);
  });

  it('uploaded files go through the blob store and come back to the handler as bytes', async () => {
    const spec = registry();
    const input = { type: 'object', properties: { file: binary(), title: { type: 'string' } }, required: ['file', 'title'] };
    let received: Binary | undefined;
    spec.createAction('article', { asyncMode: 'job', input })(async function upload(value: { file: Binary; title: string }) {
      received = value.file;
      return { title: value.title, size: value.file.data?.length ?? -1 };
    });
    const bytes = new Uint8Array([1, 2, 3, 4]);
    const outcome = await last(spec).invoke({ file: { data: bytes, content_type: 'application/x-test' }, title: 'f' }, asker);
    const jobs = spec.getResourceManager('upload-job');
    const id = (outcome.body as { job_resource_id: string }).job_resource_id;
    const queued = (await jobs.get(id)).data as Job<{ file: Binary }>;
    expect(queued.payload.file).toEqual({ file_id: expect.any(String), size: 4, content_type: 'application/x-test' });
    await jobs.startConsume();
    expect((await finished(jobs, id)).status).toBe('completed');
    expect(received?.data).toEqual(bytes);
    expect(received?.content_type).toBe('application/x-test');
    await jobs.stopConsuming();
  });

  it('input schemas with their own $defs keep working inside the job model', async () => {
    const spec = registry();
    const input = {
      type: 'object',
      $defs: { Topic: { type: 'string', minLength: 2 } },
      properties: { topic: { $ref: '#/$defs/Topic' }, also: { $ref: '#/properties/topic' } },
      required: ['topic'],
    };
    spec.createAction('article', { asyncMode: 'job', input })(async function refs() {
      return null;
    });
    const jobs = spec.getResourceManager('refs-job');
    await last(spec).invoke({ topic: 'ok', also: 'yes' }, asker);
    await expect(jobs.create({ payload: { topic: 'x' } }, asker)).rejects.toThrow('/payload/topic');
    await expect(jobs.create({ payload: { topic: 'ok', also: 'x' } }, asker)).rejects.toThrow('/payload/also');
  });

  it('without input a job-mode create action runs synchronously', async () => {
    const spec = registry();
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      spec.createAction('article', { asyncMode: 'job' })(async function plain() {
        return { title: 'now' };
      });
    } finally {
      warn.mockRestore();
    }
    expect(last(spec).asyncMode).toBeUndefined();
    expect(spec.resourceManagers.has('plain-job')).toBe(false);
    expect((await last(spec).invoke(undefined, asker)).status).toBe(200);
  });

  it('two actions deriving one job name are refused; distinct jobNames fix it', () => {
    const spec = registry();
    spec.addModel({ ...ArticleSchema }, { name: 'note' });
    spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function make() {
      return null;
    });
    const clash = catchError(() =>
      spec.createAction('note', { asyncMode: 'job', input: TopicInput })(async function make() {
        return null;
      }),
    );
    expect(clash).toBeInstanceOf(ConfigurationError);
    expect((clash as Error).message).toContain("'make-job'");
    spec.createAction('note', { asyncMode: 'job', input: TopicInput, jobName: 'make-note-job' })(async function make() {
      return null;
    });
    expect(spec.getResourceManager('note').asyncCreateJobNames).toEqual(['make-note-job']);
  });

  it('path templates are left out of the job name', () => {
    const spec = registry();
    spec.createAction('article', { asyncMode: 'job', path: '/{slug}/create', input: { type: 'object', properties: { slug: { type: 'string' } } } })(async () => null);
    expect(last(spec).jobResourceName).toBe('create-job');
  });
});

describe('job-mode update actions', () => {
  it('queue {resource_id, ...fields}; the worker updates the resource and records the artifact', async () => {
    const spec = registry();
    const articles = spec.getResourceManager<Article>('article');
    const { resource_id: id } = await articles.create({ title: 'a' }, asker);
    const input = { type: 'object', properties: { body: { type: 'string' } }, required: ['body'] };
    spec.updateAction<{ body: string }, Article>('article', { asyncMode: 'job', input })(async function train({ existing }, value) {
      return { ...existing, body: value.body };
    });
    expect(last(spec).jobResourceName).toBe('train-job');
    const jobs = spec.getResourceManager('train-job');
    const outcome = await last(spec).invoke({ body: 'learned' }, { user: 'bob', now: T0, resourceId: id });
    const jobId = (outcome.body as { job_resource_id: string }).job_resource_id;
    expect(((await jobs.get(jobId)).data as Job).payload).toEqual({ resource_id: id, body: 'learned' });

    await articles.startConsume({ customUpdate: ['train-job'] });
    const done = await finished(jobs, jobId);
    expect(done.status).toBe('completed');
    const current = await articles.get(id);
    expect(current.data.body).toBe('learned');
    expect(current.info).toMatchObject({ revision_id: `${id}:2`, created_by: 'bob' });
    expect(done.artifact).toEqual({ resource_id: id, resource_name: 'article', revision_id: `${id}:2` });
    await articles.stopConsuming();
  });

  it('an unknown resource is not found before anything is queued', async () => {
    const spec = registry();
    spec.updateAction('article', { asyncMode: 'job' })(async function train() {
      return null;
    });
    expect(await rejection(last(spec).invoke(undefined, { ...asker, resourceId: 'article:nope' }))).toBeInstanceOf(ResourceIDNotFoundError);
    expect(await spec.getResourceManager('train-job').count()).toBe(0);
  });

  it('a non-object input is queued as payload_data; files come back as bytes', async () => {
    const spec = registry();
    const articles = spec.getResourceManager<Article>('article');
    const { resource_id: id } = await articles.create({ title: 'a' }, asker);
    const input = { anyOf: [{ type: 'object', properties: { file: binary() }, required: ['file'] }] };
    spec.updateAction<{ file: Binary }, Article>('article', { asyncMode: 'job', input })(async function attach({ existing }, value) {
      return { ...existing, size: value.file.data?.length ?? -1 };
    });
    const jobs = spec.getResourceManager('attach-job');
    expect(Object.keys(jobs.model.schema.$defs as object)).toEqual(['AttachArticleUpdatePayload']);
    const outcome = await last(spec).invoke({ file: { data: new Uint8Array(5) } }, { ...asker, resourceId: id });
    const jobId = (outcome.body as { job_resource_id: string }).job_resource_id;
    const payload = ((await jobs.get(jobId)).data as Job<{ payload_data: { file: Binary } }>).payload;
    expect(payload.payload_data.file.data).toBeUndefined();
    await jobs.startConsume();
    expect((await finished(jobs, jobId)).status).toBe('completed');
    expect((await articles.get(id)).data.size).toBe(5);
    await jobs.stopConsuming();
  });
});

describe('child consumers of a target', () => {
  it('"all" without async jobs starts nothing and resolves; a job name linked twice is refused', async () => {
    const spec = registry();
    const articles = spec.getResourceManager('article');
    await articles.startConsume({ customCreation: 'all', customUpdate: 'all' });
    await articles.stopConsuming();
    spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function make() {
      return null;
    });
    expect(catchError(() => articles.registerAsyncCreateJob('make-job', spec.getResourceManager('make-job')))).toBeInstanceOf(ConfigurationError);
  });

  it('customCreation "all" starts every create job; a list only the named ones; an unknown name lists the available', async () => {
    const spec = registry();
    for (const name of ['one', 'two']) {
      spec.createAction('article', { asyncMode: 'job', path: name, input: TopicInput })(async (value: { topic: string }) => ({ title: value.topic }));
    }
    const articles = spec.getResourceManager('article');
    const unknown = await rejection(articles.startConsume({ customCreation: ['three-job'] }));
    expect(unknown).toBeInstanceOf(ConfigurationError);
    expect((unknown as Error).message).toContain('one-job, two-job');

    const first = await spec.actions[0]!.invoke({ topic: 'a' }, asker);
    const second = await spec.actions[1]!.invoke({ topic: 'b' }, asker);
    await articles.startConsume({ customCreation: ['two-job'] });
    await finished(spec.getResourceManager('two-job'), (second.body as { job_resource_id: string }).job_resource_id);
    const stillPending = await spec.getResourceManager('one-job').get((first.body as { job_resource_id: string }).job_resource_id);
    expect((stillPending.data as Job).status).toBe('pending');
    await articles.stopConsuming();

    await articles.startConsume({ customCreation: 'all' });
    await finished(spec.getResourceManager('one-job'), (first.body as { job_resource_id: string }).job_resource_id);
    expect(await articles.count()).toBe(2);
    await articles.stopConsuming();
  });
});
