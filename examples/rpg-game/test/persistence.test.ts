import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { BACKEND_FILE, startServer, type RunningServer } from '../src/server';

// The persistence smoke test of the backend setup guide, on the example's own backend file:
// create, restart, read — nothing acknowledged before the restart is lost.
describe('the example on disk keeps its data across restarts', () => {
  let dataDir: string;
  const previous = process.env.RPG_DATA_DIR;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rpg-data-'));
    process.env.RPG_DATA_DIR = dataDir;
  });
  afterEach(() => {
    if (previous === undefined) delete process.env.RPG_DATA_DIR;
    else process.env.RPG_DATA_DIR = previous;
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (): Promise<RunningServer> => startServer({ port: 0, backend: BACKEND_FILE, log: () => undefined });

  it('create, restart, read: data, revisions and soft deletes survive', async () => {
    let running = await start();
    const created = await request(running.app).post('/guild').send({ name: 'Night Watch' }).expect(200);
    const id: string = created.body.resource_id;
    await request(running.app).put(`/guild/${encodeURIComponent(id)}`).send({ name: 'Night Watch', motto: 'We hold' }).expect(200);
    const hero = await request(running.app).post('/character').send({ name: 'Aria', class: 'mage' }).expect(200);
    await request(running.app).delete(`/character/${encodeURIComponent(hero.body.resource_id)}`).expect(200);
    const before = await request(running.app).get(`/guild/${encodeURIComponent(id)}`).expect(200);
    await running.close();

    running = await start();
    try {
      const after = await request(running.app).get(`/guild/${encodeURIComponent(id)}`).expect(200);
      expect(after.body).toEqual(before.body);
      const revisions = await request(running.app).get(`/guild/${encodeURIComponent(id)}/revision-list`).expect(200);
      expect(JSON.stringify(revisions.body)).toContain(`${id}:2`);
      await request(running.app).get(`/character/${encodeURIComponent(hero.body.resource_id)}`).expect(404);
      await request(running.app).get(`/character/${encodeURIComponent(hero.body.resource_id)}?include_deleted=true`).expect(200);
    } finally {
      await running.close();
    }
  });

  it('a blob put before a restart downloads after it (the blob half of the smoke test)', async () => {
    const bytes = new TextEncoder().encode('a map of the wall');
    let running = await start();
    const put = await running.spec.getBlobStore().put(bytes, { contentType: 'text/plain' });
    await running.close();
    running = await start();
    try {
      const blob = await running.spec.getBlobStore().get(put.file_id as string);
      expect(put.file_id).toMatch(/^[0-9a-f]{32}$/); // content-addressed: xxh3-128 of the bytes
      expect(blob.file_id).toBe(put.file_id);
      expect(Buffer.from(blob.data as Uint8Array).toString()).toBe('a map of the wall');
      expect(blob.content_type).toBe('text/plain');
    } finally {
      await running.close();
    }
  });

  it('a quest still pending at shutdown runs after the restart', async () => {
    process.env.RPG_QUEST_HOUR_MS = '5';
    let running = await start();
    // No consumer in the first run: the quest is only stored.
    await running.spec.getResourceManager('quest').stopConsuming();
    const hero = await request(running.app).post('/character').send({ name: 'Aria', class: 'mage' }).expect(200);
    const quest = await request(running.app)
      .post('/quest')
      .send({ payload: { character: hero.body.resource_id, hours: 2 } })
      .expect(200);
    const path = `/quest/${encodeURIComponent(quest.body.resource_id)}`;
    expect((await request(running.app).get(path).expect(200)).body.data.status).toBe('pending');
    await running.close();

    running = await start();
    try {
      let job = (await request(running.app).get(path).expect(200)).body.data;
      for (let i = 0; i < 200 && job.status !== 'completed'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        job = (await request(running.app).get(path).expect(200)).body.data;
      }
      expect(job).toMatchObject({ status: 'completed', artifact: { xp: 20, level: 2 } });
    } finally {
      await running.close();
      delete process.env.RPG_QUEST_HOUR_MS;
    }
  });

  it('seeding fills an empty store once, not again after a restart', async () => {
    let running = await startServer({ port: 0, backend: BACKEND_FILE, seed: true, log: () => undefined });
    const first = await request(running.app).get('/guild/count').expect(200);
    await running.close();
    running = await startServer({ port: 0, backend: BACKEND_FILE, seed: true, log: () => undefined });
    try {
      const second = await request(running.app).get('/guild/count').expect(200);
      expect(second.body).toBe(first.body);
      expect(first.body).toBeGreaterThan(0);
    } finally {
      await running.close();
    }
  });
});
