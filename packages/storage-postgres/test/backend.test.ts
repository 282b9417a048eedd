/**
 * The `postgres` provider through the unified backend config, the HTTP routes on top of it, and
 * the startup errors a bad setup gets (naming host and database, never the password).
 */
import express from 'express';
import request from 'supertest';
import { SpecStar, unique } from '@specstar/core';
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';
import { mount } from '@specstar/http-express';
import { PostgresConfigurationError, PostgresStorage, PostgresUnavailableError, PostgresStorageFactory, postgresBackendProvider } from '../src';
import { PG_HOST, createTestDatabase, describePg, dsnFor, type TestDatabase } from './pg';

const ItemSchema = {
  title: 'Item',
  type: 'object',
  properties: { name: unique({ type: 'string' }), value: { type: 'integer', default: 0 }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['name'],
};

function backend(dsn: string, extra: Record<string, unknown> = {}) {
  return {
    connections: { pg: { type: 'postgres', options: { dsn, max: 4, connect_timeout: 3, ...extra } } },
    defaults: { table_prefix: 'http_' },
    meta: { use: 'pg' },
    resource: { use: 'pg' },
  };
}

let db: TestDatabase;

describePg('postgres backend', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('over HTTP (mount on a SpecStar configured with the postgres provider)', () => {
    let spec: SpecStar;
    let http: ReturnType<typeof request>;
    beforeAll(async () => {
      spec = new SpecStar({ defaultUser: 'tester' });
      await spec.configure({ backend: backend(db.dsn) });
      spec.addModel(ItemSchema, { name: 'item', indexedFields: ['value', 'tags'] });
      const app = express();
      mount(app, spec);
      http = request(app);
    });
    afterAll(async () => {
      await spec?.close();
    });

    it('each model gets one PostgresStorage (one transaction per commit) with the prefixed tables', async () => {
      const storage = spec.getResourceManager('item').storage;
      expect(storage).toBeInstanceOf(PostgresStorage);
      expect((storage as PostgresStorage).names.meta).toBe('http_item_meta');
    });

    it('walks create, read, update, patch, search, count, delete, restore, switch, If-Match and unique over HTTP', async () => {
      const created = await http.post('/item').send({ name: 'sword', value: 1, tags: ['a'] }).expect(200);
      const id = created.body.resource_id as string;
      await http.post('/item').send({ name: 'shield', value: 5 }).expect(200);
      expect((await http.get(`/item/${id}/data`).expect(200)).body).toEqual({ name: 'sword', value: 1, tags: ['a'] });

      const updated = await http.put(`/item/${id}`).send({ name: 'sword', value: 2, tags: ['a', 'b'] }).expect(200);
      expect(updated.body.revision_id).toBe(`${id}:2`);
      await http.patch(`/item/${id}`).send([{ op: 'replace', path: '/value', value: 3 }]).expect(200);
      expect((await http.get(`/item/${id}/meta`).expect(200)).body).toMatchObject({ current_revision_id: `${id}:3`, total_revision_count: 3 });

      // Search and count run in SQL.
      const qb = encodeURIComponent("QB['value'] >= 3");
      const found = await http.get(`/item?qb=${qb}`).expect(200);
      expect(found.body.map((e: { data: { name: string } }) => e.data.name)).toEqual(['sword', 'shield']);
      expect((await http.get(`/item/count?qb=${encodeURIComponent("QB['tags'].contains('b')")}`).expect(200)).body).toBe(1);

      // If-Match: a stale revision is 412 and writes nothing.
      const stale = await http.put(`/item/${id}`).set('If-Match', `${id}:1`).send({ name: 'sword', value: 99 }).expect(412);
      expect(stale.body.detail).toMatchObject({ code: 'PRECONDITION_FAILED', expected_revision_id: `${id}:1`, actual_revision_id: `${id}:3` });
      await http.put(`/item/${id}`).set('If-Match', `${id}:3`).send({ name: 'sword', value: 4 }).expect(200);

      // Unique: another resource may not take the name.
      await http.post('/item').send({ name: 'sword' }).expect(409);

      // Switch back, delete, restore.
      await http.post(`/item/${id}/switch/${encodeURIComponent(`${id}:1`)}`).expect(200);
      expect((await http.get(`/item/${id}/data`).expect(200)).body).toMatchObject({ value: 1 });
      await http.delete(`/item/${id}`).expect(200);
      await http.get(`/item/${id}/data`).expect(404);
      expect((await http.get('/item/count').expect(200)).body).toBe(1);
      // The deleted resource no longer holds its name…
      const taker = (await http.post('/item').send({ name: 'sword', value: 7 }).expect(200)).body.resource_id as string;
      // …so restoring it into the taken name is refused; after the taker renames, it comes back.
      await http.post(`/item/${id}/restore`).expect(409);
      await http.put(`/item/${taker}`).send({ name: 'broadsword', value: 7 }).expect(200);
      await http.post(`/item/${id}/restore`).expect(200);
      expect((await http.get(`/item/${id}/data`).expect(200)).body).toMatchObject({ name: 'sword', value: 1 });
    });

    it('what was written survives a new SpecStar on the same database (restart)', async () => {
      const again = new SpecStar({ defaultUser: 'tester' });
      await again.configure({ backend: backend(db.dsn) });
      const items = again.addModel(ItemSchema, { name: 'item', indexedFields: ['value', 'tags'] });
      try {
        expect(await items.count({ limit: 10, offset: 0 })).toBe(3);
      } finally {
        await again.close();
      }
    });
  });

  describe('startup errors name host and database, never the password', () => {
    const secret = 'hunter2-secret';

    it('an unreachable server (wrong port)', async () => {
      const spec = new SpecStar();
      const error = await spec.configure({ backend: backend(`postgres://postgres:${secret}@${PG_HOST}:1/${db.name}`) }).then(() => undefined, (e: unknown) => e);
      // An outage, not a setup mistake: 503 over HTTP.
      expect(error).toBeInstanceOf(PostgresUnavailableError);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).not.toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 'postgres_unavailable', problem: 'unreachable', host: PG_HOST, database: db.name });
      expect((error as Error).message).toContain(`${PG_HOST}:1`);
      expect((error as Error).message).toContain(db.name);
      expect((error as Error).message).not.toContain(secret);
      await spec.close();
    });

    it('a malformed DSN', async () => {
      const spec = new SpecStar();
      for (const dsn of [`mysql://root:${secret}@localhost/db`, `postgres://root:${secret}@[broken/db`, 'not a dsn']) {
        const error = await spec.configure({ backend: backend(dsn) }).then(() => undefined, (e: unknown) => e);
        expect(error).toBeInstanceOf(PostgresConfigurationError);
        expect(error).toMatchObject({ problem: 'invalid_dsn' });
        expect((error as Error).message).not.toContain(secret);
      }
      expect(() => new PostgresStorageFactory({ dsn: 'nope' })).toThrow(PostgresConfigurationError);
      await spec.close();
    });

    it('a database that does not exist', async () => {
      const spec = new SpecStar();
      const error = await spec.configure({ backend: backend(dsnFor(`${db.name}_missing`)) }).then(() => undefined, (e: unknown) => e);
      expect(error).toMatchObject({ problem: 'no_database', host: PG_HOST, database: `${db.name}_missing` });
      await spec.close();
    });

    it('a role without the CREATE privilege, at configure() and on first use of a factory', async () => {
      const role = `${db.name}_reader`;
      await db.sql.unsafe(`CREATE ROLE ${role} LOGIN`);
      await db.sql.unsafe(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
      const dsn = dsnFor(db.name, role);
      const spec = new SpecStar();
      const error = await spec.configure({ backend: backend(dsn) }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(PostgresConfigurationError);
      expect(error).toMatchObject({ problem: 'permission', host: PG_HOST, database: db.name });
      expect((error as Error).message).toContain(role);
      await spec.close();

      const factory = new PostgresStorageFactory({ dsn, tablePrefix: 'denied_' });
      try {
        await expect(factory.connect()).rejects.toMatchObject({ problem: 'permission' });
        const storage = factory.build('item');
        await expect(storage.count({ limit: 1, offset: 0 })).rejects.toMatchObject({ problem: 'permission', database: db.name });
      } finally {
        await factory.close();
        await db.sql.unsafe(`DROP OWNED BY ${role}`);
        await db.sql.unsafe(`DROP ROLE ${role}`);
      }
    });

    it('bad pool options are refused before connecting', () => {
      expect(() => postgresBackendProvider.buildStorage!('item', { dsn: db.dsn, max: 0 })).toThrow(PostgresConfigurationError);
      expect(() => postgresBackendProvider.buildStorage!('item', { dsn: db.dsn, connect_timeout: 'soon' })).toThrow(/connect_timeout/);
      expect(() => postgresBackendProvider.buildStorage!('item', { dsn: db.dsn, connection_string: dsnFor('other') })).toThrow(/aliases/);
    });
  });

  it('the pool size and timeouts reach postgres.js; spec.close() ends the pool', async () => {
    const spec = new SpecStar({ defaultUser: 'tester' });
    await spec.configure({ backend: backend(db.dsn, { max: 3, idle_timeout: 1, table_prefix: 'pool_' }) });
    const items = spec.addModel(ItemSchema, { name: 'item' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => items.create({ name: `n${i}` })));
    const connections = async (): Promise<number> =>
      Number((await db.sql.unsafe(`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'specstar'`, [db.name]))[0]!['n']);
    expect(await connections()).toBeLessThanOrEqual(3);
    expect(await connections()).toBeGreaterThan(0);
    await spec.close();
    // Ended connections leave pg_stat_activity shortly after the client closes them.
    for (let i = 0; i < 50 && (await connections()) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await connections()).toBe(0);
  });

  it('two registries on one DSN share a pool, and closing one leaves the other working', async () => {
    const first = new SpecStar({ defaultUser: 'tester' });
    const second = new SpecStar({ defaultUser: 'tester' });
    await first.configure({ backend: backend(db.dsn, { table_prefix: 'shared_' }) });
    await second.configure({ backend: backend(db.dsn, { table_prefix: 'shared_' }) });
    const a = first.addModel(ItemSchema, { name: 'item' });
    const b = second.addModel(ItemSchema, { name: 'item' });
    const info = await a.create({ name: 'one' });
    await first.close();
    expect((await b.get(info.resource_id)).data).toMatchObject({ name: 'one' });
    await b.create({ name: 'two' });
    expect(await b.count({})).toBe(2);
    await second.close();
  });
});
