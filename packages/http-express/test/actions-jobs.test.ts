/*
 * Job-mode custom actions over HTTP: 202 JobRedirectInfo (under the mount prefix), the job's
 * CRUD routes, a consumer writing the target as the job's creator with the artifact, bad
 * input refused before anything is queued, uploaded files arriving as bytes (create and update).
 */
import express from 'express';
import request from 'supertest';
import { SimpleMessageQueueFactory, SpecStar, binary, type ResourceManager } from '@specstar/core';
import type { Binary, Job } from '@specstar/interfaces';
import { mount, type HttpOptions } from '../src';

const ArticleSchema = {
  title: 'Article',
  type: 'object',
  properties: { title: { type: 'string' }, size: { type: 'integer', default: 0 }, kind: { type: 'string', default: '' } },
  required: ['title'],
};
interface Article {
  title: string;
  size: number;
  kind: string;
}
const TopicInput = { type: 'object', properties: { topic: { type: 'string' }, pages: { type: 'integer', default: 1 } }, required: ['topic'] };
const FileInput = { type: 'object', properties: { file: binary(), note: { type: 'string' } }, required: ['file'] };

const registries: SpecStar[] = [];
afterEach(async () => {
  await Promise.all(registries.splice(0).map((spec) => spec.close()));
});

function setup(options: HttpOptions = {}) {
  const spec = new SpecStar({ messageQueueFactory: new SimpleMessageQueueFactory({ pollInterval: 0.01 }) });
  registries.push(spec);
  spec.addModel(ArticleSchema);
  const received: Binary[] = [];
  spec.createAction('article', { asyncMode: 'job', input: TopicInput })(async function generate_article(input: { topic: string; pages: number }) {
    return input.topic === 'none' ? null : { title: input.topic, size: input.pages };
  });
  spec.createAction('article', { asyncMode: 'job', input: FileInput, jobName: 'upload-job' })(async function upload(input: { file: Binary; note?: string }) {
    received.push(input.file);
    return { title: input.note ?? 'file', size: input.file.data?.length ?? -1 };
  });
  spec.updateAction<{ file: Binary }, Article>('article', { asyncMode: 'job', input: FileInput, jobName: 'attach-job' })(async function attach({ existing }, input) {
    received.push(input.file);
    return { ...existing, size: input.file.data?.length ?? -1, kind: input.file.content_type ?? '' };
  });
  const app = express();
  mount(app, spec, { dependencyProvider: { getUser: (req) => req.get('X-User') ?? 'tester' }, ...options });
  return { spec, http: request(app), received, articles: spec.getResourceManager<Article>('article') };
}

async function finished(jobs: ResourceManager, id: string): Promise<Job> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const data = (await jobs.get(id)).data as Job;
    if (data.status === 'completed' || data.status === 'failed') return data;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${data.status}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('job-mode create actions', () => {
  it('202 JobRedirectInfo; the job is pending with the payload (query parameters included) and has the full CRUD routes', async () => {
    const { http } = setup();
    const res = await http.post('/article/generate-article?topic=tides&pages=2').set('X-User', 'ann').expect(202);
    expect(Object.keys(res.body)).toEqual(['job_resource_name', 'job_resource_id', 'redirect_url']);
    const { job_resource_name: name, job_resource_id: id, redirect_url: url } = res.body as Record<string, string>;
    expect(name).toBe('generate-article-job');
    expect(url).toBe(`/generate-article-job/${id}`);
    const job = await http.get(url ?? '').expect(200);
    expect(job.body.data).toMatchObject({ payload: { topic: 'tides', pages: 2 }, status: 'pending', artifact: null, retries: 0 });
    expect(job.body.meta.created_by).toBe('ann');
    await http.get('/generate-article-job/count').expect(200, '1');
  });

  it('the redirect URL includes the mount prefix', async () => {
    const { http } = setup({ prefix: '/api' });
    const res = await http.post('/api/article/generate-article').send({ topic: 'x' }).expect(202);
    expect(res.body.redirect_url).toBe(`/api/generate-article-job/${res.body.job_resource_id as string}`);
    await http.get(res.body.redirect_url as string).expect(200);
  });

  it('a consumer creates the target as the job creator and records the artifact; null writes nothing', async () => {
    const { spec, http, articles } = setup();
    const made = await http.post('/article/generate-article?pages=4').set('X-User', 'ann').send({ topic: 'tides' }).expect(202);
    const empty = await http.post('/article/generate-article').send({ topic: 'none' }).expect(202);
    await articles.startConsume({ customCreation: ['generate-article-job'] });
    const jobs = spec.getResourceManager('generate-article-job');
    const done = await finished(jobs, made.body.job_resource_id as string);
    const artifact = done.artifact as Record<string, string>;
    expect(done.status).toBe('completed');
    expect(Object.keys(artifact)).toEqual(['resource_id', 'resource_name', 'revision_id']);
    const article = await http.get(`/article/${artifact.resource_id}`).expect(200);
    expect(article.body.data).toMatchObject({ title: 'tides', size: 4 });
    expect(artifact).toEqual({ resource_id: article.body.meta.resource_id, resource_name: 'article', revision_id: article.body.revision_info.revision_id });
    expect(article.body.meta.created_by).toBe('ann');
    expect(await finished(jobs, empty.body.job_resource_id as string)).toMatchObject({ status: 'completed', artifact: null });
    expect(await articles.count()).toBe(1);
    await articles.stopConsuming();
  });

  it('an invalid payload is 422 naming the field and nothing is queued', async () => {
    const { http } = setup();
    const res = await http.post('/article/generate-article').send({ topic: 3 }).expect(422);
    expect(res.body.detail).toContain('/topic must be string');
    await http.get('/generate-article-job/count').expect(200, '0');
  });

  it('an uploaded file goes through the blob store and comes back to the handler as bytes', async () => {
    const { spec, http, received } = setup();
    const bytes = Buffer.from('hello world');
    const res = await http.post('/article/upload').field('note', 'greeting').attach('file', bytes, { filename: 'hello.txt', contentType: 'text/plain' }).expect(202);
    const jobs = spec.getResourceManager('upload-job');
    const queued = (await jobs.get(res.body.job_resource_id as string)).data as Job<{ file: Binary; note: string }>;
    expect(queued.payload).toEqual({ file: { file_id: expect.any(String), size: 11, content_type: 'text/plain' }, note: 'greeting' });
    await jobs.startConsume();
    expect((await finished(jobs, res.body.job_resource_id as string)).status).toBe('completed');
    expect(Buffer.from(received[0]?.data as Uint8Array).toString()).toBe('hello world');
    await jobs.stopConsuming();
  });

  it('a file part for a field that takes no file is 422; a missing file is 422', async () => {
    const { http } = setup();
    await http.post('/article/upload').attach('note', Buffer.from('x'), 'n.txt').expect(422);
    const missing = await http.post('/article/upload').field('note', 'x').expect(422);
    expect(missing.body.detail).toContain('/file is required');
  });
});

describe('job-mode update actions', () => {
  it('files in update jobs arrive as bytes; the target is updated as the job creator', async () => {
    const { spec, http, received, articles } = setup();
    const { resource_id: id } = await articles.create({ title: 'a' }, { user: 'x' });
    const res = await http.post(`/article/${id}/attach`).set('X-User', 'bob').attach('file', Buffer.from([9, 8, 7]), { filename: 'b.bin', contentType: 'application/x-bin' }).expect(202);
    const jobs = spec.getResourceManager('attach-job');
    const queued = (await jobs.get(res.body.job_resource_id as string)).data as Job<{ resource_id: string }>;
    expect(queued.payload.resource_id).toBe(id);
    await articles.startConsume({ customUpdate: 'all' });
    const done = await finished(jobs, res.body.job_resource_id as string);
    expect(done.artifact).toEqual({ resource_id: id, resource_name: 'article', revision_id: `${id}:2` });
    expect(Array.from(received[0]?.data ?? [])).toEqual([9, 8, 7]);
    const current = await http.get(`/article/${id}`).expect(200);
    expect(current.body.data).toMatchObject({ size: 3, kind: 'application/x-bin' });
    expect(current.body.revision_info.created_by).toBe('bob');
    await articles.stopConsuming();
  });

  it('an unknown resource is 404 and nothing is queued; a stale If-Match is 412', async () => {
    const { http, articles } = setup();
    const res = await http.post('/article/article:nope/attach').attach('file', Buffer.from('x'), 'x.bin').expect(404);
    expect(res.body).toEqual({ detail: "Resource 'article:nope' not found." });
    const { resource_id: id } = await articles.create({ title: 'a' }, { user: 'x' });
    await http.post(`/article/${id}/attach`).set('If-Match', `${id}:5`).attach('file', Buffer.from('x'), 'x.bin').expect(412);
    await http.get('/attach-job/count').expect(200, '0');
  });
});
