// List/search, count and the batch routes.
import { StepClock, jsonParam, makeServer, expectValidationList, type TestServer } from './helpers';

interface Envelope {
  data: { name: string; value: number };
  revision_info: { revision_id: string };
  meta: { resource_id: string; is_deleted: boolean };
}

const names = (body: Array<{ data: { name: string } }>): string[] => body.map((item) => item.data.name);

describe('search routes', () => {
  let server: TestServer;
  let ids: Record<string, string>;

  beforeEach(async () => {
    server = makeServer();
    ids = {};
    const rows: Array<[string, object, string]> = [
      ['alpha', { value: 1, tags: ['x'], address: { city: 'Oslo' } }, 'tester'], // tick 0
      ['beta', { value: 2, tags: ['y'], address: { city: 'Rome' } }, 'alice'], // tick 1
      ['gamma', { value: 3, tags: ['x', 'y'] }, 'bob'], // tick 2
      ['delta', { value: 4 }, 'alice'], // tick 3
      ['epsilon', { value: 5 }, 'bob'], // tick 4
    ];
    for (const [name, rest, user] of rows) {
      ids[name] = (await server.http.post('/item').set('X-User', user).send({ name, ...rest }).expect(200)).body.resource_id;
    }
    await server.http.delete(`/item/${ids['epsilon']!}`).expect(200); // tick 5
  });

  describe('GET /{model}', () => {
    it('lists live resources as envelopes in creation order, with X-Has-More', async () => {
      const res = await server.http.get('/item').expect(200);
      expect(names(res.body)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
      const first = res.body[0] as Envelope;
      expect(Object.keys(first)).toEqual(['data', 'revision_info', 'meta']);
      expect(first.revision_info.revision_id).toBe(`${ids['alpha']!}:1`);
      expect(res.headers['x-has-more']).toBe('false');
    });

    it('pages with limit and offset and says whether more exist', async () => {
      const page = await server.http.get('/item?limit=2&offset=1').expect(200);
      expect(names(page.body)).toEqual(['beta', 'gamma']);
      expect(page.headers['x-has-more']).toBe('true');
      const last = await server.http.get('/item?limit=2&offset=2').expect(200);
      expect(names(last.body)).toEqual(['gamma', 'delta']);
      expect(last.headers['x-has-more']).toBe('false');
      const none = await server.http.get('/item?limit=0').expect(200);
      expect(none.body).toEqual([]);
      expect(none.headers['x-has-more']).toBe('true');
    });

    it('a negative or non-integer limit/offset is a framework 422 naming the parameter', async () => {
      const negative = await server.http.get('/item?limit=-1').expect(422);
      expect(negative.body.detail).toEqual([
        { type: 'greater_than_equal', loc: ['query', 'limit'], msg: expect.any(String), input: '-1', ctx: { ge: 0 } },
      ]);
      expectValidationList((await server.http.get('/item?offset=-5').expect(422)).body, ['query', 'offset']);
      expectValidationList((await server.http.get('/item?limit=1.5').expect(422)).body, ['query', 'limit']);
      // every problem is reported at once
      const both = await server.http.get('/item?limit=x&is_deleted=perhaps').expect(422);
      expect(both.body.detail.map((d: { loc: unknown }) => d.loc)).toEqual([
        ['query', 'limit'],
        ['query', 'is_deleted'],
      ]);
    });

    it('is_deleted=true lists only deleted resources; an empty is_deleted lists both', async () => {
      expect(names((await server.http.get('/item?is_deleted=true').expect(200)).body)).toEqual(['epsilon']);
      expect(names((await server.http.get('/item?is_deleted=').expect(200)).body)).toEqual(['alpha', 'beta', 'gamma', 'delta', 'epsilon']);
    });

    it('filters by time windows (inclusive, naive = UTC) and rejects bad dates with 422', async () => {
      const start = encodeURIComponent(StepClock.wire(1));
      const end = StepClock.wire(2).replace('.000Z', ''); // naive form
      expect(names((await server.http.get(`/item?created_time_start=${start}&created_time_end=${end}`).expect(200)).body)).toEqual(['beta', 'gamma']);
      expect(names((await server.http.get(`/item?updated_time_start=${start}&is_deleted=true`).expect(200)).body)).toEqual(['epsilon']);
      const bad = await server.http.get('/item?created_time_start=yesterday').expect(422);
      expect(bad.body.detail[0]).toMatchObject({ loc: ['query', 'created_time_start'], input: 'yesterday' });
    });

    it('filters by creators and updaters (repeatable)', async () => {
      expect(names((await server.http.get('/item?created_bys=alice&created_bys=bob').expect(200)).body)).toEqual(['beta', 'gamma', 'delta']);
      expect(names((await server.http.get('/item?updated_bys=tester').expect(200)).body)).toEqual(['alpha']);
      expect(names((await server.http.get('/item?rev_created_bys=alice').expect(200)).body)).toEqual(['beta', 'delta']);
    });

    it('filters by the status of the current revision (rev_statuses)', async () => {
      const draft = (await server.http.post('/article').send({ title: 'draft' }).expect(200)).body.resource_id;
      const published = (await server.http.post('/article').send({ title: 'published' }).expect(200)).body.resource_id;
      await server.http.put(`/article/${published}?mode=modify&change_status=stable`).expect(200);
      const drafts = await server.http.get('/article/meta?rev_statuses=draft').expect(200);
      expect(drafts.body.map((m: { resource_id: string }) => m.resource_id)).toEqual([draft]);
      const both = await server.http.get('/article/meta?rev_statuses=draft&rev_statuses=stable').expect(200);
      expect(both.body).toHaveLength(2);
      expectValidationList((await server.http.get('/article?rev_statuses=final').expect(422)).body, ['query', 'rev_statuses']);
    });

    it('data_conditions match indexed data; sorts order by indexed data', async () => {
      const res = await server.http
        .get(`/item?data_conditions=${jsonParam([{ field_path: 'value', operator: 'gte', value: 2 }])}&sorts=${jsonParam([{ type: 'data', field_path: 'value', direction: '-' }])}`)
        .expect(200);
      expect(names(res.body)).toEqual(['delta', 'gamma', 'beta']);
      const nested = await server.http.get(`/item?data_conditions=${jsonParam([{ field_path: 'address.city', operator: 'eq', value: 'Rome' }])}`).expect(200);
      expect(names(nested.body)).toEqual(['beta']);
      const tags = await server.http.get(`/item?data_conditions=${jsonParam([{ field_path: 'tags', operator: 'contains', value: 'x' }])}`).expect(200);
      expect(names(tags.body)).toEqual(['alpha', 'gamma']);
    });

    it('conditions match meta attributes first, then indexed data; groups are accepted', async () => {
      const byMeta = await server.http.get(`/item?conditions=${jsonParam([{ field_path: 'created_by', operator: 'eq', value: 'bob' }])}`).expect(200);
      expect(names(byMeta.body)).toEqual(['gamma']);
      const group = [{ operator: 'or', conditions: [{ field_path: 'name', operator: 'eq', value: 'alpha' }, { field_path: 'value', operator: 'eq', value: 4 }] }];
      expect(names((await server.http.get(`/item?conditions=${jsonParam(group)}`).expect(200)).body)).toEqual(['alpha', 'delta']);
      const byTime = await server.http.get(`/item?conditions=${jsonParam([{ field_path: 'created_time', operator: 'gt', value: StepClock.wire(2) }])}`).expect(200);
      expect(names(byTime.body)).toEqual(['delta']);
    });

    it('meta sorts', async () => {
      const res = await server.http.get(`/item?sorts=${jsonParam([{ type: 'meta', key: 'created_time', direction: '-' }])}`).expect(200);
      expect(names(res.body)).toEqual(['delta', 'gamma', 'beta', 'alpha']);
    });

    it('bad JSON parameters answer 400 with the exact prefixes', async () => {
      const cases: Array<[string, string]> = [
        ['data_conditions=not-json', 'Invalid data_conditions format: '],
        [`data_conditions=${jsonParam([{ field_path: 'value', operator: 'approx', value: 1 }])}`, 'Invalid data_conditions format: '],
        [`data_conditions=${jsonParam([{ operator: 'eq', value: 1 }])}`, 'Invalid data_conditions format: '],
        [`data_conditions=${jsonParam({ field_path: 'value', operator: 'eq', value: 1 })}`, 'Invalid data_conditions format: '],
        ['conditions=%5B', 'Invalid conditions format: '],
        [`conditions=${jsonParam([{ field_path: 'value', operator: 'eq' }])}`, 'Invalid conditions format: '],
        ['sorts=%7B', 'Invalid sorts format: '],
        [`sorts=${jsonParam([{ type: 'meta', key: 'created_time' }])}`, 'Invalid sorts format: '],
        [`sorts=${jsonParam([{ type: 'meta', key: 'colour', direction: '+' }])}`, 'Invalid sorts format: '],
      ];
      for (const [query, prefix] of cases) {
        const res = await server.http.get(`/item?${query}`).expect(400);
        expect(typeof res.body.detail).toBe('string');
        expect(res.body.detail.startsWith(prefix)).toBe(true);
      }
      const badType = await server.http.get(`/item?sorts=${jsonParam([{ type: 'colour', direction: '+' }])}`).expect(400);
      expect(badType.body).toEqual({ detail: 'Invalid sorts format: Invalid sort type: colour' });
    });

    it('returns selects sections per item; info is an alias; only-data gives bare data', async () => {
      const data = await server.http.get('/item?returns=data&limit=1').expect(200);
      expect(data.body).toEqual([{ data: { name: 'alpha', value: 1, tags: ['x'], address: { city: 'Oslo' } } }]);
      const info = await server.http.get('/item?returns=info,meta&limit=1').expect(200);
      expect(Object.keys(info.body[0])).toEqual(['revision_info', 'meta']);
      const bare = await server.http.get('/item?returns=only-data&partial=name').expect(200);
      expect(bare.body).toEqual([{ name: 'alpha' }, { name: 'beta' }, { name: 'gamma' }, { name: 'delta' }]);
      expect((await server.http.get('/item?returns=&limit=1').expect(200)).body).toEqual([{}]);
    });

    it('partial applies per section on list items', async () => {
      const res = await server.http.get('/item?limit=1&partial=name&partial=meta/resource_id&partial=info/revision_id').expect(200);
      expect(res.body).toEqual([{ data: { name: 'alpha' }, revision_info: { revision_id: `${ids['alpha']!}:1` }, meta: { resource_id: ids['alpha'] } }]);
    });

    it('404 for an unregistered model', async () => {
      expect((await server.http.get('/weapon').expect(404)).body).toEqual({ detail: 'Not Found' });
    });
  });

  describe('qb mode', () => {
    const qb = (expression: string): string => `qb=${encodeURIComponent(expression)}`;

    it('filters, sorts and pages with the expression', async () => {
      expect(names((await server.http.get(`/item?${qb("QB['value'] >= 3")}`).expect(200)).body)).toEqual(['gamma', 'delta']);
      const sorted = await server.http.get(`/item?${qb("QB['value'].gt(1).sort('-value').limit(2)")}`).expect(200);
      expect(names(sorted.body)).toEqual(['delta', 'gamma']);
      expect(sorted.headers['x-has-more']).toBe('true');
      const meta = await server.http.get(`/item?${qb("QB.resource_id().starts_with('item:') & (QB['name'] << ['beta', 'delta'])")}`).expect(200);
      expect(names(meta.body)).toEqual(['beta', 'delta']);
    });

    it('a URL limit/offset overrides only the parameter that is present', async () => {
      const offsetOnly = await server.http.get(`/item?${qb("QB['value'].gt(0).limit(2)")}&offset=1`).expect(200);
      expect(names(offsetOnly.body)).toEqual(['beta', 'gamma']);
      const limitOnly = await server.http.get(`/item?${qb("QB['value'].gt(0).offset(2)")}&limit=1`).expect(200);
      expect(names(limitOnly.body)).toEqual(['gamma']);
    });

    it('is_deleted is AND-ed into the expression (default false)', async () => {
      expect(names((await server.http.get(`/item?${qb("QB['value'] >= 4")}`).expect(200)).body)).toEqual(['delta']);
      expect(names((await server.http.get(`/item?${qb("QB['value'] >= 4")}&is_deleted=true`).expect(200)).body)).toEqual(['epsilon']);
      expect(names((await server.http.get(`/item?${qb("QB['value'] >= 4")}&is_deleted=`).expect(200)).body)).toEqual(['delta', 'epsilon']);
    });

    it('forbidden companions → 422 listing them in parameter order', async () => {
      const res = await server.http
        .get(`/item?${qb("QB['value'] > 1")}&created_bys=alice&sorts=${jsonParam([])}&updated_time_end=2025-01-01&data_conditions=${jsonParam([])}&rev_statuses=draft`)
        .expect(422);
      expect(res.body).toEqual({
        detail:
          "Cannot use 'qb' parameter together with: data_conditions, sorts, updated_time_end, created_bys, rev_statuses. " +
          "Please use either 'qb' or the individual query parameters. In QB mode, include metadata filters directly in the QB expression.",
      });
      // empty companions do not count
      await server.http.get(`/item?${qb("QB['value'] > 1")}&created_bys=&conditions=`).expect(200);
    });

    it('unknown methods, names and syntax errors answer 400 Invalid QB expression', async () => {
      for (const expression of ["QB['value'].explode(1)", "os.system('ls')", "QB['value'] >", "QB['value'] ** 2", '1', "QB['a'] and QB['b']"]) {
        const res = await server.http.get(`/item?${qb(expression)}`).expect(400);
        expect(typeof res.body.detail).toBe('string');
        expect(res.body.detail.startsWith('Invalid QB expression: ')).toBe(true);
      }
    });

    it('time helpers use the request clock of the dependency provider', async () => {
      // the provider clock reads 2025-01-01T12:00:xx: everything was created "today"
      expect(names((await server.http.get(`/item?${qb("QB.created_time().today(0)")}`).expect(200)).body)).toEqual(['alpha', 'beta', 'gamma', 'delta']);
    });
  });

  describe('deprecated list variants', () => {
    it('/full equals the canonical list; /data, /meta, /revision-info give one section per item', async () => {
      const canonical = await server.http.get('/item?limit=2&returns=data,meta').expect(200);
      const full = await server.http.get('/item/full?limit=2&returns=data,meta').expect(200);
      expect(full.text).toBe(canonical.text);
      expect((await server.http.get('/item/data?limit=2&partial=name').expect(200)).body).toEqual([{ name: 'alpha' }, { name: 'beta' }]);
      const metas = await server.http.get('/item/meta?limit=1&partial=resource_id&returns=data').expect(200);
      expect(metas.body).toEqual([{ resource_id: ids['alpha'] }]);
      const infos = await server.http.get('/item/revision-info?limit=1&partial=revision_id').expect(200);
      expect(infos.body).toEqual([{ revision_id: `${ids['alpha']!}:1` }]);
      expect(infos.headers['x-has-more']).toBe('true');
    });
  });

  describe('GET /{model}/count', () => {
    it('answers a bare integer; limit and offset are ignored', async () => {
      const res = await server.http.get('/item/count').expect(200);
      expect(res.text).toBe('4');
      expect((await server.http.get('/item/count?limit=1&offset=3').expect(200)).body).toBe(4);
      expect((await server.http.get('/item/count?is_deleted=true').expect(200)).body).toBe(1);
      expect((await server.http.get(`/item/count?qb=${encodeURIComponent("QB['value'] < 3")}`).expect(200)).body).toBe(2);
      expect((await server.http.get(`/item/count?data_conditions=${jsonParam([{ field_path: 'value', operator: 'gt', value: 3 }])}`).expect(200)).body).toBe(1);
    });

    it('shares the validation of list', async () => {
      expectValidationList((await server.http.get('/item/count?limit=-1').expect(422)).body, ['query', 'limit']);
      await server.http.get(`/item/count?qb=${encodeURIComponent('QB.nope()')}`).expect(400);
      await server.http.get(`/item/count?qb=x&conditions=${jsonParam([])}`).expect(422);
    });
  });

  describe('batch delete and restore', () => {
    it('DELETE /{model} soft-deletes the live matches in search order; is_deleted is forced false', async () => {
      const res = await server.http
        .delete(`/item?data_conditions=${jsonParam([{ field_path: 'value', operator: 'gte', value: 3 }])}&is_deleted=true`)
        .set('X-User', 'eve')
        .expect(200);
      expect(res.body.map((m: { resource_id: string }) => m.resource_id)).toEqual([ids['gamma'], ids['delta']]);
      for (const meta of res.body) expect(meta).toMatchObject({ is_deleted: true, updated_by: 'eve' });
      expect((await server.http.get('/item/count').expect(200)).body).toBe(2);
    });

    it('POST /{model}/restore restores the deleted matches; nothing matched gives []', async () => {
      await server.http.delete(`/item?qb=${encodeURIComponent("QB['name'] == 'alpha'")}`).expect(200);
      const res = await server.http.post(`/item/restore?qb=${encodeURIComponent("QB['value'] >= 1")}`).expect(200);
      expect(res.body.map((m: { resource_id: string }) => m.resource_id)).toEqual([ids['alpha'], ids['epsilon']]);
      for (const meta of res.body) expect(meta.is_deleted).toBe(false);
      expect((await server.http.post('/item/restore').expect(200)).body).toEqual([]);
      expect((await server.http.get('/item/count').expect(200)).body).toBe(5);
    });

    it('honours limit and rejects bad query parameters before writing anything', async () => {
      const res = await server.http.delete('/item?limit=1').expect(200);
      expect(res.body.map((m: { resource_id: string }) => m.resource_id)).toEqual([ids['alpha']]);
      await server.http.delete('/item?limit=-1').expect(422);
      await server.http.delete(`/item?qb=${encodeURIComponent("QB['value'] > 0")}&sorts=${jsonParam([])}`).expect(422);
      expect((await server.http.get('/item/count').expect(200)).body).toBe(3);
    });
  });
});
