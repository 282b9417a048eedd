/*
 * `POST /{job}/{id}/rerun` and `GET /{job}/{id}/logs`: served only for job models with a queue,
 * run as the caller, documented in OpenAPI. A running in-process consumer executes the jobs.
 */
import express from 'express';
import request from 'supertest';
import { SimpleMessageQueueFactory, SpecStar, jobSchema, type ResourceManager } from '@specstar/core';
import { PermissionResult, ResourceAction, type EventContext, type IPermissionChecker } from '@specstar/interfaces';
import { mount, type HttpOptions } from '../src';
import { ItemSchema } from './helpers';

const MailJob = jobSchema({ type: 'object', properties: { to: { type: 'string' } }, required: ['to'] });
const LOG_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z \[(DEBUG|INFO|WARNING|ERROR)\] .*$/;
const notFound = (id: string): { detail: string } => ({ detail: `Resource '${id}' not found.` });
const cannotRerun = (status: string): { detail: string } => ({
  detail: `Cannot rerun a job with status '${status}'. Only completed or failed jobs can be rerun.`,
});

/** Denies `get` to mallory; everything else is allowed. */
class NoReadsForMallory implements IPermissionChecker {
  checkPermission(ctx: EventContext): PermissionResult {
    return ctx.user === 'mallory' && (ctx.action & ResourceAction.get) !== 0 ? PermissionResult.deny : PermissionResult.allow;
  }
}

/** The handler's behaviour, per recipient: fail the first N runs, or wait for a release. */
class Mailer {
  readonly runs: string[] = [];
  failFirst = new Map<string, number>();
  private gate: { opened: Promise<void>; open: () => void } | undefined;

  hold(): void {
    let open!: () => void;
    this.gate = { opened: new Promise<void>((resolve) => (open = resolve)), open };
  }
  release(): void {
    this.gate?.open();
    this.gate = undefined;
  }

  handler = async (job: { data: { payload: { to: string } } }, ctx: { info(m: string): void; setArtifact(v: unknown): void }): Promise<void> => {
    const { to } = job.data.payload;
    this.runs.push(to);
    ctx.info(`sending to ${to}`);
    await this.gate?.opened;
    const failures = this.failFirst.get(to) ?? 0;
    if (failures > 0) {
      this.failFirst.set(to, failures - 1);
      throw new Error(`mailbox ${to} is full`);
    }
    ctx.setArtifact({ sent: to });
  };
}

interface Setup {
  spec: SpecStar;
  jobs: ResourceManager;
  mailer: Mailer;
  http: ReturnType<typeof request>;
}

function setup(http: HttpOptions = {}, options: { permissionChecker?: IPermissionChecker } = {}): Setup {
  const mailer = new Mailer();
  const spec = new SpecStar({ messageQueueFactory: new SimpleMessageQueueFactory({ pollInterval: 0.01 }), ...options });
  const jobs = spec.addModel(MailJob, { name: 'mail-job', jobHandler: mailer.handler as never });
  spec.addModel(MailJob, { name: 'idle-job' }); // a job model without a handler: no queue
  spec.addModel(MailJob, { name: 'unqueued-job', jobHandler: mailer.handler as never, messageQueueFactory: null });
  spec.addModel(ItemSchema, { name: 'item' });
  const app = express();
  mount(app, spec, { dependencyProvider: { getUser: (req) => req.get('X-User') ?? 'tester' }, ...http });
  return { spec, jobs, mailer, http: request(app) };
}

/** Polls the job until its status is `status` (generous timeout; no timing assertion). */
async function waitForStatus(s: Setup, id: string, status: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 1000; i++) {
    const data = (await s.jobs.get(id)).data as Record<string, unknown>;
    if (data['status'] === status) return data;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`job ${id} never reached status ${status}`);
}

async function createJob(s: Setup, to: string, extra: Record<string, unknown> = {}): Promise<string> {
  return (await s.http.post('/mail-job').send({ payload: { to }, ...extra }).expect(200)).body.resource_id;
}

let current: Setup | undefined;
afterEach(async () => {
  await current?.spec.close();
  current = undefined;
});
function started(http?: HttpOptions, options?: { permissionChecker?: IPermissionChecker }): Setup {
  current = setup(http, options);
  return current;
}

describe('GET /{job}/{id}/logs', () => {
  it('204 before the job ran, then 200 text/plain with the run log; unknown id 404', async () => {
    const s = started();
    const id = await createJob(s, 'a@example.com');
    await s.http.get(`/mail-job/${id}/logs`).expect(204, '');
    await s.jobs.startConsume();
    await waitForStatus(s, id, 'completed');
    const res = await s.http.get(`/mail-job/${id}/logs`).expect(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    const lines = res.text.split('\n');
    for (const line of lines) expect(line).toMatch(LOG_LINE);
    expect(lines.map((line) => line.replace(/^\S+ /, ''))).toEqual(['[INFO] Job started', '[INFO] sending to a@example.com', '[INFO] Job completed']);
    expect((await s.http.get('/mail-job/mail-job:nope/logs').expect(404)).body).toEqual(notFound('mail-job:nope'));
  });

  it('needs the get permission on the job, and a deleted job is not found (410 behind the setting)', async () => {
    const s = started({ deletedStatus: 410 }, { permissionChecker: new NoReadsForMallory() });
    const id = await createJob(s, 'b@example.com');
    await s.http.get(`/mail-job/${id}/logs`).set('X-User', 'mallory').expect(403);
    await s.http.get(`/mail-job/${id}/logs`).set('X-User', 'alice').expect(204);
    await s.http.delete(`/mail-job/${id}`).expect(200);
    await s.http.get(`/mail-job/${id}/logs`).expect(410);
  });

  it('a deleted job answers 404 by default', async () => {
    const s = started();
    const id = await createJob(s, 'c@example.com');
    await s.http.delete(`/mail-job/${id}`).expect(200);
    await s.http.get(`/mail-job/${id}/logs`).expect(404);
  });
});

describe('POST /{job}/{id}/rerun', () => {
  it('a completed job: 200 RevisionInfo, reset to pending, and the running consumer executes it again', async () => {
    const s = started();
    const id = await createJob(s, 'a@example.com', { max_retries: 2 });
    await s.jobs.startConsume();
    const done = await waitForStatus(s, id, 'completed');
    expect(done['artifact']).toEqual({ sent: 'a@example.com' });
    const before = (await s.http.get(`/mail-job/${id}/meta`).expect(200)).body.total_revision_count as number;

    const res = await s.http.post(`/mail-job/${id}/rerun`).set('X-User', 'alice').expect(200);
    expect(res.body).toMatchObject({ resource_id: id, revision_id: `${id}:${before + 1}`, status: 'stable', created_by: 'alice' });
    expect(res.headers['etag']).toBe(`"${res.body.revision_id}@${res.body.data_hash}"`);
    // The rerun revision itself, whatever the consumer has done since.
    const rerun = await s.http.get(`/mail-job/${id}/data`).query({ revision_id: res.body.revision_id }).expect(200);
    expect(rerun.body).toMatchObject({ payload: { to: 'a@example.com' }, status: 'pending', retries: 0, errmsg: null, artifact: null, max_retries: 2 });

    const again = await waitForStatus(s, id, 'completed');
    expect(s.mailer.runs).toEqual(['a@example.com', 'a@example.com']);
    expect(again['artifact']).toEqual({ sent: 'a@example.com' });
  });

  it('a failed job: errmsg and retries cleared, executed again until it completes', async () => {
    const s = started();
    s.mailer.failFirst.set('full@example.com', 1);
    const id = await createJob(s, 'full@example.com', { max_retries: 0 });
    await s.jobs.startConsume();
    const failed = await waitForStatus(s, id, 'failed');
    expect(failed).toMatchObject({ retries: 1, errmsg: 'mailbox full@example.com is full' });
    const logs = (await s.http.get(`/mail-job/${id}/logs`).expect(200)).text;
    expect(logs).toContain('[ERROR] Job failed permanently: mailbox full@example.com is full');

    const res = await s.http.post(`/mail-job/${id}/rerun`).expect(200);
    expect(res.body.resource_id).toBe(id);
    const rerun = await s.http.get(`/mail-job/${id}/data`).query({ revision_id: res.body.revision_id }).expect(200);
    expect(rerun.body).toMatchObject({ status: 'pending', retries: 0, errmsg: null, artifact: null, max_retries: 0, payload: { to: 'full@example.com' } });
    expect(await waitForStatus(s, id, 'completed')).toMatchObject({ retries: 0, errmsg: null, artifact: { sent: 'full@example.com' } });
    // The second run's log replaced the first one.
    const second = (await s.http.get(`/mail-job/${id}/logs`).expect(200)).text;
    expect(second).not.toContain('failed permanently');
    expect(second).toContain('[INFO] Job completed');
  });

  it('a pending job is a 400 with the exact detail; nothing is written', async () => {
    const s = started();
    const id = await createJob(s, 'p@example.com');
    expect((await s.http.post(`/mail-job/${id}/rerun`).expect(400)).body).toEqual(cannotRerun('pending'));
    expect((await s.http.get(`/mail-job/${id}/meta`).expect(200)).body.total_revision_count).toBe(1);
  });

  it('a processing job is a 400 with the exact detail', async () => {
    const s = started();
    s.mailer.hold();
    const id = await createJob(s, 'slow@example.com');
    await s.jobs.startConsume();
    await waitForStatus(s, id, 'processing');
    expect((await s.http.post(`/mail-job/${id}/rerun`).expect(400)).body).toEqual(cannotRerun('processing'));
    s.mailer.release();
    await waitForStatus(s, id, 'completed');
  });

  it('an unknown id is a 404 naming it', async () => {
    const s = started();
    expect((await s.http.post('/mail-job/mail-job:nope/rerun').expect(404)).body).toEqual(notFound('mail-job:nope'));
  });
});

describe('models without a queue have neither route', () => {
  it('a plain model, a job model without handler, and one with messageQueueFactory null: 404', async () => {
    const s = started();
    const item = (await s.http.post('/item').send({ name: 'x' }).expect(200)).body.resource_id;
    const idle = (await s.http.post('/idle-job').send({ payload: { to: 'i@example.com' } }).expect(200)).body.resource_id;
    const unqueued = (await s.http.post('/unqueued-job').send({ payload: { to: 'u@example.com' } }).expect(200)).body.resource_id;
    for (const [model, id] of [['item', item], ['idle-job', idle], ['unqueued-job', unqueued]]) {
      expect((await s.http.post(`/${model}/${id}/rerun`).expect(404)).body).toEqual({ detail: 'Not Found' });
      expect((await s.http.get(`/${model}/${id}/logs`).expect(404)).body).toEqual({ detail: 'Not Found' });
    }
  });

  it('routes.disable: ["jobs"] removes both from job models too', async () => {
    const s = started({ routes: { disable: ['jobs'] } });
    const id = await createJob(s, 'a@example.com');
    await s.http.post(`/mail-job/${id}/rerun`).expect(404);
    await s.http.get(`/mail-job/${id}/logs`).expect(404);
  });
});

describe('OpenAPI', () => {
  it('documents both routes for job models with a queue only', async () => {
    const s = started();
    const doc = (await s.http.get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, any>> };
    const rerun = doc.paths['/mail-job/{resource_id}/rerun']!['post'];
    expect(rerun.tags).toEqual(['mail-job']);
    expect(rerun.operationId).toBe('rerun_mail_job');
    expect(Object.keys(rerun.responses)).toEqual(['200', '400', '403', '404', '409']);
    const logs = doc.paths['/mail-job/{resource_id}/logs']!['get'];
    expect(logs.tags).toEqual(['mail-job']);
    expect(Object.keys(logs.responses)).toEqual(['200', '204', '400', '403', '404']);
    expect(Object.keys(logs.responses['200'].content)).toEqual(['text/plain; charset=utf-8']);
    for (const model of ['item', 'idle-job', 'unqueued-job']) {
      expect(doc.paths[`/${model}/{resource_id}/rerun`]).toBeUndefined();
      expect(doc.paths[`/${model}/{resource_id}/logs`]).toBeUndefined();
    }
  });
});

describe('job logs are documents, never blobs', () => {
  it('no global or per-model blob path reaches a log', async () => {
    const s = started();
    const id = await createJob(s, 'a@example.com');
    await s.jobs.startConsume();
    await waitForStatus(s, id, 'completed');
    await s.http.get(`/mail-job/${id}/logs`).expect(200);
    const key = Buffer.from(id, 'utf8').toString('base64url');
    // Valid file ids name no blob; the document paths are not file ids at all.
    const unknown = [key, 'job-log'];
    const invalid = [`__job_log__/${id}`, `job-log/${key}`, `+docs/job-log/${key}`, `../+docs/job-log/${key}`, '+docs'];
    for (const fileId of [...unknown, ...invalid]) {
      const status = unknown.includes(fileId) ? 404 : 422;
      await s.http.get(`/blobs/${encodeURIComponent(fileId)}`).expect(status);
      await s.http.get(`/mail-job/${encodeURIComponent(id)}/blobs/${encodeURIComponent(fileId)}`).expect(status);
    }
  });
});
