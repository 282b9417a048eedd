// Archive imports against hostile sizes: a record (frame) claiming more than maxArchiveFrameSize
// → 413 naming the limit before any of it is read; large records spill to archiveSpillDirectory
// and load intact; the spill files are gone after success, error and client abort alike.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { SpecStar, binary, type ArchiveRecord } from '@specstar/core';
import { encodeFrame } from '@specstar/core/adapter';
import { mount, type HttpOptions } from '../src';
import { BOUNDARY, MULTIPART_TYPE, filePart, multipartBody } from './fixtures/multipart';

const DocSchema = { title: 'Doc', type: 'object', properties: { title: { type: 'string' }, file: binary() }, required: ['title'] };
const MiB = 1024 * 1024;

function makeApp(options: HttpOptions = {}) {
  const spec = new SpecStar({ defaultUser: 'tester' });
  const doc = spec.addModel(DocSchema, { name: 'doc' });
  const app = express();
  mount(app, spec, options);
  return { app, spec, doc, http: request(app) };
}

const frame = (record: ArchiveRecord) => Buffer.from(encodeFrame(record));
const HEADER = frame({ t: 'HeaderRecord', version: 2 });
const START_DOC = frame({ t: 'ModelStartRecord', model_name: 'doc' });
const BLOB_PREFIX = Buffer.from([0x85, 0xa1, 0x74, 0xaa, ...Buffer.from('BlobRecord')]);

function claim(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length);
  return header;
}

/** An archive of one doc whose Binary holds `size` patterned bytes. */
async function docArchive(size: number): Promise<{ archive: Buffer; blob: Buffer }> {
  const { spec, doc } = makeApp();
  const blob = Buffer.alloc(size);
  for (let i = 0; i < size; i++) blob[i] = (i * 31) & 0xff;
  await doc.create({ title: 'big', file: { data: new Uint8Array(blob) } });
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await spec.dump(out);
  return { archive: Buffer.concat(chunks), blob };
}

let spill = '';
beforeEach(() => {
  spill = mkdtempSync(join(tmpdir(), 'http-import-spill-'));
});
afterEach(() => rmSync(spill, { recursive: true, force: true }));

describe('maxArchiveFrameSize', () => {
  it('a record header claiming more → 413 naming the limit, raw and multipart; nothing loaded', async () => {
    const server = makeApp({ maxArchiveFrameSize: 64 * 1024 });
    const body = Buffer.concat([HEADER, START_DOC, claim(300_000_000), Buffer.alloc(1000, 0x41)]);
    const detail = `Archive record at byte ${HEADER.length + START_DOC.length} is 300000000 bytes, over the maxArchiveFrameSize limit of 65536 bytes`;
    const raw = await server.http.post('/doc/import').set('Content-Type', 'application/octet-stream').send(body).expect(413);
    expect(raw.body).toEqual({ detail });
    const multipart = await server.http.post('/_backup/import').set('Content-Type', MULTIPART_TYPE).send(multipartBody([filePart(body)])).expect(413);
    expect(multipart.body).toEqual({ detail });
    expect((await server.http.get('/doc/count').expect(200)).body).toBe(0);
  });

  it('defaults to 128 MiB, raised with maxUploadSize so any uploaded blob imports back', async () => {
    const body = Buffer.concat([HEADER, START_DOC, claim(150 * MiB), Buffer.alloc(1000, 0x41)]);
    const byDefault = await makeApp().http.post('/doc/import').set('Content-Type', 'application/octet-stream').send(body).expect(413);
    expect(byDefault.body.detail).toMatch(/over the maxArchiveFrameSize limit of 134217728 bytes$/);
    // Within a 200 MiB upload limit's frame limit: judged by its first bytes instead, and refused as junk.
    const raised = await makeApp({ maxUploadSize: 200 * MiB }).http.post('/doc/import').set('Content-Type', 'application/octet-stream').send(body).expect(400);
    expect(raised.body).toEqual({
      detail: `Frame of ${150 * MiB} bytes does not start like a MetaRecord, RevisionRecord or BlobRecord: not an archive or corrupt.`,
    });
  });
});

describe('large records spill to archiveSpillDirectory', () => {
  it('a 3 MiB blob imports intact and leaves no file behind', async () => {
    const { archive, blob } = await docArchive(3 * MiB);
    const server = makeApp({ archiveSpillDirectory: spill, maxArchiveFrameSize: 4 * MiB });
    const res = await server.http.post('/doc/import').set('Content-Type', 'application/octet-stream').send(archive).expect(200);
    expect(res.body).toEqual({ loaded: 1, skipped: 0, total: 1 });
    const [meta] = (await server.http.get('/doc/data').expect(200)).body as Array<{ file: { file_id: string } }>;
    const bytes = await server.http.get(`/blobs/${meta!.file.file_id}`).buffer(true).expect(200);
    expect(Buffer.compare(Buffer.from(bytes.body as Buffer), blob)).toBe(0);
    expect(readdirSync(spill)).toEqual([]);
  });

  it('a body cut inside a large record → 400, no file behind', async () => {
    const { archive } = await docArchive(3 * MiB);
    const server = makeApp({ archiveSpillDirectory: spill });
    const cut = archive.subarray(0, 2 * MiB);
    const res = await server.http.post('/doc/import').set('Content-Type', MULTIPART_TYPE).send(multipartBody([filePart(cut)])).expect(400);
    expect(res.body).toEqual({ detail: expect.stringMatching(/^Truncated frame payload/) });
    expect(readdirSync(spill)).toEqual([]);
    expect((await server.http.get('/doc/count').expect(200)).body).toBe(0);
  });

  it.each(['raw', 'multipart'])('a %s body whose client goes away inside a large record: the spill file is removed and the server keeps serving', async (kind) => {
    const server = makeApp({ archiveSpillDirectory: spill });
    const listener = server.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => listener.once('listening', resolve));
    try {
      const { port } = listener.address() as AddressInfo;
      const contentType = kind === 'raw' ? 'application/octet-stream' : MULTIPART_TYPE;
      const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/doc/import', headers: { 'Content-Type': contentType, 'Content-Length': String(20 * MiB) } });
      req.on('error', () => undefined); // we abort it ourselves
      const archiveHead = Buffer.concat([HEADER, START_DOC, claim(10 * MiB), BLOB_PREFIX, Buffer.alloc(2 * MiB, 0x42)]);
      // The multipart body is the opening of a `file` part whose content never ends.
      const body = kind === 'raw' ? archiveHead : multipartBody([filePart(archiveHead)]).subarray(0, -`\r\n--${BOUNDARY}--\r\n`.length);
      req.write(body);
      await until(() => readdirSync(spill).length > 0); // the record has started spilling
      req.destroy();
      await until(() => readdirSync(spill).length === 0);
      const count = await fetch(`http://127.0.0.1:${port}/doc/count`);
      expect(count.status).toBe(200);
      expect(await count.json()).toBe(0);
    } finally {
      listener.closeAllConnections();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

/** Waits for a condition the server reaches asynchronously (not a timing check: the suite's timeout bounds it). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 10));
}
