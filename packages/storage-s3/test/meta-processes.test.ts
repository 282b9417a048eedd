/**
 * Two real processes writing one meta object at the same time: every create a process was told
 * succeeded is in the final object; every other one was refused with a conflict and is not.
 * Nothing is lost silently, with or without auto_reload_on_conflict.
 */
import * as path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '@specstar/testkit';
import { BUCKET, metaFixture } from './meta-helpers';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WORKER = path.join(__dirname, 'fixtures', 'meta-worker.ts');
const PER_WORKER = 30;

const s3 = metaFixture();

interface Outcome {
  acknowledged: string[];
  refused: Array<[string, string]>;
}

async function race(key: string, options: object): Promise<Outcome[]> {
  const config = JSON.stringify(s3.server().clientConfig);
  const workers: WorkerProcess[] = ['a', 'b'].map((name) =>
    startWorkerProcess(WORKER, [config, BUCKET, key, name, String(PER_WORKER), JSON.stringify(options)], { nodeArgs: ['-r', REGISTER] }),
  );
  await Promise.all(workers.map((worker) => worker.said('ready')));
  for (const worker of workers) worker.send('go\n');
  const exits = await Promise.all(workers.map((worker) => worker.exit));
  for (const exit of exits) {
    expect(exit.code).toBe(0);
    expect(exit.stderr).not.toMatch(/Error/);
  }
  return workers.map((worker) => worker.lines.find((line) => 'done' in line) as unknown as Outcome);
}

async function idsInBucket(key: string): Promise<string[]> {
  const store = s3.store({ key });
  const ids: string[] = [];
  for await (const id of store.keys()) ids.push(id);
  await store.close();
  return ids.sort();
}

it.each([
  ['without reload: a losing upload is refused with a conflict', {}],
  ['with auto_reload_on_conflict: a losing upload is redone on the reloaded object', { autoReloadOnConflict: true, conflictRetries: 50 }],
])('two processes, %s; every acknowledged create is in the object', async (_title, options) => {
  const key = s3.key();
  const outcomes = await race(key, options);
  const acknowledged = outcomes.flatMap((outcome) => outcome.acknowledged).sort();
  const refused = outcomes.flatMap((outcome) => outcome.refused);
  expect(acknowledged.length + refused.length).toBe(2 * PER_WORKER);
  expect(new Set(refused.map(([, code]) => code))).toEqual(new Set(refused.length > 0 ? ['meta_sync_conflict'] : []));
  expect(await idsInBucket(key)).toEqual(acknowledged);
}, 120_000);
