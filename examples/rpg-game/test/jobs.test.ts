// The quest job model and the three custom actions, in process (supertest), with the job
// consumers started as the server starts them.
import request from 'supertest';
import { createApp } from '../src/app';
import { startJobs } from '../src/models';

process.env.RPG_QUEST_HOUR_MS = '5';
const json = { 'Content-Type': 'application/json' };
const { app, spec } = createApp();

beforeAll(() => startJobs(spec));
afterAll(() => spec.close());

async function settled(path: string): Promise<{ status: string; retries: number; errmsg: string | null; artifact: unknown }> {
  for (let i = 0; i < 200; i++) {
    const job = await request(app).get(path);
    if (job.body.data.status === 'completed' || job.body.data.status === 'failed') return job.body.data;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${path} did not finish`);
}

async function hero(name: string, level = 1): Promise<string> {
  const created = await request(app).post('/character').set(json).set('X-Player', 'alice').send({ name, class: 'rogue', level });
  return created.body.resource_id as string;
}

describe('quests (a job model)', () => {
  it('a quest runs, logs each hour, levels the character up as the player who sent it, and keeps the reward', async () => {
    const id = await hero('Cass', 3);
    const quest = await request(app).post('/quest').set(json).set('X-Player', 'bob').send({ payload: { character: id, hours: 4 } });
    expect(quest.status).toBe(200);
    expect(quest.body.revision_id).toBe(`${quest.body.resource_id}:1`);
    const done = await settled(`/quest/${quest.body.resource_id}`);
    expect(done).toMatchObject({ status: 'completed', retries: 0, errmsg: null, artifact: { xp: 40, level: 5 } });
    const character = await request(app).get(`/character/${id}`);
    expect(character.body.data.level).toBe(5);
    expect(character.body.meta.updated_by).toBe('bob');
    const logs = await request(app).get(`/quest/${quest.body.resource_id}/logs`);
    expect(logs.status).toBe(200);
    expect(logs.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(logs.text.split('\n').map((line) => line.replace(/^\S+ /, ''))).toEqual([
      '[INFO] Job started',
      '[INFO] hour 1/4: Cass explores',
      '[INFO] hour 2/4: Cass explores',
      '[INFO] hour 3/4: Cass explores',
      '[INFO] hour 4/4: Cass explores',
      '[INFO] Cass returns with 40 xp, now level 5',
      '[INFO] Job completed',
    ]);
  });

  it('a quest for a missing character fails at once (NoRetry) and can be rerun', async () => {
    const quest = await request(app).post('/quest').set(json).send({ payload: { character: 'character:nobody', hours: 1 } });
    const failed = await settled(`/quest/${quest.body.resource_id}`);
    expect(failed).toMatchObject({ status: 'failed', retries: 1, errmsg: "No character 'character:nobody'" });
    const rerun = await request(app).post(`/quest/${quest.body.resource_id}/rerun`);
    expect(rerun.status).toBe(200);
    expect((await settled(`/quest/${quest.body.resource_id}`)).retries).toBe(1);
  });

  it('bad quests are refused before anything is stored: 422 naming the field', async () => {
    const before = Number((await request(app).get('/quest/count')).text);
    const zero = await request(app).post('/quest').set(json).send({ payload: { character: 'x', hours: 0 } });
    expect(zero.status).toBe(422);
    expect(JSON.stringify(zero.body.detail)).toContain('hours');
    const periodic = await request(app).post('/quest').set(json).send({ payload: { character: 'x', hours: 1 }, periodic_interval_seconds: -5 });
    expect(periodic.status).toBe(422);
    expect(JSON.stringify(periodic.body.detail)).toContain('periodic_interval_seconds');
    expect(Number((await request(app).get('/quest/count')).text)).toBe(before);
  });

  it('a running quest cannot be rerun: 400', async () => {
    process.env.RPG_QUEST_HOUR_MS = '200';
    try {
      const quest = await request(app).post('/quest').set(json).send({ payload: { character: await hero('Dell'), hours: 3 } });
      const id = quest.body.resource_id as string;
      for (let i = 0; i < 100 && (await request(app).get(`/quest/${id}`)).body.data.status !== 'processing'; i++) await new Promise((r) => setTimeout(r, 10));
      const rerun = await request(app).post(`/quest/${id}/rerun`);
      expect(rerun.status).toBe(400);
      expect(rerun.body.detail).toBe("Cannot rerun a job with status 'processing'. Only completed or failed jobs can be rerun.");
      await settled(`/quest/${id}`);
    } finally {
      process.env.RPG_QUEST_HOUR_MS = '5';
    }
  });
});

describe('custom actions', () => {
  it('forge (sync) creates a draft item whose power follows its rarity', async () => {
    const forged = await request(app).post('/item/forge').set(json).set('X-Player', 'smith').send({ name: 'Ember Blade', rarity: 'rare' });
    expect(forged.status).toBe(200);
    expect(forged.body).toMatchObject({ status: 'draft', created_by: 'smith' });
    const item = await request(app).get(`/item/${forged.body.resource_id}`);
    expect(item.body.data).toMatchObject({ name: 'Ember Blade', rarity: 'rare', power: 15 });
    const missing = await request(app).post('/item/forge').set(json).send({ rarity: 'rare' });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(missing.body.detail)).toContain('name');
  });

  it('train (job) answers 202 with the job to watch; the consumer adds the title as the player who asked', async () => {
    const id = await hero('Eryn');
    const train = await request(app).post(`/character/${id}/train`).set(json).set('X-Player', 'carol').send({ skill: 'archery' });
    expect(train.status).toBe(202);
    expect(Object.keys(train.body)).toEqual(['job_resource_name', 'job_resource_id', 'redirect_url']);
    expect(train.body.redirect_url).toBe(`/train-job/${train.body.job_resource_id}`);
    const job = await settled(train.body.redirect_url);
    const character = await request(app).get(`/character/${id}`);
    expect(character.body.data.titles).toEqual(['Trained in archery']);
    expect(character.body.meta.updated_by).toBe('carol');
    expect(job.artifact).toEqual({ resource_id: id, resource_name: 'character', revision_id: character.body.revision_info.revision_id });
    expect((await request(app).post('/character/character:nobody/train').set(json).send({ skill: 'x' })).status).toBe(404);
  });

  it('charter (background) answers 202 at once and founds the guild after the response', async () => {
    const charter = await request(app).post('/guild/charter').set(json).send({ name: 'Dawn Riders', motto: 'First light' });
    expect(charter.status).toBe(202);
    expect(charter.body).toEqual({ message: 'Task accepted' });
    let found = 0;
    for (let i = 0; i < 100 && found === 0; i++) {
      found = Number((await request(app).get('/guild/count').query({ qb: "QB['name'] == 'Dawn Riders'" })).text);
      if (found === 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(found).toBe(1);
  });
});
