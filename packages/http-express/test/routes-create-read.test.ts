// Create and the single-resource reads: exact status codes and wire shapes.
import type { IEventHandler } from '@specstar/interfaces';
import { StepClock, UUID, DATA_HASH, WIRE_TIME, makeRegistry, makeServer, type TestServer } from './helpers';

describe('POST /{model} (create)', () => {
  let server: TestServer;
  beforeEach(() => {
    server = makeServer();
  });

  it('answers 200 with the RevisionInfo of revision :1, in wire order, with Z timestamps', async () => {
    const res = await server.http.post('/item').set('X-User', 'alice').send({ name: 'sword' }).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const info = res.body as Record<string, unknown>;
    expect(Object.keys(info)).toEqual([
      'uid',
      'resource_id',
      'revision_id',
      'parent_revision_id',
      'schema_version',
      'data_hash',
      'status',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
    ]);
    const id = info['resource_id'] as string;
    expect(id).toMatch(/^item:/);
    expect(id.slice('item:'.length)).toMatch(UUID);
    expect(info['revision_id']).toBe(`${id}:1`);
    expect(info['uid']).toMatch(UUID);
    // nullable fields are sent as null; unset ones (parent_schema_version) are omitted
    expect(info['parent_revision_id']).toBeNull();
    expect(info['schema_version']).toBeNull();
    expect('parent_schema_version' in info).toBe(false);
    expect(info['data_hash']).toMatch(DATA_HASH);
    expect(info['status']).toBe('stable');
    expect(info['created_time']).toBe(StepClock.wire(0));
    expect(info['updated_time']).toBe(StepClock.wire(0));
    expect(info['created_by']).toBe('alice');
    expect(info['updated_by']).toBe('alice');
    expect(res.headers['etag']).toBe(`"${id}:1@${info['data_hash'] as string}"`);
  });

  it('uses the model default status (draft workflow)', async () => {
    const res = await server.http.post('/article').send({ title: 'Hello' }).expect(200);
    expect(res.body.status).toBe('draft');
  });

  it('rejects a body that does not fit the schema with 422 and a string detail', async () => {
    const res = await server.http.post('/item').send({ name: 42 }).expect(422);
    expect(typeof res.body.detail).toBe('string');
    expect(res.body.detail).toContain('name');
  });

  it('rejects a missing body with the framework 422 list (loc ["body"])', async () => {
    const res = await server.http.post('/item').expect(422);
    expect(res.body.detail).toEqual([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  });

  it('treats an empty JSON body as missing', async () => {
    const res = await server.http.post('/item').set('Content-Type', 'application/json').send('').expect(422);
    expect(res.body.detail[0].loc).toEqual(['body']);
  });

  it('404 for an unregistered model', async () => {
    const res = await server.http.post('/nothing').send({ name: 'x' }).expect(404);
    expect(res.body).toEqual({ detail: 'Not Found' });
  });
});

describe('GET /{model}/{resource_id} (canonical read)', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    const res = await server.http
      .post('/item')
      .send({ name: 'sword', value: 3, tags: ['a', 'b', 'c'], note: null, address: { city: 'Oslo', zip: '0150' } })
      .expect(200);
    id = res.body.resource_id;
  });

  it('returns the envelope data, revision_info, meta in that order, with an ETag', async () => {
    const res = await server.http.get(`/item/${id}`).expect(200);
    expect(Object.keys(res.body)).toEqual(['data', 'revision_info', 'meta']);
    expect(res.body.data).toEqual({ name: 'sword', value: 3, tags: ['a', 'b', 'c'], note: null, address: { city: 'Oslo', zip: '0150' } });
    expect(res.body.revision_info.revision_id).toBe(`${id}:1`);
    expect(res.headers['etag']).toBe(`"${id}:1@${res.body.revision_info.data_hash as string}"`);
    const meta = res.body.meta;
    expect(Object.keys(meta)).toEqual([
      'current_revision_id',
      'resource_id',
      'schema_version',
      'total_revision_count',
      'created_time',
      'updated_time',
      'created_by',
      'updated_by',
      'is_deleted',
      'indexed_data',
      'rev_status',
      'rev_created_by',
      'rev_updated_by',
      'rev_created_time',
      'rev_updated_time',
    ]);
    expect(meta).toMatchObject({ current_revision_id: `${id}:1`, resource_id: id, total_revision_count: 1, is_deleted: false, schema_version: null });
    expect(meta.indexed_data).toEqual({ name: 'sword', value: 3, tags: ['a', 'b', 'c'], 'address.city': 'Oslo' });
    for (const key of ['created_time', 'updated_time', 'rev_created_time', 'rev_updated_time']) expect(meta[key]).toMatch(WIRE_TIME);
  });

  it('/full is byte-identical to the canonical read', async () => {
    const query = '?returns=data,meta&partial=/name&partial=meta/resource_id';
    const a = await server.http.get(`/item/${id}${query}`).expect(200);
    const b = await server.http.get(`/item/${id}/full${query}`).expect(200);
    expect(b.text).toBe(a.text);
  });

  it('returns selects sections (trimmed, unknown ignored, info alias) and never reorders them', async () => {
    expect(Object.keys((await server.http.get(`/item/${id}?returns=meta, data`).expect(200)).body)).toEqual(['data', 'meta']);
    expect(Object.keys((await server.http.get(`/item/${id}?returns=info`).expect(200)).body)).toEqual(['revision_info']);
    expect((await server.http.get(`/item/${id}?returns=foo`).expect(200)).body).toEqual({});
    expect((await server.http.get(`/item/${id}?returns=`).expect(200)).body).toEqual({});
  });

  it('returns=only-data answers the bare data object', async () => {
    const res = await server.http.get(`/item/${id}?returns=only-data&partial=name`).expect(200);
    expect(res.body).toEqual({ name: 'sword' });
  });

  it('partial routes selectors by prefix; unprefixed ones go to data', async () => {
    const res = await server.http
      .get(`/item/${id}`)
      .query('partial=/name&partial=address/city&partial=meta/updated_time&partial=info/revision_id&partial=info/status')
      .expect(200);
    expect(res.body.data).toEqual({ name: 'sword', address: { city: 'Oslo' } });
    expect(res.body.revision_info).toEqual({ revision_id: `${id}:1`, status: 'stable' });
    expect(res.body.meta).toEqual({ updated_time: StepClock.wire(0) });
  });

  it('partial[] (axios form) works; partial wins when both are sent', async () => {
    const bracket = await server.http.get(`/item/${id}?returns=data&partial[]=name&partial[]=value`).expect(200);
    expect(bracket.body).toEqual({ data: { name: 'sword', value: 3 } });
    const both = await server.http.get(`/item/${id}?returns=data&partial=tags&partial[]=name`).expect(200);
    expect(both.body).toEqual({ data: { tags: ['a', 'b', 'c'] } });
  });

  it('partial selects array items by index, slice and wildcard; unknown fields give {}', async () => {
    expect((await server.http.get(`/item/${id}?returns=data&partial=tags/-1`).expect(200)).body.data).toEqual({ tags: ['c'] });
    expect((await server.http.get(`/item/${id}?returns=data&partial=tags/0:2`).expect(200)).body.data).toEqual({ tags: ['a', 'b'] });
    expect((await server.http.get(`/item/${id}?returns=data&partial=nope`).expect(200)).body.data).toEqual({});
  });

  it('reads an older revision with revision_id; meta stays the current one', async () => {
    await server.http.put(`/item/${id}`).send({ name: 'axe' }).expect(200);
    const res = await server.http.get(`/item/${id}?revision_id=${encodeURIComponent(`${id}:1`)}`).expect(200);
    expect(res.body.data.name).toBe('sword');
    expect(res.body.revision_info.revision_id).toBe(`${id}:1`);
    expect(res.body.meta.current_revision_id).toBe(`${id}:2`);
  });

  it('a write landing between the data read and the meta read still gets an envelope whose data, info and meta agree', async () => {
    // Another client's update, run once right after the route has read the data (a get's after phase).
    let landed = false;
    let raced = '';
    const interleave: IEventHandler = {
      isSupported: (ctx) => ctx.action_name === 'get' && ctx.phase === 'after' && !landed,
      handleEvent: async () => {
        landed = true;
        await server.spec.getResourceManager('item').update(raced, { name: 'axe', value: 4, tags: [], note: null, address: { city: 'Oslo', zip: '0150' } });
      },
    };
    server = makeServer({ spec: makeRegistry({ eventHandlers: [interleave] }) });
    const created = await server.http.post('/item').send({ name: 'sword', value: 3, tags: [], note: null, address: { city: 'Oslo', zip: '0150' } }).expect(200);
    raced = created.body.resource_id as string;
    const res = await server.http.get(`/item/${raced}`).expect(200);
    expect(landed).toBe(true);
    expect(res.body.meta.current_revision_id).toBe(`${raced}:2`);
    expect(res.body.revision_info.revision_id).toBe(`${raced}:2`);
    expect(res.body.data.name).toBe('axe');
    expect(res.headers['etag']).toBe(`"${raced}:2@${res.body.revision_info.data_hash as string}"`);
  });

  it('404 for an unknown resource or revision', async () => {
    const missing = await server.http.get('/item/item:nope').expect(404);
    expect(typeof missing.body.detail).toBe('string');
    expect(missing.body.detail).toContain('item:nope');
    const rev = await server.http.get(`/item/${id}?revision_id=${encodeURIComponent(`${id}:9`)}`).expect(404);
    expect(rev.body.detail).toContain(`${id}:9`);
  });

  it('a soft-deleted resource is 404 unless include_deleted=true', async () => {
    await server.http.delete(`/item/${id}`).expect(200);
    const gone = await server.http.get(`/item/${id}`).expect(404);
    expect(typeof gone.body.detail).toBe('string');
    const res = await server.http.get(`/item/${id}?include_deleted=true`).expect(200);
    expect(res.body.meta.is_deleted).toBe(true);
    expect(res.body.data.name).toBe('sword');
    // every item read applies the same rule
    for (const suffix of ['/full', '/data', '/meta', '/revision-info', '/revision-list']) {
      await server.http.get(`/item/${id}${suffix}`).expect(404);
      await server.http.get(`/item/${id}${suffix}?include_deleted=TRUE`).expect(200);
    }
  });

  it('a non-boolean include_deleted is a framework 422', async () => {
    const res = await server.http.get(`/item/${id}?include_deleted=maybe`).expect(422);
    expect(res.body.detail).toEqual([
      { type: 'bool_parsing', loc: ['query', 'include_deleted'], msg: expect.any(String), input: 'maybe' },
    ]);
  });

  it('accepts yes/no, on/off and 1/0 as booleans', async () => {
    await server.http.delete(`/item/${id}`).expect(200);
    for (const word of ['yes', 'On', '1']) await server.http.get(`/item/${id}?include_deleted=${word}`).expect(200);
    for (const word of ['no', 'off', '0']) await server.http.get(`/item/${id}?include_deleted=${word}`).expect(404);
  });
});

describe('deprecated single-resource reads', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    id = (await server.http.post('/item').send({ name: 'sword', value: 3, address: { city: 'Oslo' } }).expect(200)).body.resource_id;
    await server.http.put(`/item/${id}`).send({ name: 'axe', value: 4 }).expect(200);
  });

  it('/data returns the data object; a data/ prefix is stripped', async () => {
    expect((await server.http.get(`/item/${id}/data`).expect(200)).body).toEqual({ name: 'axe', value: 4 });
    expect((await server.http.get(`/item/${id}/data?partial=data/name`).expect(200)).body).toEqual({ name: 'axe' });
    const old = await server.http.get(`/item/${id}/data?revision_id=${encodeURIComponent(`${id}:1`)}`).expect(200);
    expect(old.body).toEqual({ name: 'sword', value: 3, address: { city: 'Oslo' } });
  });

  it('/meta returns the meta; unprefixed selectors target meta', async () => {
    const res = await server.http.get(`/item/${id}/meta?partial=resource_id&partial=meta/total_revision_count&partial=data/name`).expect(200);
    expect(res.body).toEqual({ resource_id: id, total_revision_count: 2 });
  });

  it('/revision-info returns the current or a given revision; unprefixed selectors target info', async () => {
    const current = await server.http.get(`/item/${id}/revision-info`).expect(200);
    expect(current.body.revision_id).toBe(`${id}:2`);
    expect(current.body.parent_revision_id).toBe(`${id}:1`);
    const first = await server.http.get(`/item/${id}/revision-info?revision_id=${encodeURIComponent(`${id}:1`)}&partial=revision_id`).expect(200);
    expect(first.body).toEqual({ revision_id: `${id}:1` });
    await server.http.get(`/item/${id}/revision-info?revision_id=${encodeURIComponent(`${id}:7`)}`).expect(404);
  });
});

describe('GET /{model}/{resource_id}/revision-list', () => {
  let server: TestServer;
  let id: string;
  beforeEach(async () => {
    server = makeServer();
    // revisions :1 … :4 at ticks 0 … 3, then switch back to :2 (tick 4) and update → :5 (tick 5), parent :2
    id = (await server.http.post('/item').send({ name: 'v1' }).expect(200)).body.resource_id;
    for (const name of ['v2', 'v3', 'v4']) await server.http.put(`/item/${id}`).send({ name }).expect(200);
    await server.http.post(`/item/${id}/switch/${encodeURIComponent(`${id}:2`)}`).expect(200);
    await server.http.put(`/item/${id}`).send({ name: 'v5' }).expect(200);
  });

  const revs = (body: { revisions: Array<{ revision_id: string }> }): string[] => body.revisions.map((r) => r.revision_id.split(':').pop()!);

  it('defaults to newest first, limit 10, with meta, total and has_more', async () => {
    const res = await server.http.get(`/item/${id}/revision-list`).expect(200);
    expect(Object.keys(res.body)).toEqual(['meta', 'revisions', 'total', 'has_more']);
    expect(revs(res.body)).toEqual(['5', '4', '3', '2', '1']);
    expect(res.body.total).toBe(5);
    expect(res.body.has_more).toBe(false);
    expect(res.body.meta.current_revision_id).toBe(`${id}:5`);
  });

  it('sorts ascending, pages with limit/offset and reports has_more', async () => {
    const res = await server.http.get(`/item/${id}/revision-list?sort=created_time&limit=2&offset=1`).expect(200);
    expect(revs(res.body)).toEqual(['2', '3']);
    expect(res.body.total).toBe(5);
    expect(res.body.has_more).toBe(true);
  });

  it('filters by created time window (inclusive)', async () => {
    const res = await server.http
      .get(`/item/${id}/revision-list?sort=created_time&created_time_start=${StepClock.wire(1)}&created_time_end=${StepClock.wire(2)}`)
      .expect(200);
    expect(revs(res.body)).toEqual(['2', '3']);
  });

  it('from_revision_id starts there; chain_only follows parents child → parent', async () => {
    const from = await server.http.get(`/item/${id}/revision-list?from_revision_id=${encodeURIComponent(`${id}:3`)}`).expect(200);
    expect(revs(from.body)).toEqual(['3', '2', '1']);
    const chain = await server.http.get(`/item/${id}/revision-list?chain_only=true`).expect(200);
    expect(revs(chain.body)).toEqual(['5', '2', '1']);
    const ascending = await server.http.get(`/item/${id}/revision-list?chain_only=true&sort=created_time`).expect(200);
    expect(revs(ascending.body)).toEqual(['5', '2', '1']);
  });

  it('partial: unprefixed selectors apply to every revision, meta/ to the meta', async () => {
    const res = await server.http.get(`/item/${id}/revision-list?limit=1&partial=revision_id&partial=meta/resource_id`).expect(200);
    expect(res.body).toEqual({ meta: { resource_id: id }, revisions: [{ revision_id: `${id}:5` }], total: 5, has_more: true });
  });

  it('inline errors: Invalid sort, limit, offset (400) and unknown from_revision_id (404)', async () => {
    expect((await server.http.get(`/item/${id}/revision-list?sort=name`).expect(400)).body).toEqual({ detail: 'Invalid sort' });
    expect((await server.http.get(`/item/${id}/revision-list?limit=0`).expect(400)).body).toEqual({ detail: 'limit must be >= 1' });
    expect((await server.http.get(`/item/${id}/revision-list?offset=-1`).expect(400)).body).toEqual({ detail: 'offset must be >= 0' });
    expect((await server.http.get(`/item/${id}/revision-list?from_revision_id=x`).expect(404)).body).toEqual({ detail: 'revision_id not found' });
  });

  it('a non-integer limit is a framework 422', async () => {
    const res = await server.http.get(`/item/${id}/revision-list?limit=ten`).expect(422);
    expect(res.body.detail[0]).toMatchObject({ type: 'int_parsing', loc: ['query', 'limit'], input: 'ten' });
  });

  it('404 for an unknown resource', async () => {
    await server.http.get('/item/item:nope/revision-list').expect(404);
  });
});
