/**
 * Two processes on one rootdir. SQLite serialises writers (one at a time), a writer that finds
 * the lock taken waits (busy timeout) instead of failing, readers see committed data, and
 * nothing is corrupted or lost.
 */
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SpecStar } from '@specstar/core';
import { startWorkerProcess } from '@specstar/testkit';
import { DiskStorage, DiskStorageFactory } from '../src';
import { TALLY_SCHEMA } from './fixtures/models';
import { removeTempDirs, tempDir } from './helpers';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WORKER = path.join(__dirname, 'fixtures', 'disk-worker.ts');

const startWorker = (...args: string[]) => startWorkerProcess(WORKER, args, { nodeArgs: ['-r', REGISTER] });

function engine(rootdir: string) {
  const spec = new SpecStar({ storageFactory: new DiskStorageFactory(rootdir), defaultUser: 'parent' });
  const tallies = spec.addModel(TALLY_SCHEMA, { name: 'tally', indexedFields: ['name', 'count'] });
  return { spec, tallies };
}

afterAll(removeTempDirs);

it('two writer processes interleave without lost updates, busy errors or corruption', async () => {
  const rootdir = tempDir();
  const { spec, tallies } = engine(rootdir);
  await tallies.create({ name: 'shared', count: 0 }, { resourceId: 'shared' });
  await spec.close();

  const PER_WORKER = 25;
  const workers = [startWorker('tally', rootdir, 'a', String(PER_WORKER)), startWorker('tally', rootdir, 'b', String(PER_WORKER))];
  const exits = await Promise.all(workers.map((w) => w.exit));
  expect(exits).toEqual([
    { code: 0, stderr: '' },
    { code: 0, stderr: '' },
  ]);

  const after = engine(rootdir);
  try {
    const shared = await after.tallies.get('shared');
    // Every increment of both processes landed exactly once (compare-and-set, no lost update).
    expect(shared.data).toEqual({ name: 'shared', count: 2 * PER_WORKER });
    expect((await after.tallies.getMeta('shared')).total_revision_count).toBe(2 * PER_WORKER + 1);
    const created = workers.flatMap((w) => (w.lines.find((l) => 'done' in l)?.['created'] as string[]) ?? []);
    expect(created).toHaveLength(2 * PER_WORKER);
    for (const id of created) expect(await after.tallies.exists(id)).toBe(true);
    expect(await after.tallies.count({ is_deleted: false })).toBe(2 * PER_WORKER + 1);
    expect((after.tallies.storage as DiskStorage).integrityCheck()).toEqual(['ok']);
  } finally {
    await after.spec.close();
  }
}, 60_000);

it('an open reader sees what another process committed, without reopening', async () => {
  const rootdir = tempDir();
  const reader = engine(rootdir);
  try {
    expect(await reader.tallies.exists('from-child')).toBe(false);
    const child = startWorker('create-one', rootdir, 'from-child');
    expect((await child.exit).code).toBe(0);
    expect((await reader.tallies.get('from-child')).data).toEqual({ name: 'from-child', count: 1 });
    const found = await reader.tallies.searchResources({ conditions: [{ type: 'DataSearchCondition', field_path: 'name', operator: 'eq', value: 'from-child', transform: null }] });
    expect(found.map((m) => m.resource_id)).toEqual(['from-child']);
  } finally {
    await reader.spec.close();
  }
}, 30_000);

it('a writer that finds the write lock taken by another process waits for it instead of failing', async () => {
  const rootdir = tempDir();
  // Create the database and its tables, then hold its write lock from a second connection.
  const setup = engine(rootdir);
  await setup.spec.close();
  const holder = new Database(path.join(rootdir, 'tally', 'meta.sqlite3'));
  holder.exec('BEGIN IMMEDIATE');
  let committed = false;
  try {
    const child = startWorker('create-one', rootdir, 'waited');
    await child.said('ready');
    // Keep the lock a while after the child is ready to write: its write has to wait for us.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.lines.some((l) => 'created' in l)).toBe(false);
    holder.exec('COMMIT');
    committed = true;
    const exit = await child.exit;
    expect(exit).toEqual({ code: 0, stderr: '' });
    expect(child.lines).toContainEqual({ created: 'waited' });
  } finally {
    if (!committed) holder.exec('ROLLBACK');
    holder.close();
  }
  const after = engine(rootdir);
  try {
    expect((await after.tallies.get('waited')).data).toEqual({ name: 'waited', count: 1 });
  } finally {
    await after.spec.close();
  }
}, 30_000);
