/**
 * The recommended production shapes keep uniqueness and If-Match across processes: PostgreSQL
 * meta with disk payloads (PostgresDiskStorageFactory, or a backend config binding meta to
 * postgres and resource to disk), SQLite meta with PostgreSQL payloads, and SQLite meta with disk
 * payloads as two stores on one file. The meta store decides unique claims and compare-and-set
 * in its own transaction, whatever holds the payloads, and a loser stores nothing.
 *
 * SPECSTAR_RACE_ROUNDS (default 2) repeats each race on fresh tables and a fresh rootdir; each
 * round's winner count is printed.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SimpleStorage } from '@specstar/core/adapter';
import { startWorkerProcess } from '@specstar/testkit';
import { COMPOSITIONS, openComposed, type ComposedTarget, type Composition } from './fixtures/compositions';
import { createTestDatabase, describePg, type TestDatabase } from './pg';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WORKER = path.join(__dirname, 'fixtures', 'composed-worker.ts');
const PROCESSES = 8;
const ROUNDS = Number(process.env['SPECSTAR_RACE_ROUNDS'] ?? 2);

let db: TestDatabase;
let rounds = 0;
const rootdirs: string[] = [];

function freshTarget(): ComposedTarget {
  rounds += 1;
  const rootdir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-composed-'));
  rootdirs.push(rootdir);
  return { dsn: db?.dsn ?? '', rootdir, prefix: `r${rounds}_` };
}

/** The disk-only composition runs without PostgreSQL too. */
const usesPostgres = (composition: Composition) => composition !== 'disk-meta-disk-resource';

function startWorkers(composition: Composition, target: ComposedTarget, task: string, args: (index: number) => string) {
  return Array.from({ length: PROCESSES }, (_, index) =>
    startWorkerProcess(WORKER, [composition, target.dsn, target.rootdir, target.prefix, task, args(index)], { nodeArgs: ['-r', REGISTER] }),
  );
}

/** Starts the workers together once every one of them is ready; the line each printed besides `ready`. */
async function race(workers: ReturnType<typeof startWorkers>) {
  await Promise.all(workers.map((w) => w.said('ready')));
  for (const worker of workers) worker.send('go\n');
  const exits = await Promise.all(workers.map((w) => w.exit));
  expect(exits).toEqual(Array.from({ length: PROCESSES }, () => ({ code: 0, stderr: '' })));
  return workers.map((w) => w.lines.find((line) => !('ready' in line))!);
}

function report(composition: Composition, raceName: string, winners: number[]): void {
  process.stdout.write(`${composition} ${raceName}: winners per round ${JSON.stringify(winners)}\n`);
}

describe.each(COMPOSITIONS.map((c) => [c]))(`%s, ${PROCESSES} processes`, (composition) => {
  const suite = usesPostgres(composition) ? describePg : describe;
  suite('races', () => {
    beforeAll(async () => {
      if (usesPostgres(composition)) db ??= await createTestDatabase();
    });
    afterAll(() => {
      for (const dir of rootdirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });

    it(`creating the same unique value: exactly one succeeds, the others get UniqueConstraintError naming it (${ROUNDS} rounds)`, async () => {
      const counts: number[] = [];
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const target = freshTarget();
        const setup = await openComposed(composition, target, 'parent');
        // Two stores composed by core, the meta store deciding: not one provider's own storage.
        expect(setup.tallies.storage).toBeInstanceOf(SimpleStorage);
        expect(setup.tallies.storage.capabilities).toMatchObject({ atomicCommit: false, atomicUnique: true });
        await setup.tallies.create({ name: 'warm-up', count: 0 }); // tables exist before the race
        await setup.spec.close();

        const outcomes = await race(startWorkers(composition, target, 'claim', () => 'taken'));
        const winners = outcomes.filter((o) => 'won' in o).map((o) => o['won'] as string);
        counts.push(winners.length);
        const after = await openComposed(composition, target, 'parent');
        try {
          const holders = await after.tallies.searchResources({
            conditions: [{ type: 'DataSearchCondition', field_path: 'name', operator: 'eq', value: 'taken', transform: null }],
            limit: 100,
            offset: 0,
          });
          // What a reader sees: the winner only; a loser's payload has no meta pointing at it.
          if (winners.length !== 1 || holders.map((m) => m.resource_id).join() !== winners[0]) failures.push(`round ${round}: winners ${winners.join()}, holders ${holders.map((m) => m.resource_id).join()}`);
          for (const loser of outcomes.filter((o) => 'refused' in o)) if (loser['refused'] !== winners[0]) failures.push(`round ${round}: refused by ${String(loser['refused'])}`);
          expect(await after.tallies.count({ is_deleted: false })).toBe(1 + holders.length);
          expect((await after.tallies.get(holders[0]!.resource_id)).data).toEqual({ name: 'taken', count: 0 });
        } finally {
          await after.spec.close();
        }
      }
      report(composition, 'unique race', counts);
      expect(failures).toEqual([]);
    }, 60_000 * ROUNDS);

    it(`If-Match updates from the same revision: exactly one wins and a reader sees its revision (${ROUNDS} rounds)`, async () => {
      const counts: number[] = [];
      const failures: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const target = freshTarget();
        const setup = await openComposed(composition, target, 'parent');
        await setup.tallies.create({ name: 'shared', count: 0 }, { resourceId: 'shared' });
        await setup.spec.close();

        const outcomes = await race(startWorkers(composition, target, 'if-match', (index) => String(index + 1)));
        const winners = outcomes.flatMap((o, index) => ('won' in o ? [{ uid: o['uid'] as string, count: index + 1 }] : []));
        counts.push(winners.length);
        for (const loser of outcomes.filter((o) => 'mismatch' in o)) if (loser['mismatch'] !== 'shared:2') failures.push(`round ${round}: mismatch saw ${String(loser['mismatch'])}`);
        const after = await openComposed(composition, target, 'parent');
        try {
          const meta = await after.tallies.getMeta('shared');
          const current = await after.tallies.get('shared');
          if (winners.length !== 1) failures.push(`round ${round}: ${winners.length} winners`);
          else if (meta.current_revision_id !== 'shared:2' || meta.total_revision_count !== 2) failures.push(`round ${round}: meta at ${meta.current_revision_id} (${meta.total_revision_count})`);
          else if (current.info.uid !== winners[0]!.uid || (current.data as { count: number }).count !== winners[0]!.count) {
            failures.push(`round ${round}: reader sees count ${(current.data as { count: number }).count} (uid ${current.info.uid}), winner wrote ${winners[0]!.count} (uid ${winners[0]!.uid})`);
          }
        } finally {
          await after.spec.close();
        }
      }
      report(composition, 'If-Match race', counts);
      expect(failures).toEqual([]);
    }, 60_000 * ROUNDS);
  });
});

afterAll(async () => {
  await db?.drop();
});
