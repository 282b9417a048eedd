// Revision diffs, If-Match on every write to a resource, If-None-Match → 304, and the ETag on
// single-resource answers: exact statuses and wire shapes.
import { makeServer, type TestServer } from './helpers';

const enc = encodeURIComponent;

describe('GET /{model}/{resource_id}/diff', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'v1', value: 1 }).expect(200)).body.resource_id;
    await server.http.put(`/item/${id}`).send({ name: 'v2', value: 1, tags: ['x'] }).expect(200);
    await server.http.put(`/item/${id}`).send({ name: 'v2', value: 3, tags: ['x'] }).expect(200);
  });

  it('defaults to parent → current', async () => {
    const res = await server.http.get(`/item/${id}/diff`).expect(200);
    expect(res.body).toEqual([{ op: 'replace', path: '/value', value: 3 }]);
  });

  it('takes from and to, in either direction', async () => {
    const forward = await server.http.get(`/item/${id}/diff?from=${enc(`${id}:1`)}&to=${enc(`${id}:2`)}`).expect(200);
    expect(forward.body).toEqual([
      { op: 'replace', path: '/name', value: 'v2' },
      { op: 'add', path: '/tags', value: ['x'] },
    ]);
    const back = await server.http.get(`/item/${id}/diff?from=${enc(`${id}:3`)}&to=${enc(`${id}:1`)}`).expect(200);
    expect(back.body).toEqual([
      { op: 'remove', path: '/tags' },
      { op: 'replace', path: '/value', value: 1 },
      { op: 'replace', path: '/name', value: 'v1' },
    ]);
  });

  it('an unknown revision, a revision of another resource, or an empty id is refused, naming it', async () => {
    const unknown = await server.http.get(`/item/${id}/diff?from=${enc(`${id}:9`)}`).expect(404);
    expect(unknown.body).toEqual({ detail: `Revision '${id}:9' (from) of Resource '${id}' not found.` });
    const other = (await server.http.post('/item').send({ name: 'o' }).expect(200)).body.resource_id as string;
    const foreign = await server.http.get(`/item/${id}/diff?to=${enc(`${other}:1`)}`).expect(404);
    expect(foreign.body.detail).toBe(
      `Revision '${other}:1' (to) belongs to resource '${other}', not '${id}': a diff compares two revisions of one resource.`,
    );
    // A revision of another model's resource: the same clear 404.
    const article = (await server.http.post('/article').send({ title: 'T' }).expect(200)).body.resource_id as string;
    const crossModel = await server.http.get(`/item/${id}/diff?from=${enc(`${article}:1`)}`).expect(404);
    expect(crossModel.body.detail).toBe(
      `Revision '${article}:1' (from) belongs to resource '${article}', not '${id}': a diff compares two revisions of one resource.`,
    );
    const empty = await server.http.get(`/item/${id}/diff?from=`).expect(400);
    expect(empty.body.detail).toContain('from must be a revision id');
    await server.http.get('/item/item:nope/diff').expect(404);
  });
});

describe('If-Match on switch, delete, restore and permanently delete', () => {
  let server: TestServer;
  let id: string;
  let etag1: string;
  beforeEach(async () => {
    server = makeServer();
    const created = await server.http.post('/item').send({ name: 'v1' }).expect(200);
    id = created.body.resource_id;
    etag1 = created.headers['etag'] as string;
    await server.http.put(`/item/${id}`).send({ name: 'v2' }).expect(200);
  });

  it('a stale etag or revision id answers 412 with the precondition body and changes nothing', async () => {
    const expected = { code: 'PRECONDITION_FAILED', expected_revision_id: `${id}:1`, actual_revision_id: `${id}:2` };
    const sw = await server.http.post(`/item/${id}/switch/${enc(`${id}:1`)}`).set('If-Match', etag1).expect(412);
    expect(sw.body.detail).toMatchObject(expected);
    expect((await server.http.delete(`/item/${id}`).set('If-Match', `${id}:1`).expect(412)).body.detail).toMatchObject(expected);
    await server.http.delete(`/item/${id}/permanently`).set('If-Match', etag1).expect(412);
    const meta = await server.http.get(`/item/${id}/meta`).expect(200);
    expect(meta.body).toMatchObject({ current_revision_id: `${id}:2`, is_deleted: false, total_revision_count: 2 });
  });

  it('a current etag lets each write through, and each answer carries the ETag of the current revision', async () => {
    const etag2 = (await server.http.get(`/item/${id}`).expect(200)).headers['etag'] as string;
    const switched = await server.http.post(`/item/${id}/switch/${enc(`${id}:1`)}`).set('If-Match', etag2).expect(200);
    expect(switched.body.current_revision_id).toBe(`${id}:1`);
    expect(switched.headers['etag']).toBe(etag1);
    const deleted = await server.http.delete(`/item/${id}`).set('If-Match', etag1).expect(200);
    expect(deleted.headers['etag']).toBe(etag1);
    await server.http.post(`/item/${id}/restore`).set('If-Match', `${id}:2`).expect(412);
    const restored = await server.http.post(`/item/${id}/restore`).set('If-Match', etag1).expect(200);
    expect(restored.body.is_deleted).toBe(false);
    expect(restored.headers['etag']).toBe(etag1);
    await server.http.delete(`/item/${id}/permanently`).set('If-Match', `${id}:1`).expect(200);
    await server.http.get(`/item/${id}`).expect(404);
  });

  it('If-Match on an unknown resource is 404, not 412', async () => {
    await server.http.delete('/item/item:nope').set('If-Match', etag1).expect(404);
  });
});

describe('If-None-Match on reads', () => {
  it('answers 304 with the ETag and no body while the revision is current, 200 once it changed', async () => {
    const server = makeServer();
    const id = (await server.http.post('/item').send({ name: 'v1' }).expect(200)).body.resource_id as string;
    const first = await server.http.get(`/item/${id}`).expect(200);
    const etag = first.headers['etag'] as string;
    for (const path of [`/item/${id}`, `/item/${id}/data`, `/item/${id}/meta`, `/item/${id}/revision-info`]) {
      const res = await server.http.get(path).set('If-None-Match', etag).expect(304);
      expect(res.headers['etag']).toBe(etag);
      expect(res.text).toBe('');
    }
    await server.http.get(`/item/${id}`).set('If-None-Match', `W/${etag}`).expect(304);
    await server.http.get(`/item/${id}`).set('If-None-Match', '"other:1"').expect(200);
    await server.http.put(`/item/${id}`).send({ name: 'v2' }).expect(200);
    const changed = await server.http.get(`/item/${id}`).set('If-None-Match', etag).expect(200);
    expect(changed.headers['etag']).not.toBe(etag);
    expect(changed.body.data.name).toBe('v2');
    // An older revision asked for by id is still the same representation.
    await server.http.get(`/item/${id}?revision_id=${enc(`${id}:1`)}`).set('If-None-Match', etag).expect(304);
  });
});
