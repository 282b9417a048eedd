// Relationships and referrers, restrict deletes (409) and validate_refs (422) over HTTP.
import { ref, SpecStar } from '@specstar/core';
import { makeServer, type TestServer } from './helpers';

function registry(): SpecStar {
  const spec = new SpecStar();
  spec.addModel({ title: 'User', type: 'object', properties: { name: { type: 'string' } }, required: ['name'] });
  spec.addModel({
    title: 'Guild',
    type: 'object',
    properties: {
      name: { type: 'string' },
      leader: ref('user', { type: ['string', 'null'] }, { onDelete: 'set_null' }),
      members: { type: 'array', items: ref('user', { type: 'string' }) },
      charter: ref('user', { type: 'string' }, { refType: 'revision_id' }),
      hall: { type: 'object', properties: { keeper: ref('user', { type: 'string' }) } },
    },
  });
  spec.addModel({
    title: 'Post',
    type: 'object',
    properties: { author: ref('user', { type: 'string' }, { onDelete: 'restrict' }), text: { type: 'string' } },
  });
  spec.addModel({ title: 'Tag', type: 'object', properties: { label: { type: 'string' } } });
  return spec;
}

async function create(server: TestServer, model: string, data: object): Promise<string> {
  return (await server.http.post(`/${model}`).send(data).expect(200)).body.resource_id as string;
}

describe('GET /_relationships', () => {
  it('one snake_case object per top-level ref field, in registration order; nested refs are left out', async () => {
    const server = makeServer({ spec: registry() });
    const res = await server.http.get('/_relationships').expect(200);
    expect(res.body).toEqual([
      { source: 'guild', source_field: 'leader', target: 'user', ref_type: 'resource_id', on_delete: 'set_null', nullable: true },
      { source: 'guild', source_field: 'members', target: 'user', ref_type: 'resource_id', on_delete: 'dangling', nullable: false },
      { source: 'guild', source_field: 'charter', target: 'user', ref_type: 'revision_id', on_delete: 'dangling', nullable: false },
      { source: 'post', source_field: 'author', target: 'user', ref_type: 'resource_id', on_delete: 'restrict', nullable: false },
    ]);
  });

  it('[] without refs; other methods → 405', async () => {
    const server = makeServer();
    expect((await server.http.get('/_relationships').expect(200)).body).toEqual([]);
    expect((await server.http.post('/_relationships').expect(405)).headers['allow']).toBe('GET');
  });
});

describe('GET /{target}/{resource_id}/referrers', () => {
  let server: TestServer;
  let alice: string;
  let bob: string;
  beforeEach(async () => {
    server = makeServer({ spec: registry() });
    alice = await create(server, 'user', { name: 'alice' });
    bob = await create(server, 'user', { name: 'bob' });
  });

  it('groups per source field with live referrers; list refs by membership; revision refs never', async () => {
    const g1 = await create(server, 'guild', { name: 'g1', leader: alice, members: [bob, alice], charter: `${alice}:1` });
    const g2 = await create(server, 'guild', { name: 'g2', leader: bob, members: [alice] });
    const gone = await create(server, 'guild', { name: 'g3', leader: alice });
    await server.http.delete(`/guild/${gone}`).expect(200);
    const res = await server.http.get(`/user/${alice}/referrers`).expect(200);
    expect(res.body).toEqual([
      { source: 'guild', source_field: 'leader', ref_type: 'resource_id', on_delete: 'set_null', resource_ids: [g1] },
      { source: 'guild', source_field: 'members', ref_type: 'resource_id', on_delete: 'dangling', resource_ids: expect.arrayContaining([g1, g2]) },
    ]);
    expect(res.body[1].resource_ids).toHaveLength(2);
  });

  it('[] when nothing refers to the resource', async () => {
    expect((await server.http.get(`/user/${alice}/referrers`).expect(200)).body).toEqual([]);
  });

  it("a missing or soft-deleted target → 404 `<target> '<id>' not found`", async () => {
    await server.http.get('/user/user:nope/referrers').expect(404, { detail: "user 'user:nope' not found" });
    await server.http.delete(`/user/${bob}`).expect(200);
    await server.http.get(`/user/${bob}/referrers`).expect(404, { detail: `user '${bob}' not found` });
  });

  it('exists only for referenced models: elsewhere the path is unknown (404), wrong methods on it 405', async () => {
    const tag = await create(server, 'tag', { label: 't' });
    expect((await server.http.get(`/tag/${tag}/referrers`).expect(404)).body).toEqual({ detail: 'Not Found' });
    await server.http.post(`/tag/${tag}/referrers`).expect(404);
    expect((await server.http.post(`/user/${alice}/referrers`).expect(405)).headers['allow']).toBe('GET');
  });
});

describe('referential integrity errors over HTTP', () => {
  it('deleting a resource a restrict ref still names → 409 naming the referrers; nothing is deleted', async () => {
    const server = makeServer({ spec: registry() });
    const alice = await create(server, 'user', { name: 'alice' });
    const post = await create(server, 'post', { author: alice, text: 'hi' });
    const res = await server.http.delete(`/user/${alice}`).expect(409);
    expect(res.body.detail).toEqual({
      message: expect.any(String),
      code: 'REFERENCE_RESTRICT',
      resource_id: alice,
      referrers: [{ source: 'post', source_field: 'author', resource_ids: [post] }],
    });
    expect((await server.http.get(`/user/${alice}/meta`).expect(200)).body.is_deleted).toBe(false);
    // once the referrer is gone the delete goes through
    await server.http.delete(`/post/${post}`).expect(200);
    await server.http.delete(`/user/${alice}`).expect(200);
  });

  it('validateRefs: a ref to a missing resource → 422 naming the field; nothing written', async () => {
    const spec = new SpecStar({ validateRefs: true });
    spec.addModel({ title: 'User', type: 'object', properties: { name: { type: 'string' } } });
    spec.addModel({ title: 'Post', type: 'object', properties: { author: ref('user', { type: 'string' }) } });
    const server = makeServer({ spec });
    const res = await server.http.post('/post').send({ author: 'user:ghost' }).expect(422);
    expect(res.body.detail).toMatch(/'author'/);
    expect(res.body.detail).toMatch(/user:ghost/);
    expect((await server.http.get('/post/count').expect(200)).body).toBe(0);
  });
});
