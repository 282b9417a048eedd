// Blob access under a permission checker: a caller who may not read a resource that references
// a blob, and did not upload it, gets its bytes by no route — not by the global download, not by
// pointing a resource of their own at it. Blob responses never run as active content.
import { AllowAll, binary, SpecStar, type ResourceManager } from '@specstar/core';
import { PermissionResult, ResourceAction, type Binary, type EventContext, type IPermissionChecker } from '@specstar/interfaces';
import type { HttpOptions } from '../src';
import { makeServer, type TestServer } from './helpers';

const DocSchema = {
  title: 'Doc',
  type: 'object',
  properties: { name: { type: 'string' }, file: binary(), extras: { type: 'array', items: binary() } },
  required: ['name'],
};

/** Anyone may create and search; only a resource's creator, and whom it is shared with, may do anything else with it. */
class OwnDocsOnly implements IPermissionChecker {
  rm: ResourceManager | undefined;
  readonly sharedWith = new Map<string, string>();
  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    if (typeof ctx.resource_id !== 'string' || (ctx.action & ResourceAction.create) !== 0) return PermissionResult.allow;
    if (this.sharedWith.get(ctx.resource_id) === ctx.user) return PermissionResult.allow;
    const meta = await this.rm!.storage.getMeta(ctx.resource_id);
    // A missing resource is the store's 404 to answer.
    return meta === undefined || meta.created_by === ctx.user ? PermissionResult.allow : PermissionResult.deny;
  }
}

function guardedServer(http: HttpOptions = {}): TestServer & { checker: OwnDocsOnly } {
  const checker = new OwnDocsOnly();
  const spec = new SpecStar({ permissionChecker: checker });
  checker.rm = spec.addModel(DocSchema);
  return { ...makeServer({ spec, http }), checker };
}

const b64 = (text: string): string => Buffer.from(text).toString('base64');

async function upload(server: TestServer, user: string, bytes: string, contentType = 'application/octet-stream'): Promise<string> {
  const res = await server.http.post('/blobs/upload').set('X-User', user).attach('file', Buffer.from(bytes), { filename: 'f', contentType }).expect(200);
  return (res.body as Binary).file_id!;
}

/** Alice's private doc with an inline secret; answers the doc id and the secret's file id. */
async function aliceSecret(server: TestServer): Promise<{ id: string; fileId: string }> {
  const created = await server.http.post('/doc').set('X-User', 'alice').send({ name: 'secret', file: { data: b64('the secret'), content_type: 'text/plain' } }).expect(200);
  const doc = await server.http.get(`/doc/${created.body.resource_id}/data`).set('X-User', 'alice').expect(200);
  return { id: created.body.resource_id, fileId: doc.body.file.file_id };
}

async function docCount(server: TestServer): Promise<number> {
  return (await server.http.get('/doc/count').set('X-User', 'alice').expect(200)).body;
}

describe('blob access with a permission checker', () => {
  it('the uploader reads their blob; anyone else gets the 404 of an unknown blob', async () => {
    const server = guardedServer();
    const { fileId } = await aliceSecret(server);
    const own = await server.http.get(`/blobs/${fileId}`).set('X-User', 'alice').expect(200);
    expect(own.text).toBe('the secret');
    const other = await server.http.get(`/blobs/${fileId}`).set('X-User', 'bob').expect(404);
    const unknown = await server.http.get('/blobs/0123456789abcdef0123456789abcdef').set('X-User', 'bob').expect(404);
    expect(other.body).toEqual({ detail: `Blob ${fileId} not found` });
    expect(unknown.body).toEqual({ detail: 'Blob 0123456789abcdef0123456789abcdef not found' });
  });

  it("referencing another user's blob from one's own resource is refused (403) and writes nothing", async () => {
    const server = guardedServer();
    const { fileId } = await aliceSecret(server);
    const before = await docCount(server);
    const create = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'mine', file: { file_id: fileId } }).expect(403);
    expect(create.body.detail).toContain(`may not reference blob '${fileId}'`);
    expect(await docCount(server)).toBe(before);

    const mine = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'mine' }).expect(200);
    const put = await server.http.put(`/doc/${mine.body.resource_id}`).set('X-User', 'bob').send({ name: 'mine', extras: [{ file_id: fileId }] }).expect(403);
    expect(put.body.detail).toContain(fileId);
    const patch = await server.http.patch(`/doc/${mine.body.resource_id}`).set('X-User', 'bob').send([{ op: 'add', path: '/file', value: { file_id: fileId } }]).expect(403);
    expect(patch.body.detail).toContain(fileId);
    const meta = await server.http.get(`/doc/${mine.body.resource_id}/meta`).set('X-User', 'bob').expect(200);
    expect(meta.body.total_revision_count).toBe(1);
    // and so the resource-gated route cannot hand it out either
    await server.http.get(`/doc/${mine.body.resource_id}/blobs/${fileId}`).set('X-User', 'bob').expect(404);
    await server.http.get(`/doc/${(await aliceSecret(server)).id}/blobs/${fileId}`).set('X-User', 'bob').expect(403);
  });

  it('a refused reference does not reveal whether the blob exists', async () => {
    const server = guardedServer();
    const { fileId } = await aliceSecret(server);
    const existing = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'x', file: { file_id: fileId } }).expect(403);
    const unknownId = '0123456789abcdef0123456789abcdef';
    const unknown = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'x', file: { file_id: unknownId } }).expect(403);
    expect(unknown.body.detail).toBe(existing.body.detail.replace(fileId, unknownId));
  });

  it('uploaders reference their uploads; a resource keeps the blobs it already references', async () => {
    const server = guardedServer();
    const fileId = await upload(server, 'bob', 'bob bytes', 'image/png');
    const created = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'b', file: { file_id: fileId } }).expect(200);
    const id = created.body.resource_id;
    const data = (await server.http.get(`/doc/${id}/data`).set('X-User', 'bob').expect(200)).body;
    expect(data.file).toEqual({ file_id: fileId, size: 9, content_type: 'image/png' });

    // Carol, who may edit Alice's doc but uploaded nothing, keeps its file through an update...
    const { fileId: secret, id: aliceDoc } = await aliceSecret(server);
    server.checker.sharedWith.set(aliceDoc, 'carol');
    const roundTrip = (await server.http.get(`/doc/${aliceDoc}/data`).set('X-User', 'carol').expect(200)).body;
    const put = await server.http.put(`/doc/${aliceDoc}`).set('X-User', 'carol').send({ ...roundTrip, name: 'renamed' }).expect(200);
    expect(put.body.revision_id).toBe(`${aliceDoc}:2`);
    await server.http.patch(`/doc/${aliceDoc}`).set('X-User', 'carol').send([{ op: 'add', path: '/extras', value: [{ file_id: secret }] }]).expect(200);
    expect((await server.http.get(`/doc/${aliceDoc}/blobs/${secret}`).set('X-User', 'carol').expect(200)).text).toBe('the secret');
    // ...but cannot bring in Bob's upload, nor read Alice's blob outside the doc.
    const refused = await server.http.put(`/doc/${aliceDoc}`).set('X-User', 'carol').send({ ...roundTrip, extras: [{ file_id: fileId }] }).expect(403);
    expect(refused.body.detail).toContain(fileId);
    await server.http.get(`/blobs/${secret}`).set('X-User', 'carol').expect(404);
    expect((await server.http.get(`/doc/${aliceDoc}/meta`).set('X-User', 'carol').expect(200)).body.total_revision_count).toBe(3);
  });

  it('inline bytes make the writer an uploader', async () => {
    const server = guardedServer();
    const created = await server.http.post('/doc').set('X-User', 'bob').send({ name: 'b', file: { data: b64('inline') } }).expect(200);
    const data = (await server.http.get(`/doc/${created.body.resource_id}/data`).set('X-User', 'bob').expect(200)).body;
    expect((await server.http.get(`/blobs/${data.file.file_id}`).set('X-User', 'bob').expect(200)).body.toString()).toBe('inline');
    await server.http.post('/doc').set('X-User', 'bob').send({ name: 'copy', file: { file_id: data.file.file_id } }).expect(200);
  });

  it('after a purge the blob stays readable by its uploader only', async () => {
    const server = guardedServer();
    const { id, fileId } = await aliceSecret(server);
    await server.http.delete(`/doc/${id}/permanently`).set('X-User', 'alice').expect(200);
    await server.http.get(`/doc/${id}/blobs/${fileId}`).set('X-User', 'alice').expect(404);
    await server.http.get(`/blobs/${fileId}`).set('X-User', 'bob').expect(404);
    expect((await server.http.get(`/blobs/${fileId}`).set('X-User', 'alice').expect(200)).text).toBe('the secret');
  });

  it('the global routes can be switched off, and leave the document', async () => {
    const server = guardedServer({ blobs: { download: false, upload: false } });
    const { id, fileId } = await aliceSecret(server);
    await server.http.get(`/blobs/${fileId}`).set('X-User', 'alice').expect(404);
    await server.http.post('/blobs/upload').set('X-User', 'alice').attach('file', Buffer.from('x'), 'f').expect(404);
    expect((await server.http.get(`/doc/${id}/blobs/${fileId}`).set('X-User', 'alice').expect(200)).text).toBe('the secret');
    const doc = (await server.http.get('/openapi.json').expect(200)).body;
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/blobs'))).toEqual([]);
    const onlyDownload = guardedServer({ blobs: { upload: false } });
    expect(Object.keys((await onlyDownload.http.get('/openapi.json').expect(200)).body.paths).filter((path) => path.startsWith('/blobs'))).toEqual(['/blobs/{file_id}']);
  });
});

describe('blob access without a restricting checker', () => {
  it.each([
    ['no checker', () => new SpecStar()],
    ['AllowAll', () => new SpecStar({ permissionChecker: new AllowAll() })],
  ])('%s: any caller reads and references any blob, as before', async (_name, make) => {
    const spec = make();
    spec.addModel(DocSchema);
    const server = makeServer({ spec });
    const fileId = await upload(server, 'alice', 'shared');
    expect((await server.http.get(`/blobs/${fileId}`).set('X-User', 'bob').expect(200)).body.toString()).toBe('shared');
    await server.http.post('/doc').set('X-User', 'bob').send({ name: 'b', file: { file_id: fileId } }).expect(200);
    // nothing is recorded while unguarded
    expect(await spec.getBlobStore().isGranted!(fileId, 'alice')).toBe(false);
  });
});

describe('blob responses never run as active content', () => {
  it.each([
    ['text/html', '<script>alert(document.cookie)</script>', 'attachment'],
    ['image/svg+xml', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'attachment'],
    ['application/javascript', 'alert(1)', 'attachment'],
    ['image/png', '\x89PNG', undefined],
    ['application/pdf', '%PDF-1.4', undefined],
    ['text/plain', 'hello', undefined],
  ])('%s is served with nosniff, a sandboxing CSP and disposition %s', async (contentType, body, disposition) => {
    const server = makeServer({ spec: new SpecStar() });
    server.spec.addModel(DocSchema);
    const fileId = await upload(server, 'alice', body, contentType);
    const created = await server.http.post('/doc').send({ name: 'd', file: { file_id: fileId } }).expect(200);
    for (const path of [`/blobs/${fileId}`, `/doc/${created.body.resource_id}/blobs/${fileId}`]) {
      const res = await server.http.get(path).buffer(true).expect(200);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
      expect(res.headers['content-disposition']).toBe(disposition);
    }
  });
});
