// The HTTP surface on the seeds' recommended production composition: metas in PostgreSQL,
// revision payloads on disk, blobs on S3 (PostgresDiskS3StorageFactory), against the real
// PostgreSQL on 127.0.0.1:5432 and an S3 test server. Uploads, 307 downloads that a plain fetch
// follows, both kinds of upload session, and a restart that keeps everything.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import express from 'express';
import postgres from 'postgres';
import request from 'supertest';
import { PostgresDiskS3StorageFactory, SpecStar, binary, type JsonSchema } from '@specstar/core';
import { startS3Server, type S3TestServer } from '@specstar/test-s3';
import { mount } from '@specstar/http-express';

const PG = `postgres://postgres@${process.env.SPECSTAR_PG_HOST ?? '127.0.0.1'}:${process.env.SPECSTAR_PG_PORT ?? '5432'}`;
const BUCKET = 'production';

const DocumentSchema: JsonSchema = {
  title: 'Document',
  type: 'object',
  properties: { title: { type: 'string' }, file: { anyOf: [binary(), { type: 'null' }], default: null } },
  required: ['title'],
};

describe('production composition: PostgreSQL meta, disk revisions, S3 blobs', () => {
  let s3: S3TestServer;
  let rootdir: string;
  const database = `specstar_prod_${randomBytes(4).toString('hex')}`;
  const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
  const open: SpecStar[] = [];

  /** A registry and an express app on the composition; `single_put` for direct uploads. */
  function app(uploadMethod: 'proxy' | 'single_put' = 'proxy'): { app: express.Express; spec: SpecStar } {
    const spec = new SpecStar({
      defaultUser: 'tester',
      storageFactory: new PostgresDiskS3StorageFactory({
        dsn: `${PG}/${database}`,
        max: 4,
        rootdir,
        s3Bucket: BUCKET,
        s3EndpointUrl: s3.endpoint,
        s3AccessKeyId: s3.credentials.accessKeyId,
        s3SecretAccessKey: s3.credentials.secretAccessKey,
        uploadMethod,
        presignedUrlExpiry: 120,
      }),
    });
    spec.addModel(DocumentSchema, { indexedFields: ['title'] });
    open.push(spec);
    const server = express();
    mount(server, spec);
    return { app: server, spec };
  }

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: [BUCKET] });
    rootdir = mkdtempSync(join(tmpdir(), 'specstar-prod-'));
    await admin.unsafe(`CREATE DATABASE ${database}`);
  });

  afterAll(async () => {
    await Promise.all(open.map((spec) => spec.close()));
    await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
    await s3.close();
    rmSync(rootdir, { recursive: true, force: true });
  });

  /** Follows a 307 the way a browser would: a plain fetch of the Location, no credentials of ours. */
  async function follow(res: request.Response): Promise<Buffer> {
    expect(res.status).toBe(307);
    const location = res.headers.location as string;
    expect(location).toMatch(new RegExp(`^${s3.endpoint}/${BUCKET}/`));
    expect(location).toContain('X-Amz-Signature=');
    const fetched = await fetch(location);
    expect(fetched.status).toBe(200);
    return Buffer.from(await fetched.arrayBuffer());
  }

  it('writes and reads resources, uploads a blob, and GET /blobs/{id} answers 307 to a URL that works', async () => {
    const { app: server } = app();
    const bytes = randomBytes(64 * 1024);
    const uploaded = await request(server).post('/blobs/upload').attach('file', bytes, { filename: 'a.bin', contentType: 'application/pdf' });
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{32}$/), size: bytes.length, content_type: 'application/pdf' });

    const created = await request(server).post('/document').send({ title: 'Plan', file: { file_id: uploaded.body.file_id } });
    expect(created.status).toBe(200);
    const updated = await request(server).put(`/document/${created.body.resource_id}`).send({ title: 'Plan v2', file: { file_id: uploaded.body.file_id } });
    expect(updated.body.revision_id).toBe(`${created.body.resource_id}:2`);
    const read = await request(server).get(`/document/${created.body.resource_id}`);
    expect(read.body.data).toEqual({ title: 'Plan v2', file: { file_id: uploaded.body.file_id, size: bytes.length, content_type: 'application/pdf' } });
    const found = await request(server).get('/document').query({ qb: "QB['title'] == 'Plan v2'" });
    expect(found.body.map((r: { meta: { resource_id: string } }) => r.meta.resource_id)).toEqual([created.body.resource_id]);

    expect((await follow(await request(server).get(`/blobs/${uploaded.body.file_id}`))).equals(bytes)).toBe(true);
    expect((await request(server).get('/blobs/0123456789abcdef0123456789abcdef')).status).toBe(404);
  });

  it('a proxy upload session: parts out of order, finalized into a content-addressed blob on S3', async () => {
    const { app: server } = app();
    const parts = [randomBytes(300_000), randomBytes(200_000), randomBytes(5)];
    const session = await request(server).post('/blobs/upload-sessions').send({ content_type: 'image/png', total_parts: 3 });
    expect(session.status).toBe(200);
    expect(session.body).toMatchObject({ status: 'pending', upload_method: 'proxy', upload_url: `/blobs/upload-sessions/${session.body.upload_id}/content` });
    for (const n of [3, 1, 2]) {
      const put = await request(server).put(`/blobs/upload-sessions/${session.body.upload_id}/content`).query({ part_number: n }).attach('file', parts[n - 1]!, 'part');
      expect(put.status).toBe(200);
    }
    const finalized = await request(server).post(`/blobs/upload-sessions/${session.body.upload_id}/finalize`);
    expect(finalized.status).toBe(200);
    const whole = Buffer.concat(parts);
    expect(finalized.body).toEqual({ file_id: expect.stringMatching(/^[0-9a-f]{32}$/), size: whole.length, content_type: 'image/png' });
    expect((await follow(await request(server).get(`/blobs/${finalized.body.file_id}`))).equals(whole)).toBe(true);
    expect((await request(server).post(`/blobs/upload-sessions/${session.body.upload_id}/finalize`)).status).toBe(409);
  });

  it('a single_put session: the client PUTs straight to S3 with the presigned URL, then finalizes', async () => {
    const { app: server } = app('single_put');
    const session = await request(server).post('/blobs/upload-sessions').send({ content_type: 'text/plain' });
    expect(session.status).toBe(200);
    expect(session.body.upload_method).toBe('single_put');
    expect(session.body.upload_url).toMatch(new RegExp(`^${s3.endpoint}/`));
    // Not uploaded yet: 409, nothing changes.
    expect((await request(server).post(`/blobs/upload-sessions/${session.body.upload_id}/finalize`)).status).toBe(409);
    // Proxy parts are not how this session takes bytes.
    expect((await request(server).put(`/blobs/upload-sessions/${session.body.upload_id}/content`).query({ part_number: 1 }).attach('file', Buffer.from('x'), 'p')).status).toBe(501);
    const put = await fetch(session.body.upload_url, { method: 'PUT', body: 'straight to the bucket', headers: { 'Content-Type': 'text/plain' } });
    expect(put.status).toBe(200);
    const finalized = await request(server).post(`/blobs/upload-sessions/${session.body.upload_id}/finalize`);
    expect(finalized.status).toBe(200);
    expect(finalized.body).toEqual({ file_id: session.body.upload_id, size: 22, content_type: 'text/plain' });
    expect((await follow(await request(server).get(`/blobs/${finalized.body.file_id}`))).toString()).toBe('straight to the bucket');
  });

  it('a restart keeps resources, revisions, blobs and an unfinished session', async () => {
    let { app: server, spec } = app();
    const bytes = randomBytes(10_000);
    const blob = (await request(server).post('/blobs/upload').attach('file', bytes, 'b.bin')).body.file_id as string;
    const created = (await request(server).post('/document').send({ title: 'Kept', file: { file_id: blob } })).body.resource_id as string;
    const session = (await request(server).post('/blobs/upload-sessions').send({})).body.upload_id as string;
    await request(server).put(`/blobs/upload-sessions/${session}/content`).query({ part_number: 1 }).attach('file', Buffer.from('half'), 'p').expect(200);
    await spec.close();

    ({ app: server, spec } = app());
    const read = await request(server).get(`/document/${created}`);
    expect(read.status).toBe(200);
    expect(read.body.data.title).toBe('Kept');
    expect((await follow(await request(server).get(`/blobs/${blob}`))).equals(bytes)).toBe(true);
    await request(server).put(`/blobs/upload-sessions/${session}/content`).query({ part_number: 2 }).attach('file', Buffer.from(' and half'), 'p').expect(200);
    const finalized = await request(server).post(`/blobs/upload-sessions/${session}/finalize`);
    expect(finalized.status).toBe(200);
    expect(finalized.body.size).toBe(13);
  });
});
