// The example on S3 (`pnpm start -- --s3`): metas, revisions, blobs and jobs in one bucket of an
// S3 test server, surviving a restart; blob downloads answer 307 to a URL a plain fetch follows.
import request from 'supertest';
import { startS3Server, type S3TestServer } from '@specstar/test-s3';
import { BACKEND_S3_FILE, startServer, type RunningServer } from '../src/server';

describe('the example on S3', () => {
  let s3: S3TestServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    s3 = await startS3Server({ buckets: ['rpg-test'] });
    Object.assign(process.env, {
      RPG_S3_BUCKET: 'rpg-test',
      RPG_S3_ENDPOINT: s3.endpoint,
      RPG_S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      RPG_S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      RPG_QUEST_HOUR_MS: '5',
    });
  });
  afterAll(async () => {
    process.env = saved;
    await s3.close();
  });

  const start = (): Promise<RunningServer> => startServer({ port: 0, backend: BACKEND_S3_FILE, log: () => undefined });

  it('serves the game from a bucket: data, jobs and blobs survive a restart', async () => {
    let running = await start();
    const guild = await request(running.app).post('/guild').send({ name: 'Harbor Watch' }).expect(200);
    const hero = await request(running.app).post('/character').send({ name: 'Aria', class: 'mage', guild: guild.body.resource_id }).expect(200);
    const quest = await request(running.app).post('/quest').send({ payload: { character: hero.body.resource_id, hours: 2 } }).expect(200);
    let job = (await request(running.app).get(`/quest/${quest.body.resource_id}`)).body.data;
    for (let i = 0; i < 200 && job.status !== 'completed'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = (await request(running.app).get(`/quest/${quest.body.resource_id}`)).body.data;
    }
    expect(job).toMatchObject({ status: 'completed', artifact: { xp: 20, level: 2 } });
    const map = await request(running.app).post('/blobs/upload').attach('file', Buffer.from('a map of the harbor'), { filename: 'map.txt', contentType: 'text/plain' }).expect(200);
    await running.close();

    running = await start();
    try {
      expect((await request(running.app).get(`/guild/${guild.body.resource_id}`).expect(200)).body.data.name).toBe('Harbor Watch');
      expect((await request(running.app).get(`/character/${hero.body.resource_id}`).expect(200)).body.data.level).toBe(2);
      expect((await request(running.app).get(`/quest/${quest.body.resource_id}/logs`).expect(200)).text).toContain('Aria returns with 20 xp');
      const download = await request(running.app).get(`/blobs/${map.body.file_id}`).expect(307);
      expect(await (await fetch(download.headers.location as string)).text()).toBe('a map of the harbor');
    } finally {
      await running.close();
    }
  });
});
