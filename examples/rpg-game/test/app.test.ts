// The README walk-through, step by step, against the app in process (supertest): every status,
// every value the README shows, plus the wire details a client relies on (Z timestamps,
// revision suffixes, omitted keys).
import request from 'supertest';
import type { Express } from 'express';
import { createApp, playerOf } from '../src/app';
import { seedDemoData } from '../src/seed';

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const idOf = (model: string) => new RegExp(`^${model}:${UUID}$`);

/** A clock the test moves forward one second per write, so revision order is known. */
function steppingClock(start: string) {
  let now = new Date(start).getTime();
  return {
    getNow: () => new Date(now),
    tick: () => {
      now += 1000;
    },
    iso: () => new Date(now).toISOString(),
  };
}

describe('README walk-through', () => {
  const clock = steppingClock('2025-06-01T12:00:00.000Z');
  const { app }: { app: Express } = createApp({ http: { dependencyProvider: { getNow: clock.getNow } } });
  const json = { 'Content-Type': 'application/json' };
  let guild = '';
  let hero = '';
  let sword = '';
  let swordUid = '';

  beforeEach(() => clock.tick());

  it('1. creates a guild and a character in it (200 with the RevisionInfo)', async () => {
    const created = await request(app).post('/guild').set(json).send({ name: 'Night Watch', motto: 'We hold the wall' });
    expect(created.status).toBe(200);
    guild = created.body.resource_id;
    expect(guild).toMatch(idOf('guild'));
    expect(created.body).toEqual({
      uid: expect.stringMatching(new RegExp(`^${UUID}$`)),
      resource_id: guild,
      revision_id: `${guild}:1`,
      parent_revision_id: null,
      schema_version: null,
      data_hash: expect.stringMatching(/^xxh3_128:[0-9a-f]{32}$/),
      status: 'stable',
      created_time: clock.iso(),
      updated_time: clock.iso(),
      created_by: 'game-master',
      updated_by: 'game-master',
    });
    expect(created.body).not.toHaveProperty('parent_schema_version');

    clock.tick();
    const character = await request(app)
      .post('/character')
      .set(json)
      .set('X-Player', 'alice')
      .send({ name: 'Aria', class: 'mage', guild });
    expect(character.status).toBe(200);
    hero = character.body.resource_id;
    expect(hero).toMatch(idOf('character'));
    expect(character.body.revision_id).toBe(`${hero}:1`);
    expect(character.body.created_by).toBe('alice');
  });

  it('2. reads the envelope: data with defaults, revision_info, meta, and an ETag', async () => {
    const read = await request(app).get(`/character/${hero}`);
    expect(read.status).toBe(200);
    expect(Object.keys(read.body)).toEqual(['data', 'revision_info', 'meta']);
    expect(read.body.data).toEqual({ name: 'Aria', class: 'mage', level: 1, hp: 100, guild, titles: [] });
    expect(read.body.revision_info.revision_id).toBe(`${hero}:1`);
    expect(read.body.meta).toMatchObject({
      resource_id: hero,
      current_revision_id: `${hero}:1`,
      total_revision_count: 1,
      is_deleted: false,
      created_by: 'alice',
      indexed_data: { level: 1, class: 'mage', guild },
    });
    expect(read.headers.etag).toBe(`"${hero}:1@${read.body.revision_info.data_hash}"`);
  });

  it('3. PUT appends :2, PATCH (RFC 6902) appends :3, a merge patch appends :4', async () => {
    const put = await request(app).put(`/character/${hero}`).set(json).send({ name: 'Aria', class: 'mage', level: 5, guild });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ revision_id: `${hero}:2`, parent_revision_id: `${hero}:1`, status: 'stable' });

    clock.tick();
    const patch = await request(app)
      .patch(`/character/${hero}`)
      .set(json)
      .send([
        { op: 'replace', path: '/level', value: 12 },
        { op: 'add', path: '/titles/-', value: 'Frostcaller' },
      ]);
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ revision_id: `${hero}:3`, parent_revision_id: `${hero}:2` });

    clock.tick();
    const merge = await request(app)
      .patch(`/character/${hero}`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ hp: 80 }));
    expect(merge.status).toBe(200);
    expect(merge.body.revision_id).toBe(`${hero}:4`);

    const data = await request(app).get(`/character/${hero}`).query({ returns: 'data' });
    expect(data.body).toEqual({ data: { name: 'Aria', class: 'mage', level: 12, hp: 80, guild, titles: ['Frostcaller'] } });
  });

  it('4. lists the history newest first and switches back to :2 without a new revision', async () => {
    const history = await request(app).get(`/character/${hero}/revision-list`);
    expect(history.status).toBe(200);
    expect(history.body.revisions.map((r: { revision_id: string }) => r.revision_id)).toEqual([4, 3, 2, 1].map((n) => `${hero}:${n}`));
    expect(history.body.total).toBe(4);
    expect(history.body.has_more).toBe(false);

    const switched = await request(app).post(`/character/${hero}/switch/${hero}:2`);
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ current_revision_id: `${hero}:2`, total_revision_count: 4, updated_time: clock.iso() });

    const level = await request(app).get(`/character/${hero}`).query({ returns: 'data', partial: 'level' });
    expect(level.body).toEqual({ data: { level: 5 } });

    const unknown = await request(app).post(`/character/${hero}/switch/${hero}:9`);
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body.detail).toBe('string');
  });

  it('5. searches with qb and counts', async () => {
    await request(app).post('/character').set(json).send({ name: 'Borin', class: 'warrior', level: 3, guild }).expect(200);

    const strong = await request(app).get('/character').query({ qb: "QB['level'] >= 5", returns: 'data' });
    expect(strong.status).toBe(200);
    expect(strong.body).toEqual([{ data: { name: 'Aria', class: 'mage', level: 5, hp: 100, guild, titles: [] } }]);
    expect(strong.headers['x-has-more']).toBe('false');

    const members = await request(app).get('/character').query({ qb: `QB['guild'] == '${guild}'`, returns: 'data', partial: 'name' });
    expect(members.body).toEqual([{ data: { name: 'Aria' } }, { data: { name: 'Borin' } }]);

    const mages = await request(app).get('/character/count').query({ qb: "QB['class'] == 'mage'" });
    expect(mages.status).toBe(200);
    expect(mages.body).toBe(1);
    expect((await request(app).get('/character/count')).body).toBe(2);

    const mixed = await request(app).get('/character').query({ qb: "QB['level'] >= 5", sorts: '[]' });
    expect(mixed.status).toBe(422);
  });

  it('6. items start as drafts: edited in place, then published; a stable item is not edited in place', async () => {
    const created = await request(app).post('/item').set(json).send({ name: 'Frostbrand', rarity: 'epic', power: 30 });
    expect(created.status).toBe(200);
    sword = created.body.resource_id;
    swordUid = created.body.uid;
    expect(created.body).toMatchObject({ revision_id: `${sword}:1`, status: 'draft' });

    clock.tick();
    const edited = await request(app)
      .put(`/item/${sword}`)
      .query({ mode: 'modify' })
      .set(json)
      .send({ name: 'Frostbrand', rarity: 'epic', power: 40, owner: hero });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ revision_id: `${sword}:1`, status: 'draft', updated_time: clock.iso() });
    expect(edited.body.uid).not.toBe(swordUid);

    clock.tick();
    const published = await request(app).put(`/item/${sword}`).query({ mode: 'modify', change_status: 'stable' });
    expect(published.status).toBe(200);
    expect(published.body).toMatchObject({ revision_id: `${sword}:1`, status: 'stable' });

    const refused = await request(app)
      .patch(`/item/${sword}`)
      .query({ mode: 'modify' })
      .set(json)
      .send([{ op: 'replace', path: '/power', value: 99 }]);
    expect(refused.status).toBe(409);
    expect(typeof refused.body.detail).toBe('string');

    const item = await request(app).get(`/item/${sword}`).query({ returns: 'data' });
    expect(item.body).toEqual({ data: { name: 'Frostbrand', rarity: 'epic', power: 40, owner: hero, tags: [] } });
  });

  it('7. deletes (404 afterwards, 200 with include_deleted) and restores', async () => {
    const deleted = await request(app).delete(`/character/${hero}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ resource_id: hero, is_deleted: true });

    const gone = await request(app).get(`/character/${hero}`);
    expect(gone.status).toBe(404);
    expect(typeof gone.body.detail).toBe('string');

    const visible = await request(app).get(`/character/${hero}`).query({ include_deleted: 'true' });
    expect(visible.status).toBe(200);
    expect(visible.body.meta.is_deleted).toBe(true);

    expect((await request(app).get('/character/count').query({ is_deleted: 'true' })).body).toBe(1);

    const restored = await request(app).post(`/character/${hero}/restore`);
    expect(restored.status).toBe(200);
    expect(restored.body.is_deleted).toBe(false);
    expect((await request(app).get(`/character/${hero}`)).status).toBe(200);
  });

  it('8. serves the OpenAPI document and Swagger UI', async () => {
    const doc = await request(app).get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1\./);
    expect(doc.body.info).toMatchObject({ title: 'RPG game', version: '1.0.0' });
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/guild', '/character/{resource_id}', '/item/{resource_id}/switch/{revision_id}']));

    const docs = await request(app).get('/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers['content-type']).toMatch(/^text\/html/);
  });

  it('the landing page names the models and where the docs are', async () => {
    const landing = await request(app).get('/');
    expect(landing.status).toBe(200);
    expect(landing.body).toEqual({ name: 'rpg-game', docs: '/docs', openapi: '/openapi.json', models: ['guild', 'character', 'item', 'quest', 'train-job'] });
  });
});

describe('createApp options', () => {
  it('mounts everything under a prefix', async () => {
    const { app } = createApp({ prefix: '/api' });
    expect((await request(app).post('/api/guild').send({ name: 'Silver Hand' })).status).toBe(200);
    expect((await request(app).get('/api/guild/count')).body).toBe(1);
    expect((await request(app).get('/guild/count')).status).toBe(404);
    expect((await request(app).get('/api')).body.docs).toBe('/api/docs');
    expect((await request(app).get('/api/openapi.json')).status).toBe(200);
  });

  it('takes the player from X-Player, else the game master', async () => {
    const { app } = createApp();
    const named = await request(app).post('/guild').set('X-Player', '  bob ').send({ name: 'A' });
    expect(named.body.created_by).toBe('bob');
    const blank = await request(app).post('/guild').set('X-Player', '   ').send({ name: 'B' });
    expect(blank.body.created_by).toBe('game-master');
    expect(playerOf({ get: () => undefined } as never)).toBe('game-master');
  });

  it('rejects data that breaks the schema with 422', async () => {
    const { app } = createApp();
    const badClass = await request(app).post('/character').send({ name: 'Eve', class: 'bard' });
    expect(badClass.status).toBe(422);
    const badLevel = await request(app).post('/character').send({ name: 'Eve', class: 'mage', level: 101 });
    expect(badLevel.status).toBe(422);
  });
});

describe('seedDemoData', () => {
  it('seeds two guilds, four characters and three items, one of them a draft', async () => {
    const { app, spec } = createApp();
    const ids = await seedDemoData(spec);
    expect(ids.guilds).toHaveLength(2);
    expect((await request(app).get('/character/count')).body).toBe(4);
    expect((await request(app).get('/item/count')).body).toBe(3);
    const draft = await request(app).get(`/item/${ids.items[2]}`);
    expect(draft.body.revision_info.status).toBe('draft');
    expect(draft.body.data.name).toBe('Unfinished Crown');
    const watch = await request(app).get('/character').query({ qb: `QB['guild'] == '${ids.guilds[0]}'`, returns: 'data', partial: 'name' });
    // Seeded in the same millisecond, so their order is the resource-id tie-break: compare as a set.
    expect(watch.body.map((item: { data: { name: string } }) => item.data.name).sort()).toEqual(['Aria', 'Borin']);
    expect((await request(app).get(`/character/${ids.characters[0]}`)).body.meta.created_by).toBe('seed');
  });
});
