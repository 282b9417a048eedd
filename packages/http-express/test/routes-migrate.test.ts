// The opt-in migrate template (http-api.md §9.19): streamed test/execute over a search, the
// single-resource migrate, per-resource failures that never abort the stream, idempotent re-runs.
import express from 'express';
import request from 'supertest';
import { Schema, SpecStar } from '@specstar/core';
import { MIGRATE_ROUTES, mount, openapi } from '../src';

const V1 = { title: 'Person', type: 'object', properties: { fullname: { type: 'string' } }, required: ['fullname'] };
const V2 = {
  title: 'Person',
  type: 'object',
  properties: { first: { type: 'string' }, last: { type: 'string' } },
  required: ['first', 'last'],
};
// A fullname without a space cannot be split: that resource fails, the others go on.
const split = (v: { fullname: string }) => {
  const [first, last] = v.fullname.split(' ');
  if (last === undefined) throw new Error(`cannot split '${v.fullname}'`);
  return { first, last };
};

const FAILED = "Migration step from 'v1' to 'v2' failed: cannot split 'Plato'";

async function setup(withTemplate = true) {
  const old = new SpecStar().addModel(new Schema(V1, 'v1'), { name: 'person' });
  const ids: string[] = [];
  for (const fullname of ['Ada Lovelace', 'Plato', 'Alan Turing']) ids.push((await old.create({ fullname }, { user: 'u' })).resource_id);
  await old.update(ids[0]!, { fullname: 'Ada King' }, { user: 'u' });
  const spec = new SpecStar();
  const rm = spec.addModel(new Schema(V2, 'v2').step('v1', split, { source: V1 }), { name: 'person', storage: old.storage });
  spec.addModel({ title: 'Note', type: 'object', properties: { text: { type: 'string' } } }, { name: 'note' });
  const app = express();
  const options = withTemplate ? { routes: { add: MIGRATE_ROUTES } } : {};
  mount(app, spec, options);
  return { http: request(app), rm, spec, ids, options };
}

const lines = (text: string): Array<Record<string, unknown>> =>
  text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('migrate template', () => {
  it('test streams one progress line per resource then the result, with timestamps, and writes nothing', async () => {
    const { http, rm, ids } = await setup();
    const res = await http.post('/person/migrate/test').buffer(true).parse(textParser).expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/jsonl\+json/);
    const body = lines(res.body as string);
    expect(body).toHaveLength(4);
    for (const line of body) expect(line['timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    const progress = body.slice(0, 3).map(({ timestamp: _t, ...rest }) => rest);
    expect(progress).toEqual(expect.arrayContaining([
      { resource_id: ids[0], status: 'success', message: 'Migration simulation successful', error: null },
      { resource_id: ids[1], status: 'failed', message: null, error: FAILED },
      { resource_id: ids[2], status: 'success', message: 'Migration simulation successful', error: null },
    ]));
    const { timestamp: _t, ...result } = body[3]!;
    expect(result).toEqual({ total: 3, success: 2, failed: 1, skipped: 0, errors: [{ resource_id: ids[1], error: FAILED }] });
    for (const id of ids) expect((await rm.getMeta(id)).schema_version).toBe('v1');
  });

  it('execute writes, reports failures per resource, and a re-run skips what is done', async () => {
    const { http, rm, ids } = await setup();
    const first = lines((await http.post('/person/migrate/execute').buffer(true).parse(textParser).expect(200)).body as string);
    expect(first.at(-1)).toMatchObject({ total: 3, success: 2, failed: 1, skipped: 0 });
    expect(first.find((line) => line['resource_id'] === ids[0])).toMatchObject({ status: 'success', message: `Migrated ${ids[0]} from v1 to v2` });
    expect((await rm.get(ids[0]!)).data).toEqual({ first: 'Ada', last: 'King' });
    expect((await rm.getMeta(ids[1]!)).schema_version).toBe('v1');
    const again = lines((await http.post('/person/migrate/execute').buffer(true).parse(textParser).expect(200)).body as string);
    expect(again.at(-1)).toMatchObject({ total: 3, success: 0, failed: 1, skipped: 2 });
    expect(again.find((line) => line['resource_id'] === ids[2])).toMatchObject({ status: 'skipped', message: 'Resource already at current schema version' });
  });

  it('revision_id=all reports one line per revision; selection follows the search parameters', async () => {
    const { http, ids } = await setup();
    const all = lines((await http.post('/person/migrate/test?revision_id=all').buffer(true).parse(textParser).expect(200)).body as string);
    expect(all.at(-1)).toMatchObject({ total: 4 });
    expect(all.filter((line) => line['resource_id'] === ids[0])).toHaveLength(2);
    const one = lines((await http.post('/person/migrate/test?limit=1').buffer(true).parse(textParser).expect(200)).body as string);
    expect(one.at(-1)).toMatchObject({ total: 1 });
    const bad = await http.post('/person/migrate/test?limit=x').expect(422);
    expect(JSON.stringify(bad.body)).toContain('limit');
  });

  it('single migrates one resource; write_back=false writes nothing; a failure is a 400 naming the error', async () => {
    const { http, rm, ids } = await setup();
    const dry = await http.post(`/person/migrate/single/${ids[2]}?write_back=false`).expect(200);
    expect(dry.body).toEqual({ resource_id: ids[2], status: 'success', message: 'Migration simulation successful', error: null });
    expect((await rm.getMeta(ids[2]!)).schema_version).toBe('v1');
    const done = await http.post(`/person/migrate/single/${ids[2]}`).expect(200);
    expect(done.body).toEqual({ resource_id: ids[2], status: 'success', message: `Migrated ${ids[2]} from v1 to v2`, error: null });
    const skipped = await http.post(`/person/migrate/single/${ids[2]}`).expect(200);
    expect(skipped.body.status).toBe('skipped');
    const failed = await http.post(`/person/migrate/single/${ids[1]}`).expect(400);
    expect(failed.body).toEqual({ detail: FAILED });
    await http.post('/person/migrate/single/person:nope').expect(404);
    const badFlag = await http.post(`/person/migrate/single/${ids[0]}?write_back=maybe`).expect(422);
    expect(JSON.stringify(badFlag.body)).toContain('write_back');
  });

  it('is opt-in, served only for models with migrations, and documented when added', async () => {
    const off = await setup(false);
    await off.http.post('/person/migrate/test').expect(404);
    const on = await setup();
    await on.http.post('/note/migrate/test').expect(404);
    type Doc = { paths: Record<string, any>; components: { schemas: Record<string, any> } };
    const doc = openapi(on.spec, on.options) as Doc;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/person/migrate/test', '/person/migrate/execute', '/person/migrate/single/{resource_id}']));
    expect(Object.keys(doc.paths)).not.toContain('/note/migrate/test');
    expect(doc.paths['/person/migrate/test'].post.responses['200'].content['application/jsonl+json'].schema.oneOf).toEqual([
      { $ref: '#/components/schemas/MigrateProgress' },
      { $ref: '#/components/schemas/MigrateResult' },
    ]);
    expect(doc.paths['/person/migrate/single/{resource_id}'].post.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/MigrateProgress' });
    expect(doc.components.schemas['MigrateProgress'].required).toEqual(['resource_id', 'status', 'message', 'error']);
    expect(doc.components.schemas['MigrateResult'].required).toEqual(['total', 'success', 'failed', 'skipped', 'errors']);
    const offDoc = openapi(off.spec, off.options) as Doc;
    expect(Object.keys(offDoc.paths)).not.toContain('/person/migrate/test');
    expect(offDoc.components.schemas['MigrateProgress']).toBeUndefined();
  });
});

/** Collects the body as text: superagent would try to parse `application/jsonl+json` as one JSON value. */
function textParser(res: { on(event: string, listener: (chunk: Buffer) => void): unknown }, cb: (err: Error | null, body: unknown) => void): void {
  let text = '';
  res.on('data', (chunk: Buffer) => (text += chunk.toString()));
  res.on('end', () => cb(null, text));
}
