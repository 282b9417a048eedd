/**
 * A PostgreSQL server that goes away after startup: once the tables exist and a resource is
 * stored, cutting the server off makes every operation of PostgresStorage, PostgresMetaStore and
 * PostgresResourceStore reject with PostgresUnavailableError (a ServiceUnavailableError: 503 over
 * HTTP) naming host, database and tables, never the password; errors that are not outages pass
 * through as they are; and once the server is back the same stores work without a restart.
 */
import { ServiceUnavailableError, type ResourceMeta, type ResourceMetaSearchQuery, type RevisionInfo } from '@specstar/interfaces';
import { PostgresMetaStore, PostgresResourceStore, PostgresStorageFactory, PostgresUnavailableError, parseDsn, tableNames } from '../src';
import { PG_ADMIN_USER, PG_HOST, PG_PORT, createTestDatabase, describePg, type TestDatabase } from './pg';
import { TcpProxy } from '@specstar/testkit';

const PASSWORD = 'pg-mid-life-secret';
const T0 = new Date('2026-01-01T00:00:00.000Z');

function meta(id: string, revision: string, count: number): ResourceMeta {
  return {
    resource_id: id,
    current_revision_id: revision,
    schema_version: null,
    total_revision_count: count,
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
    is_deleted: false,
    indexed_data: { level: count },
  };
}

function info(id: string, revision: string, parent: string | null): RevisionInfo {
  return {
    uid: `${id}:${revision}`,
    resource_id: id,
    revision_id: revision,
    parent_revision_id: parent,
    schema_version: null,
    status: 'stable',
    created_time: T0,
    updated_time: T0,
    created_by: 'u',
    updated_by: 'u',
  };
}

const DATA = new Uint8Array([1, 2, 3]);

/** A search on indexed_data.level (which also makes its expression index on first use). */
function levelQuery(operator: 'eq' | 'gte', value: number): ResourceMetaSearchQuery {
  return { conditions: [{ type: 'DataSearchCondition', field_path: 'level', operator, value, transform: null }], limit: 10, offset: 0 };
}

let db: TestDatabase;
const proxy = new TcpProxy(PG_HOST, PG_PORT);
let factory: PostgresStorageFactory;

/** Rejects with PostgresUnavailableError naming the proxy, the database and `tables`, without the password. */
async function expectOutage(operation: Promise<unknown>, tables: string): Promise<void> {
  const error = await operation.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostgresUnavailableError);
  expect(error).toBeInstanceOf(ServiceUnavailableError);
  const { code, message, host, database } = error as PostgresUnavailableError;
  expect({ code, host, database }).toEqual({ code: 'postgres_unavailable', host: '127.0.0.1', database: db.name });
  expect(message).toContain(`PostgreSQL at 127.0.0.1:${proxy.port} (database '${db.name}'`);
  expect(message).toContain(tables);
  expect(message).not.toContain(PASSWORD);
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describePg('a PostgreSQL server that goes away after startup', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    await proxy.open();
    // Trust auth ignores the password: it is only there to be kept out of messages.
    const dsn = `postgres://${PG_ADMIN_USER}:${PASSWORD}@127.0.0.1:${proxy.port}/${db.name}`;
    factory = new PostgresStorageFactory({ dsn, max: 3, connectTimeout: 3 });
  });
  afterAll(async () => {
    await factory?.close();
    await proxy.close();
    await db?.drop();
  });

  function stores() {
    const target = parseDsn(`postgres://${PG_ADMIN_USER}:${PASSWORD}@127.0.0.1:${proxy.port}/${db.name}`);
    return {
      storage: factory.build('item'),
      metas: new PostgresMetaStore(factory.pool, { target, names: tableNames('m_', 'item') }),
      revisions: new PostgresResourceStore(factory.pool, { target, names: tableNames('r_', 'item') }),
    };
  }

  it('every operation answers PostgresUnavailableError while it is gone, and works again once it is back', async () => {
    const { storage, metas, revisions } = stores();
    await storage.commit({ revision: { info: info('a', 'r1', null), data: DATA }, meta: meta('a', 'r1', 1), expect: { absent: true } });
    await metas.commit({ meta: meta('a', 'r1', 1), expect: { absent: true } });
    await revisions.save(info('a', 'r1', null), DATA);

    await proxy.close();
    const both = 'the tables item_meta / item_revisions';
    await expectOutage(storage.getMeta('a'), `reading ${both}`);
    await expectOutage(storage.getRevision('a', 'r1', null), `reading ${both}`);
    await expectOutage(storage.search(levelQuery('gte', 1)), `reading ${both}`);
    await expectOutage(storage.count(levelQuery('gte', 0)), `reading ${both}`);
    await expectOutage(storage.commit({ revision: { info: info('b', 'r1', null), data: DATA }, meta: meta('b', 'r1', 1), expect: { absent: true } }), `writing ${both}`);
    await expectOutage(
      storage.commit({ revision: { info: info('a', 'r2', 'r1'), data: DATA }, meta: meta('a', 'r2', 2), expect: { current_revision_id: 'r1' } }),
      `writing ${both}`,
    );
    await expectOutage(collect(storage.iterMetas()), `reading ${both}`);
    await expectOutage(storage.listRevisions('a'), `reading ${both}`);

    await expectOutage(metas.get('a'), 'reading the table m_item_meta');
    await expectOutage(metas.search(levelQuery('gte', 0)), 'reading the table m_item_meta');
    await expectOutage(metas.commit({ meta: meta('b', 'r1', 1), expect: { absent: true } }), 'writing the table m_item_meta');
    await expectOutage(metas.commit({ meta: meta('b', 'r1', 1), expect: { absent: true }, beforeWrite: async () => undefined }), 'writing the table m_item_meta');
    await expectOutage(metas.putMany([meta('c', 'r1', 1)]), 'writing the table m_item_meta');
    await expectOutage(collect(metas.keys()), 'reading the table m_item_meta');

    await expectOutage(revisions.get('a', 'r1', null), 'reading the table r_item_revisions');
    await expectOutage(revisions.save(info('b', 'r1', null), DATA), 'writing the table r_item_revisions');
    await expectOutage(collect(revisions.listResources()), 'reading the table r_item_revisions');

    // Back on the same port: postgres.js reconnects on the next statement.
    await proxy.open();
    expect((await storage.getMeta('a'))?.current_revision_id).toBe('r1');
    await storage.commit({ revision: { info: info('a', 'r2', 'r1'), data: DATA }, meta: meta('a', 'r2', 2), expect: { current_revision_id: 'r1' } });
    expect((await storage.search(levelQuery('eq', 2))).map((m) => m.resource_id)).toEqual(['a']);
    await metas.commit({ meta: meta('b', 'r1', 1), expect: { absent: true }, beforeWrite: async () => undefined });
    expect(await collect(metas.keys())).toEqual(['a', 'b']);
    await revisions.save(info('b', 'r1', null), DATA);
    expect(await collect(revisions.listResources())).toEqual(['a', 'b']);
  });

  it('errors that are not outages pass through as they are', async () => {
    const { storage, metas } = stores();
    await storage.commit({ revision: { info: info('x', 'r1', null), data: DATA }, meta: meta('x', 'r1', 1), expect: { absent: true } });
    // A refused expectation keeps its own type.
    await expect(storage.commit({ revision: { info: info('x', 'r2', 'r1'), data: DATA }, meta: meta('x', 'r2', 2), expect: { current_revision_id: 'r0' } })).rejects.toMatchObject({
      code: 'revision_mismatch',
    });
    // The payload store's own ECONNREFUSED inside a meta commit is not PostgreSQL's.
    const payloadError = Object.assign(new Error('payload store refused'), { code: 'ECONNREFUSED' });
    const refused = metas.commit({
      meta: meta('y', 'r1', 1),
      expect: { absent: true },
      beforeWrite: async () => {
        throw payloadError;
      },
    });
    await expect(refused).rejects.toBe(payloadError);
    // A statement PostgreSQL refuses (its table dropped behind the store's back) keeps its SQLSTATE.
    await db.sql.unsafe('DROP TABLE m_item_meta');
    const dropped = await metas.get('a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(dropped).not.toBeInstanceOf(ServiceUnavailableError);
    expect(dropped).toMatchObject({ code: '42P01' });
  });
});
