// The multipart/archive fuzz family, against a real server in a child process (a crash there is
// an exit, not a jest error): every byte-offset truncation of small valid upload and import
// bodies, extra parts before and after `file`, two `file` parts, missing or wrong boundaries,
// junk and headers-only parts, oversized parts and records, truncated raw archives, clients
// that go away mid-body. Every answer must be a 4xx or a success, and afterwards the process is
// alive, answers, and has left no spill files behind. Random inputs come from a seeded PRNG.
import { seededRandom } from '@specstar/testkit';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { SpecStar } from '@specstar/core';
import { encodeFrame } from '@specstar/core/adapter';
import { BOUNDARY, MULTIPART_TYPE, UNFINISHED_OTHER_PART, fieldPart, filePart, multipartBody, type Part } from './fixtures/multipart';
import { UPLOAD_LIMITS, WidgetSchema } from './fixtures/upload-models';

const REGISTER = join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const SERVER = join(__dirname, 'fixtures', 'upload-server.ts');
const ROUTES = ['/blobs/upload', '/widget/import', '/_backup/import'] as const;

/** Seeded helpers over the testkit PRNG: the same inputs on every machine. */
function prng(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number): number => Math.floor(next() * n);
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(256)));
  return { int, bytes, pick: <T>(list: readonly T[]): T => list[int(list.length)] as T };
}

interface Child {
  process: ChildProcess;
  port: number;
  stderr: () => string;
}

async function startChild(spill: string): Promise<Child> {
  const child = spawn(process.execPath, ['-r', REGISTER, SERVER, spill], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      out += text;
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve((JSON.parse(line!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${stderr}`)));
  });
  return { process: child, port, stderr: () => stderr };
}

/** The answers of a family: status counts, and what went wrong on the wire. */
class Tally {
  readonly statuses = new Map<number, number>();
  readonly failures: string[] = [];
  note(status: number, what: string): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status >= 500) this.failures.push(`${status} for ${what}`);
  }
}

// Thousands of sequential requests: a guard against a hung server, generous enough for a loaded 2-core CI machine.
jest.setTimeout(240_000);

describe('multipart/archive fuzz family against a child-process server', () => {
  let child: Child;
  let spill: string;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const tally = new Tally();

  beforeAll(async () => {
    spill = mkdtempSync(join(tmpdir(), 'upload-fuzz-spill-'));
    child = await startChild(spill);
  });
  afterAll(() => {
    agent.destroy();
    child?.process.kill();
    rmSync(spill, { recursive: true, force: true });
  });

  /** Posts a whole body; a transport error (the server died or cut us off) is recorded as status 0. */
  function post(path: string, body: Buffer, contentType: string | undefined, what: string): Promise<number> {
    return new Promise((resolve) => {
      const headers: http.OutgoingHttpHeaders = { 'Content-Length': String(body.length) };
      if (contentType !== undefined) headers['Content-Type'] = contentType;
      const req = http.request({ host: '127.0.0.1', port: child.port, method: 'POST', path, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          tally.note(res.statusCode ?? 0, what);
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', (error) => {
        tally.failures.push(`transport error ${error.message} for ${what}`);
        resolve(0);
      });
      req.end(body);
    });
  }

  /** Sends the head of a body over a raw socket, announcing more, then goes away. */
  function abortAfter(path: string, body: Buffer, contentType: string, sent: number): Promise<void> {
    return new Promise((resolve) => {
      const socket = net.connect(child.port, '127.0.0.1', () => {
        socket.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`);
        socket.write(body.subarray(0, sent), () => setImmediate(() => socket.destroy()));
      });
      socket.on('close', () => resolve());
      socket.on('error', () => undefined);
    });
  }

  async function validBodies(): Promise<Record<(typeof ROUTES)[number], Buffer>> {
    const source = new SpecStar({ defaultUser: 'fuzz' });
    const widgets = source.addModel(WidgetSchema);
    await widgets.create({ name: 'w1', size: 1 });
    await widgets.create({ name: 'w2', size: 2 });
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await source.dump(out);
    const archive = Buffer.concat(chunks);
    return {
      '/blobs/upload': multipartBody([filePart('hello, blob store')]),
      '/widget/import': multipartBody([filePart(archive)]),
      '/_backup/import': multipartBody([filePart(archive)]),
    };
  }

  function expectAliveAndClean(): void {
    expect(tally.failures).toEqual([]);
    expect(child.process.exitCode).toBeNull();
    expect(child.process.signalCode).toBeNull();
  }

  it('every byte-offset truncation of a valid body, on every route → 4xx or success', async () => {
    const bodies = await validBodies();
    for (const route of ROUTES) {
      const whole = bodies[route];
      for (let at = 0; at < whole.length; at++) await post(route, whole.subarray(0, at), MULTIPART_TYPE, `${route} cut at ${at}/${whole.length}`);
      expect(await post(route, whole, MULTIPART_TYPE, `${route} whole`)).toBe(200);
    }
    expectAliveAndClean();
  });

  it('raw archive bodies truncated at every byte offset → 4xx or success', async () => {
    const archive = (await validBodies())['/widget/import'];
    const raw = archive.subarray(archive.indexOf('\r\n\r\n') + 4, archive.lastIndexOf(`\r\n--${BOUNDARY}--`));
    for (let at = 0; at < raw.length; at++) await post('/widget/import', raw.subarray(0, at), 'application/octet-stream', `raw cut at ${at}`);
    expectAliveAndClean();
  });

  it('extra parts before and after `file`, two `file` parts, missing and wrong boundaries, junk and headers-only parts', async () => {
    const rng = prng(11);
    const bodies = await validBodies();
    const junkPart = (): Part => rng.pick([fieldPart('f', rng.bytes(rng.int(40)).toString('latin1')), filePart(rng.bytes(rng.int(200)), rng.pick(['other', 'x', 'files', 'FILE']))]);
    for (let round = 0; round < 60; round++) {
      const route = rng.pick(ROUTES);
      const file = filePart(route === '/blobs/upload' ? 'bytes' : bodies[route].subarray(bodies[route].indexOf('\r\n\r\n') + 4, bodies[route].lastIndexOf(`\r\n--${BOUNDARY}--`)));
      const before = Array.from({ length: rng.int(3) }, junkPart);
      const after = Array.from({ length: rng.int(3) }, junkPart);
      expect(await post(route, multipartBody([...before, file, ...after]), MULTIPART_TYPE, `${route} extra parts round ${round}`)).toBe(200);
      expect(await post(route, multipartBody([...before, file, ...after, file]), MULTIPART_TYPE, `${route} two file parts round ${round}`)).toBe(400);
    }
    const cases: Array<[string, Buffer, string | undefined]> = [
      ['no boundary parameter', bodies['/blobs/upload'], 'multipart/form-data'],
      ['another boundary', bodies['/blobs/upload'], 'multipart/form-data; boundary=OTHER'],
      ['empty boundary', bodies['/blobs/upload'], 'multipart/form-data; boundary='],
      ['the crash reproduction', UNFINISHED_OTHER_PART, MULTIPART_TYPE],
      ['headers only', Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n`), MULTIPART_TYPE],
      ['header without a colon', Buffer.from(`--${BOUNDARY}\r\nnot a header\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), MULTIPART_TYPE],
      ['no Content-Disposition', Buffer.from(`--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), MULTIPART_TYPE],
      ['an endless header line', Buffer.from(`--${BOUNDARY}\r\nX-Long: ${'a'.repeat(100_000)}\r\n\r\nx\r\n--${BOUNDARY}--\r\n`), MULTIPART_TYPE],
      ['closing delimiter only', Buffer.from(`--${BOUNDARY}--\r\n`), MULTIPART_TYPE],
      ['empty body', Buffer.alloc(0), MULTIPART_TYPE],
      ['no Content-Type', bodies['/blobs/upload'], undefined],
    ];
    for (let i = 0; i < 80; i++) cases.push([`random junk ${i}`, rng.bytes(rng.int(600)), MULTIPART_TYPE]);
    for (let i = 0; i < 40; i++) cases.push([`random junk after a delimiter ${i}`, Buffer.concat([Buffer.from(`--${BOUNDARY}\r\n`), rng.bytes(rng.int(600))]), MULTIPART_TYPE]);
    for (const route of ROUTES) for (const [name, body, type] of cases) await post(route, body, type, `${route} ${name}`);
    expectAliveAndClean();
  });

  it('oversized parts and records, and clients that go away mid-body', async () => {
    const bodies = await validBodies();
    expect(await post('/blobs/upload', multipartBody([filePart(Buffer.alloc(UPLOAD_LIMITS.maxUploadSize + 1))]), MULTIPART_TYPE, 'blob over the limit')).toBe(413);
    expect(await post('/_backup/import', multipartBody([filePart(Buffer.alloc(UPLOAD_LIMITS.maxArchiveSize + 1))]), MULTIPART_TYPE, 'archive over the limit')).toBe(413);
    const claim = Buffer.alloc(4);
    claim.writeUInt32BE(300_000_000);
    const header = Buffer.from(encodeFrame({ t: 'HeaderRecord', version: 2 }));
    const start = Buffer.from(encodeFrame({ t: 'ModelStartRecord', model_name: 'widget' }));
    const hostile = Buffer.concat([header, start, claim, Buffer.alloc(2000, 0x41)]);
    expect(await post('/widget/import', hostile, 'application/octet-stream', 'record claiming 300 MB')).toBe(413);
    // As the first frame it cannot be a header record at all: malformed rather than too large.
    expect(await post('/widget/import', Buffer.concat([claim, Buffer.alloc(2000, 0x41)]), 'application/octet-stream', 'first frame claiming 300 MB')).toBe(400);
    for (const route of ROUTES) {
      const whole = bodies[route];
      for (const sent of [0, 10, Math.floor(whole.length / 2), whole.length - 1]) await abortAfter(route, whole, MULTIPART_TYPE, sent);
    }
    // After all of it: alive, answering, nothing left in the spill directory.
    expectAliveAndClean();
    const count = await fetch(`http://127.0.0.1:${child.port}/widget/count`);
    expect(count.status).toBe(200);
    expect(readdirSync(spill)).toEqual([]);
    expect(child.stderr()).not.toMatch(/Error|uncaught/i);
  });
});
