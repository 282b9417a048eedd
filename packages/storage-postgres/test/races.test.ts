/**
 * Several processes on one PostgreSQL database: compare-and-set updates never lose a revision,
 * and a unique value raced from several processes has exactly one winner.
 */
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';
import { startWorkerProcess } from '@specstar/testkit';
import { PostgresStorageFactory } from '../src';
import { TALLY_SCHEMA } from './fixtures/models';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WORKER = path.join(__dirname, 'fixtures', 'pg-worker.ts');
const PROCESSES = 8;
const UPDATES = Number(process.env['SPECSTAR_PG_RACE_UPDATES'] ?? 500);

const startWorker = (...args: string[]) => startWorkerProcess(WORKER, args, { nodeArgs: ['-r', REGISTER] });

function engine(dsn: string, prefix: string) {
  const spec = new SpecStar({ storageFactory: new PostgresStorageFactory({ dsn, tablePrefix: prefix }), defaultUser: 'parent' });
  const tallies = spec.addModel(TALLY_SCHEMA, { name: 'tally', indexedFields: ['name', 'count'] });
  return { spec, tallies };
}

let db: TestDatabase;

describePg('several processes on one database', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.drop();
  });

  it(`${PROCESSES} processes × ${UPDATES} If-Match updates of one resource lose no revision and orphan none`, async () => {
    const setup = engine(db.dsn, 'upd_');
    await setup.tallies.create({ name: 'shared', count: 0 }, { resourceId: 'shared' });
    await setup.spec.close();

    const workers = Array.from({ length: PROCESSES }, () => startWorker('update', db.dsn, 'upd_', String(UPDATES)));
    const exits = await Promise.all(workers.map((w) => w.exit));
    expect(exits).toEqual(Array.from({ length: PROCESSES }, () => ({ code: 0, stderr: '' })));
    const succeeded = workers.reduce((sum, w) => sum + Number(w.lines[0]?.['succeeded']), 0);
    expect(succeeded).toBe(PROCESSES * UPDATES);

    const after = engine(db.dsn, 'upd_');
    try {
      const current = await after.tallies.get('shared');
      const meta = await after.tallies.getMeta('shared');
      // Every successful update is one revision, counted and reachable; nothing was lost.
      expect((current.data as { count: number }).count).toBe(succeeded);
      expect(meta.total_revision_count).toBe(succeeded + 1);
      const revisions = [];
      for await (const revision of after.tallies.storage.iterRevisions('shared')) revisions.push(revision.info);
      expect(revisions).toHaveLength(succeeded + 1);
      // No orphan: walking parents from the current revision visits every stored revision once.
      const byId = new Map(revisions.map((info) => [info.revision_id, info]));
      const seen = new Set<string>();
      for (let id: string | null = meta.current_revision_id; id !== null; id = byId.get(id)?.parent_revision_id ?? null) {
        expect(byId.has(id)).toBe(true);
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
      expect(seen.size).toBe(revisions.length);
    } finally {
      await after.spec.close();
    }
  }, 240_000);

  it(`${PROCESSES} processes creating the same unique value: exactly one succeeds, the others get UniqueConstraintError`, async () => {
    const setup = engine(db.dsn, 'uniq_');
    await setup.tallies.create({ name: 'warm-up', count: 0 }); // tables exist before the race
    await setup.spec.close();

    const workers = Array.from({ length: PROCESSES }, () => startWorker('claim', db.dsn, 'uniq_', 'taken'));
    await Promise.all(workers.map((w) => w.said('ready')));
    for (const worker of workers) worker.send('go\n');
    const exits = await Promise.all(workers.map((w) => w.exit));
    expect(exits).toEqual(Array.from({ length: PROCESSES }, () => ({ code: 0, stderr: '' })));
    const outcomes = workers.map((w) => w.lines.find((line) => 'won' in line || 'refused' in line)!);
    const winners = outcomes.filter((o) => 'won' in o).map((o) => o['won']);
    expect(winners).toHaveLength(1);
    for (const loser of outcomes.filter((o) => 'refused' in o)) expect(loser['refused']).toBe(winners[0]);

    const after = engine(db.dsn, 'uniq_');
    try {
      const holders = await after.tallies.searchResources({ conditions: [{ type: 'DataSearchCondition', field_path: 'name', operator: 'eq', value: 'taken', transform: null }], limit: 100, offset: 0 });
      expect(holders.map((m) => m.resource_id)).toEqual(winners);
    } finally {
      await after.spec.close();
    }
  }, 120_000);
});
