// Writes and If-Match: exact status codes and wire shapes.
import { StepClock, makeServer, type TestServer } from './helpers';

const enc = encodeURIComponent;

describe('PUT /{model}/{resource_id}', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'sword', value: 1 }).expect(200)).body.resource_id;
  });

  it('mode=update appends revision :2 with parent :1 and the caller/clock of the request', async () => {
    const res = await server.http.put(`/item/${id}`).set('X-User', 'bob').send({ name: 'sword', value: 2 }).expect(200);
    expect(res.body).toMatchObject({
      revision_id: `${id}:2`,
      parent_revision_id: `${id}:1`,
      status: 'stable',
      created_by: 'bob',
      updated_by: 'bob',
      created_time: StepClock.wire(1),
    });
    expect(res.headers['etag']).toBe(`"${id}:2@${res.body.data_hash as string}"`);
    const meta = (await server.http.get(`/item/${id}/meta`).expect(200)).body;
    expect(meta).toMatchObject({ current_revision_id: `${id}:2`, total_revision_count: 2, updated_by: 'bob', created_by: 'tester' });
  });

  it('identical data is a no-op that returns the current RevisionInfo unchanged', async () => {
    const before = (await server.http.get(`/item/${id}/revision-info`).expect(200)).body;
    const res = await server.http.put(`/item/${id}`).send({ name: 'sword', value: 1 }).expect(200);
    expect(res.body).toEqual(before);
  });

  it('does not upsert: 404 for an unknown id', async () => {
    await server.http.put('/item/item:nope').send({ name: 'x' }).expect(404);
  });

  it('404 on a soft-deleted resource', async () => {
    await server.http.delete(`/item/${id}`).expect(200);
    const res = await server.http.put(`/item/${id}`).send({ name: 'x' }).expect(404);
    expect(typeof res.body.detail).toBe('string');
  });

  it('422 (string detail) when the data does not fit the schema', async () => {
    const res = await server.http.put(`/item/${id}`).send({ name: 'x', value: 'many' }).expect(422);
    expect(typeof res.body.detail).toBe('string');
  });

  it('422 with a string detail for mode=update without a body', async () => {
    const res = await server.http.put(`/item/${id}`).expect(422);
    expect(typeof res.body.detail).toBe('string');
  });

  it('change_status without mode=modify is 400, checked before the resource exists', async () => {
    const res = await server.http.put('/item/item:nope?change_status=draft').send({ name: 'x' }).expect(400);
    expect(res.body).toEqual({ detail: "change_status can only be used with mode 'modify'" });
  });

  it('mode and change_status outside their literals are framework 422s', async () => {
    const mode = await server.http.put(`/item/${id}?mode=replace`).send({ name: 'x' }).expect(422);
    expect(mode.body.detail[0]).toMatchObject({ type: 'literal_error', loc: ['query', 'mode'], input: 'replace' });
    const status = await server.http.put(`/item/${id}?mode=modify&change_status=final`).send({ name: 'x' }).expect(422);
    expect(status.body.detail[0]).toMatchObject({ type: 'literal_error', loc: ['query', 'change_status'], input: 'final' });
  });

  it('mode=modify on a stable revision is 409', async () => {
    const res = await server.http.put(`/item/${id}?mode=modify`).send({ name: 'edited' }).expect(409);
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.detail).toContain(id);
  });

  it('mode=modify&change_status=draft re-opens and edits in place: same revision id, new uid', async () => {
    const before = (await server.http.get(`/item/${id}/revision-info`).expect(200)).body;
    const res = await server.http.put(`/item/${id}?mode=modify&change_status=draft`).send({ name: 'edited' }).expect(200);
    expect(res.body).toMatchObject({ revision_id: `${id}:1`, parent_revision_id: null, status: 'draft', created_time: before.created_time });
    expect(res.body.uid).not.toBe(before.uid);
    expect(res.body.data_hash).not.toBe(before.data_hash);
    expect((await server.http.get(`/item/${id}/data`).expect(200)).body).toEqual({ name: 'edited', value: 0 });
  });

  it('status-only change: mode=modify&change_status with no body publishes a draft', async () => {
    const draft = (await server.http.post('/article').send({ title: 'Hello' }).expect(200)).body;
    expect(draft.status).toBe('draft');
    await server.http.put(`/article/${draft.resource_id}?mode=modify`).send({ title: 'Hello, world' }).expect(200);
    const published = await server.http.put(`/article/${draft.resource_id}?mode=modify&change_status=stable`).expect(200);
    expect(published.body).toMatchObject({ revision_id: draft.revision_id, status: 'stable' });
    const meta = (await server.http.get(`/article/${draft.resource_id}/meta`).expect(200)).body;
    expect(meta).toMatchObject({ total_revision_count: 1, rev_status: 'stable' });
    // already stable: returned unchanged
    const again = await server.http.put(`/article/${draft.resource_id}?mode=modify&change_status=stable`).expect(200);
    expect(again.body).toEqual(published.body);
  });

  it('mode=modify with neither body nor change_status returns the current info unchanged', async () => {
    const before = (await server.http.get(`/item/${id}/revision-info`).expect(200)).body;
    expect((await server.http.put(`/item/${id}?mode=modify`).expect(200)).body).toEqual(before);
  });

  it('a JSON array body on PUT is a schema error, never a patch', async () => {
    const draft = (await server.http.post('/article').send({ title: 'Hello' }).expect(200)).body;
    await server.http.put(`/article/${draft.resource_id}?mode=modify`).send([{ op: 'replace', path: '/title', value: 'x' }]).expect(422);
  });
});

describe('PATCH /{model}/{resource_id}', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'sword', value: 1, tags: ['a'] }).expect(200)).body.resource_id;
  });

  it('applies RFC 6902 operations as a new revision', async () => {
    const res = await server.http
      .patch(`/item/${id}`)
      .send([
        { op: 'replace', path: '/value', value: 5 },
        { op: 'add', path: '/tags/-', value: 'b' },
      ])
      .expect(200);
    expect(res.body).toMatchObject({ revision_id: `${id}:2`, parent_revision_id: `${id}:1` });
    expect((await server.http.get(`/item/${id}/data`).expect(200)).body).toEqual({ name: 'sword', value: 5, tags: ['a', 'b'] });
  });

  it('accepts application/json-patch+json', async () => {
    await server.http
      .patch(`/item/${id}`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'replace', path: '/name', value: 'axe' }]))
      .expect(200);
    expect((await server.http.get(`/item/${id}/data`).expect(200)).body.name).toBe('axe');
  });

  it('an empty operation list is valid and changes nothing', async () => {
    const res = await server.http.patch(`/item/${id}`).send([]).expect(200);
    expect(res.body.revision_id).toBe(`${id}:1`);
  });

  it('applies an RFC 7386 merge patch with application/merge-patch+json', async () => {
    const res = await server.http
      .patch(`/item/${id}`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ value: 9, tags: null, note: 'hi' }))
      .expect(200);
    expect(res.body.revision_id).toBe(`${id}:2`);
    expect((await server.http.get(`/item/${id}/data`).expect(200)).body).toEqual({ name: 'sword', value: 9, note: 'hi' });
  });

  it('mode=modify edits a draft in place (both patch formats)', async () => {
    const draft = (await server.http.post('/article').send({ title: 'T' }).expect(200)).body;
    const a = await server.http.patch(`/article/${draft.resource_id}?mode=modify`).send([{ op: 'replace', path: '/body', value: 'x' }]).expect(200);
    expect(a.body.revision_id).toBe(draft.revision_id);
    const b = await server.http
      .patch(`/article/${draft.resource_id}?mode=modify&change_status=stable`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ title: 'Final' }))
      .expect(200);
    expect(b.body).toMatchObject({ revision_id: draft.revision_id, status: 'stable' });
    expect((await server.http.get(`/article/${draft.resource_id}/data`).expect(200)).body).toEqual({ title: 'Final', body: 'x' });
  });

  it('mode=modify on a stable revision is 409', async () => {
    await server.http.patch(`/item/${id}?mode=modify`).send([{ op: 'replace', path: '/value', value: 2 }]).expect(409);
  });

  it('400 for malformed operations, failed test ops and missing paths', async () => {
    for (const ops of [
      [{ op: 'frobnicate', path: '/value' }],
      [{ op: 'test', path: '/value', value: 99 }],
      [{ op: 'remove', path: '/nope/deeper' }],
      { op: 'replace', path: '/value', value: 2 },
    ]) {
      const res = await server.http.patch(`/item/${id}`).send(ops).expect(400);
      expect(typeof res.body.detail).toBe('string');
    }
  });

  it('422 when the patched data no longer fits the schema', async () => {
    const res = await server.http.patch(`/item/${id}`).send([{ op: 'replace', path: '/value', value: 'many' }]).expect(422);
    expect(typeof res.body.detail).toBe('string');
  });

  it('change_status without modify → 400; missing body → framework 422; unknown id → 404', async () => {
    await server.http.patch(`/item/${id}?change_status=draft`).send([]).expect(400);
    const missing = await server.http.patch(`/item/${id}`).expect(422);
    expect(missing.body.detail[0].loc).toEqual(['body']);
    await server.http.patch('/item/item:nope').send([]).expect(404);
  });
});

describe('If-Match on PUT and PATCH', () => {
  let server: TestServer;
  let id: string;
  let etag: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/article').send({ title: 'T' }).expect(200)).body.resource_id;
    etag = (await server.http.get(`/article/${id}`).expect(200)).headers['etag'] as string;
  });

  it('a matching etag, weak etag, revision id or * lets the write through', async () => {
    await server.http.put(`/article/${id}`).set('If-Match', etag).send({ title: 'A' }).expect(200);
    const etag2 = (await server.http.get(`/article/${id}`).expect(200)).headers['etag'] as string;
    await server.http.put(`/article/${id}`).set('If-Match', `W/${etag2}`).send({ title: 'B' }).expect(200);
    await server.http.patch(`/article/${id}`).set('If-Match', `${id}:3`).send([{ op: 'replace', path: '/title', value: 'C' }]).expect(200);
    await server.http.put(`/article/${id}`).set('If-Match', '*').send({ title: 'D' }).expect(200);
    await server.http.put(`/article/${id}`).set('If-Match', `"${id}:1", "${id}:5"`).send({ title: 'E' }).expect(200);
  });

  it('a stale revision answers 412 with the precondition body and writes nothing', async () => {
    await server.http.put(`/article/${id}`).send({ title: 'A' }).expect(200);
    const res = await server.http.put(`/article/${id}`).set('If-Match', etag).send({ title: 'B' }).expect(412);
    expect(res.body).toEqual({
      detail: { message: expect.any(String), code: 'PRECONDITION_FAILED', expected_revision_id: `${id}:1`, actual_revision_id: `${id}:2` },
    });
    const patch = await server.http.patch(`/article/${id}`).set('If-Match', `${id}:1`).send([]).expect(412);
    expect(patch.body.detail.actual_revision_id).toBe(`${id}:2`);
    expect((await server.http.get(`/article/${id}/data`).expect(200)).body.title).toBe('A');
  });

  it('an etag goes stale when a draft is modified in place (same revision id, new hash)', async () => {
    await server.http.put(`/article/${id}?mode=modify`).send({ title: 'edited' }).expect(200);
    const res = await server.http.put(`/article/${id}?mode=modify`).set('If-Match', etag).send({ title: 'again' }).expect(412);
    expect(res.body.detail).toMatchObject({ expected_revision_id: `${id}:1`, actual_revision_id: `${id}:1` });
    // the bare revision id still matches
    await server.http.put(`/article/${id}?mode=modify`).set('If-Match', `${id}:1`).send({ title: 'again' }).expect(200);
  });

  it('If-Match on an unknown resource is 404, not 412', async () => {
    await server.http.put('/article/article:nope').set('If-Match', etag).send({ title: 'x' }).expect(404);
  });
});

describe('switch, delete, restore, permanently delete', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'v1', value: 1 }).expect(200)).body.resource_id; // tick 0
    await server.http.put(`/item/${id}`).send({ name: 'v2', value: 2 }).expect(200); // tick 1
  });

  it('switch moves the pointer, refreshes indexed data and answers the meta', async () => {
    const res = await server.http.post(`/item/${id}/switch/${enc(`${id}:1`)}`).set('X-User', 'carol').expect(200);
    expect(res.body).toMatchObject({
      current_revision_id: `${id}:1`,
      total_revision_count: 2,
      updated_by: 'carol',
      updated_time: StepClock.wire(2),
      indexed_data: { name: 'v1', value: 1 },
    });
    // the next update branches from :1
    const next = await server.http.put(`/item/${id}`).send({ name: 'v3' }).expect(200);
    expect(next.body).toMatchObject({ revision_id: `${id}:3`, parent_revision_id: `${id}:1` });
  });

  it('switching to the current revision returns the meta unchanged', async () => {
    const before = (await server.http.get(`/item/${id}/meta`).expect(200)).body;
    expect((await server.http.post(`/item/${id}/switch/${enc(`${id}:2`)}`).expect(200)).body).toEqual(before);
  });

  it('switch to an unknown revision is 404', async () => {
    const res = await server.http.post(`/item/${id}/switch/${enc(`${id}:9`)}`).expect(404);
    expect(res.body.detail).toContain(`${id}:9`);
  });

  it('delete soft-deletes (200 meta); a second delete is 404; restore undoes it', async () => {
    const deleted = await server.http.delete(`/item/${id}`).set('X-User', 'dave').expect(200);
    expect(deleted.body).toMatchObject({ resource_id: id, is_deleted: true, updated_by: 'dave', updated_time: StepClock.wire(2) });
    await server.http.delete(`/item/${id}`).expect(404);
    await server.http.post(`/item/${id}/switch/${enc(`${id}:1`)}`).expect(404);
    const restored = await server.http.post(`/item/${id}/restore`).expect(200);
    // the two refused writes read the clock too (ticks 3 and 4)
    expect(restored.body).toMatchObject({ is_deleted: false, updated_time: StepClock.wire(5) });
    // restoring a live resource returns it unchanged
    expect((await server.http.post(`/item/${id}/restore`).expect(200)).body).toEqual(restored.body);
  });

  it('restore of an unknown resource is 404', async () => {
    await server.http.post('/item/item:nope/restore').expect(404);
  });

  it('permanently delete answers the meta as it was, then every route is 404', async () => {
    await server.http.delete(`/item/${id}`).expect(200);
    const res = await server.http.delete(`/item/${id}/permanently`).expect(200);
    expect(res.body).toMatchObject({ resource_id: id, is_deleted: true, total_revision_count: 2 });
    await server.http.get(`/item/${id}?include_deleted=true`).expect(404);
    await server.http.post(`/item/${id}/restore`).expect(404);
    await server.http.delete(`/item/${id}/permanently`).expect(404);
  });
});
