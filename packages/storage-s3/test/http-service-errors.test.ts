/**
 * What a client sees when the stores behind the routes fail: the production composition
 * (PostgreSQL meta, disk revisions, S3 blobs) mounted by http-express over a real S3 test server
 * and a real PostgreSQL, with one of them misconfigured or unreachable. Wrong S3 credentials and a
 * missing bucket are the server's setup (500, generic body); an S3 endpoint or a PostgreSQL
 * server that does not answer is an outage (503). No response body and no log line shows a
 * credential.
 *
 * Here rather than in http-express's tests: storage-postgres has http-express as a dev
 * dependency, so http-express cannot depend on the storages without a cycle.
 */
import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as net from 'node:net';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { PostgresDiskS3StorageFactory, SpecStar, binary } from '@specstar/core';
import type * as HttpExpress from '../../http-express/dist/index';
import { TcpProxy } from '@specstar/testkit';
import { storeFixture } from './s3-fixture';
import { createTestDatabase, describePg } from './pg-database';

// http-express is not linked into this package (the jest preset maps its name to its sources;
// the types come from its build), and express, its peer, resolves where http-express resolves it.
const { mount } = require('@specstar/http-express') as typeof HttpExpress;
const express = createRequire(require.resolve('../../http-express/package.json'))('express') as () => Parameters<typeof mount>[0] & {
  listen(port: number, host: string, done: () => void): import('node:http').Server;
};

const s3 = storeFixture();
const ACCESS_KEY = 'AKIAEXAMPLEKEY777777';
const SECRET = 'wJalrXUtnFEMI-very-secret-value';
const PG_PASSWORD = 'pg-very-secret-password';
const FILE_ID = '0123456789abcdef0123456789abcdef';

const DocSchema = { title: 'Doc', type: 'object', properties: { name: { type: 'string' }, file: { anyOf: [binary(), { type: 'null' }], default: null } }, required: ['name'] };

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface Served {
  url: string;
  /** Everything the server logged, at every level. */
  logged: string[];
}

let database: { dsn: string; drop(): Promise<void> } | undefined;
const rootdirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
let counter = 0;

/** The routes over the composition with `overrides` of its options, on a real listening server. */
async function serve(overrides: Record<string, unknown>): Promise<Served> {
  const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-http-errors-'));
  rootdirs.push(rootdir);
  const { endpoint, credentials } = s3.server();
  const factory = new PostgresDiskS3StorageFactory({
    dsn: database?.dsn ?? '',
    rootdir,
    tablePrefix: `e${++counter}_`,
    s3Bucket: 'store-tests',
    s3EndpointUrl: endpoint,
    s3AccessKeyId: credentials.accessKeyId,
    s3SecretAccessKey: credentials.secretAccessKey,
    // The first refused connection is the answer: no retries.
    s3ClientKwargs: { max_attempts: 1 },
    ...overrides,
  });
  const spec = new SpecStar({ storageFactory: factory, defaultUser: 'tester' });
  spec.addModel(DocSchema, { name: 'doc' });
  const logged: string[] = [];
  const capture = (objOrMsg: unknown, msg?: string): void => {
    logged.push(`${inspect(objOrMsg, { depth: 10, showHidden: true })} ${msg ?? ''}`);
  };
  const app = express();
  mount(app, spec, { logger: { error: capture, warn: capture, info: capture, debug: capture } });
  const server = await new Promise<import('node:http').Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  cleanups.push(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await spec.close();
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logged };
}

interface Answer {
  status: number;
  body: string;
}

async function answer(response: Promise<Response>): Promise<Answer> {
  const res = await response;
  return { status: res.status, body: await res.text() };
}

function upload(url: string): Promise<Answer> {
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('hello')], { type: 'text/plain' }), 'f.txt');
  return answer(fetch(`${url}/blobs/upload`, { method: 'POST', body: form }));
}

function download(url: string): Promise<Answer> {
  return answer(fetch(`${url}/blobs/${FILE_ID}`, { redirect: 'manual' }));
}

function createDoc(url: string, withFile: boolean): Promise<Answer> {
  const file = withFile ? { data: Buffer.from('inline').toString('base64'), content_type: 'text/plain' } : null;
  return answer(fetch(`${url}/doc`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a', file }) }));
}

function expectNothingShown(served: Served, answers: Answer[], secrets: string[]): void {
  const shown = [...answers.map((a) => a.body), ...served.logged].join('\n');
  for (const secret of secrets) expect(shown).not.toContain(secret);
}

describePg('HTTP answers when a store behind the routes fails', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
    await database?.drop();
    for (const dir of rootdirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('wrong S3 credentials: 500 with the generic body on upload, download and a create carrying a file', async () => {
    const served = await serve({ s3AccessKeyId: ACCESS_KEY, s3SecretAccessKey: SECRET });
    const answers = [await upload(served.url), await download(served.url), await createDoc(served.url, true)];
    for (const got of answers) expect(got).toEqual({ status: 500, body: JSON.stringify({ detail: 'Internal Server Error' }) });
    // The operator learns what failed from the log; never the key or the secret.
    expect(served.logged.join('\n')).toContain('S3CredentialsError');
    expectNothingShown(served, answers, [ACCESS_KEY, SECRET]);
  });

  it('a missing bucket: 500 with the generic body, the log names the bucket', async () => {
    const served = await serve({ s3Bucket: 'no-such-bucket' });
    const answers = [await upload(served.url), await download(served.url), await createDoc(served.url, true)];
    for (const got of answers) expect(got).toEqual({ status: 500, body: JSON.stringify({ detail: 'Internal Server Error' }) });
    expect(served.logged.join('\n')).toContain("'no-such-bucket'");
    expectNothingShown(served, answers, [s3.server().credentials.secretAccessKey]);
  });

  it('an unreachable S3 endpoint: 503 naming the endpoint (without its password) on upload, download and a create carrying a file', async () => {
    const port = await closedPort();
    const served = await serve({ s3EndpointUrl: `http://user:${SECRET}@127.0.0.1:${port}`, s3AccessKeyId: ACCESS_KEY, s3SecretAccessKey: SECRET });
    const answers = [await upload(served.url), await download(served.url), await createDoc(served.url, true)];
    for (const got of answers) {
      expect(got.status).toBe(503);
      const { detail } = JSON.parse(got.body) as { detail: string };
      expect(detail).toMatch(new RegExp(`^S3 endpoint http://127\\.0\\.0\\.1:${port} is unreachable \\(ECONNREFUSED\\) for bucket 'store-tests'$`));
    }
    // Metadata alone does not need S3.
    expect((await createDoc(served.url, false)).status).toBe(200);
    expectNothingShown(served, answers, [ACCESS_KEY, SECRET]);
  });

  it('an unreachable PostgreSQL: 503 naming host and database (never the password) on create and read', async () => {
    const port = await closedPort();
    const served = await serve({ dsn: `postgres://postgres:${PG_PASSWORD}@127.0.0.1:${port}/specstar_nowhere`, connectTimeout: 2 });
    const answers = [await createDoc(served.url, false), await answer(fetch(`${served.url}/doc/${FILE_ID}`))];
    for (const got of answers) {
      expect(got.status).toBe(503);
      const { detail } = JSON.parse(got.body) as { detail: string };
      expect(detail).toContain(`PostgreSQL at 127.0.0.1:${port} (database 'specstar_nowhere'`);
      expect(detail).toContain('ECONNREFUSED');
    }
    expectNothingShown(served, answers, [PG_PASSWORD]);
  });

  it('PostgreSQL going away after startup: 503 naming host and database (never the password) on read, list and create; 200 again once it is back', async () => {
    const upstream = new URL(database!.dsn);
    const proxy = new TcpProxy(upstream.hostname, Number(upstream.port));
    await proxy.open();
    const dsn = new URL(database!.dsn);
    dsn.host = `127.0.0.1:${proxy.port}`;
    dsn.password = PG_PASSWORD; // trust auth ignores it: it is only there to be kept out of answers and logs
    const served = await serve({ dsn: dsn.toString() });
    cleanups.push(() => proxy.close()); // after the spec's close: its pool ends first
    const created = await createDoc(served.url, false);
    expect(created.status).toBe(200);
    const { resource_id: id } = JSON.parse(created.body) as { resource_id: string };
    expect((await answer(fetch(`${served.url}/doc/${id}`))).status).toBe(200);

    await proxy.close();
    const answers = [await answer(fetch(`${served.url}/doc/${id}`)), await answer(fetch(`${served.url}/doc`)), await createDoc(served.url, false)];
    for (const got of answers) {
      expect(got.status).toBe(503);
      const { detail } = JSON.parse(got.body) as { detail: string };
      expect(detail).toContain(`PostgreSQL at 127.0.0.1:${proxy.port} (database '${dsn.pathname.slice(1)}'`);
    }
    expectNothingShown(served, answers, [PG_PASSWORD]);

    await proxy.open();
    expect((await answer(fetch(`${served.url}/doc/${id}`))).status).toBe(200);
    expect((await createDoc(served.url, false)).status).toBe(200);
  });
});
