// Upload sessions on disk storage: a session and its parts survive a restart (a new registry
// and app on the same rootdir finalizes them), and multi-MiB parts stream through to a blob
// that downloads byte-identical.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';
import { xxh3Hex } from '@specstar/core/adapter';
import { makeServer, type TestServer } from './helpers';
import { BASE, createSession, download, sendPart } from './upload-session-helpers';

const made: SpecStar[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const spec of made.splice(0)) await spec.close();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function rootdir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-sessions-'));
  dirs.push(dir);
  return dir;
}

/** A registry and app on disk storage under `dir`, as a server process would build them. */
function diskServer(dir: string): TestServer {
  const spec = new SpecStar({
    backend: { version: 1, connections: { local: { type: 'disk', options: { rootdir: dir } } }, meta: { use: 'local' }, resource: { use: 'local' }, blob: { use: 'local' } },
  });
  made.push(spec);
  return makeServer({ spec });
}

/** Deterministic bytes, different per part. */
const partBytes = (n: number, size: number): Buffer => Buffer.from(new Uint8Array(size).map((_, i) => (i * 13 + n * 7) % 256));

describe('upload sessions on disk', () => {
  it('survive a restart: parts staged before it are finalized after it', async () => {
    const dir = rootdir();
    const before = diskServer(dir);
    const { upload_id: id } = await createSession(before, { content_type: 'text/plain', total_parts: 3 });
    await sendPart(before, id, 3, 'three').expect(200);
    await sendPart(before, id, 1, 'one,').expect(200);
    await before.spec.close();

    const after = diskServer(dir);
    expect((await after.http.get(`${BASE}/${id}`).expect(200)).body).toMatchObject({ status: 'uploading', parts_received: [1, 3], uploaded_size: 9, content_type: 'text/plain' });
    await sendPart(after, id, 2, 'two,').expect(200);
    const blob = (await after.http.post(`${BASE}/${id}/finalize`).expect(200)).body;
    expect(blob).toEqual({ file_id: xxh3Hex(Buffer.from('one,two,three')), size: 13, content_type: 'text/plain' });
    expect((await download(after, blob.file_id)).toString()).toBe('one,two,three');
    // The parts are gone from the staging; the session record stays, finalized.
    expect(fs.readdirSync(path.join(dir, '_blobs', '+uploads'))).toEqual([]);
    expect((await after.http.get(`${BASE}/${id}`).expect(200)).body).toMatchObject({ status: 'finalized', file_id: blob.file_id });
  });

  it('multi-MiB parts sent in parallel stream into one blob that downloads byte-identical', async () => {
    const server = diskServer(rootdir());
    const sizes = [3 * 1024 * 1024, 2 * 1024 * 1024 + 17, 1024 * 1024 + 3];
    const { upload_id: id } = await createSession(server, { size: sizes.reduce((a, b) => a + b, 0) });
    await Promise.all(sizes.map((size, i) => sendPart(server, id, i + 1, partBytes(i + 1, size)).expect(200)));
    const whole = Buffer.concat(sizes.map((size, i) => partBytes(i + 1, size)));
    const blob = (await server.http.post(`${BASE}/${id}/finalize`).expect(200)).body;
    expect(blob).toEqual({ file_id: xxh3Hex(whole), size: whole.length, content_type: 'application/octet-stream' });
    expect(Buffer.compare(await download(server, blob.file_id), whole)).toBe(0);
    // The same bytes through another session: the existing blob is kept, the answer is the same.
    const again = await createSession(server);
    await sendPart(server, again.upload_id, 1, whole).expect(200);
    expect((await server.http.post(`${BASE}/${again.upload_id}/finalize`).expect(200)).body).toEqual(blob);
  });
});
