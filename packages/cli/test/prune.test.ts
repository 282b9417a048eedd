// `specstar prune` as a child process on a disk backend: --dry-run reports and deletes nothing,
// the model's policy prunes, --keep-last overrides it, and a policy that keeps nothing is a usage
// error naming the option.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';

// Each test starts Node processes that compile the sources on load: generous under a loaded CI machine.
jest.setTimeout(120_000);

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const BIN = path.join(__dirname, '..', 'src', 'bin.ts');

let dir: string;
let noteId: string;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, DATA_DIR: path.join(dir, 'data') };
    execFile(process.execPath, ['-r', REGISTER, BIN, ...args], { cwd: dir, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: unknown }).code as number) : 0, stdout, stderr });
    });
  });
}

const app = ['--backend', 'backend.json', '--models', 'models.js', '--model', 'note'];

async function revisionCount(): Promise<number> {
  const spec = new SpecStar();
  await spec.configure({ backend: path.join(dir, 'backend.json') });
  // oxlint-disable-next-line typescript/no-require-imports -- the models module is written by the test at run time.
  (require(path.join(dir, 'models.js')) as { register: (s: SpecStar) => void }).register(spec);
  const count = (await spec.getResourceManager('note').storage.listRevisions(noteId)).length;
  await spec.close();
  return count;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'specstar-cli-prune-'));
  writeFileSync(
    path.join(dir, 'backend.json'),
    JSON.stringify({ version: 1, connections: { d: { type: 'disk', options: { rootdir: '${DATA_DIR}' } } }, meta: { use: 'd' }, resource: { use: 'd' } }),
  );
  writeFileSync(
    path.join(dir, 'models.js'),
    `module.exports.register = (spec) => spec.addModel({ type: 'object', properties: { text: { type: 'string' } } }, { name: 'note', retention: { keepLast: 3 } });\n`,
  );
  process.env.DATA_DIR = path.join(dir, 'data');
  const spec = new SpecStar();
  await spec.configure({ backend: path.join(dir, 'backend.json'), defaultUser: 'seed' });
  // oxlint-disable-next-line typescript/no-require-imports -- as above.
  (require(path.join(dir, 'models.js')) as { register: (s: SpecStar) => void }).register(spec);
  const notes = spec.getResourceManager('note');
  noteId = (await notes.create({ text: 'v1' })).resource_id;
  for (let n = 2; n <= 6; n++) await notes.update(noteId, { text: `v${n}` });
  await spec.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('--dry-run reports, the model policy prunes, --keep-last overrides it, a policy keeping nothing is refused', async () => {
  const dry = await run(['prune', ...app, '--dry-run', '--json']);
  expect(dry.code).toBe(0);
  expect(JSON.parse(dry.stdout)).toEqual({ model: 'note', dry_run: true, resources: 1, pruned: 3, kept: { keep_last: 2, current: 1 } });
  expect(await revisionCount()).toBe(6);

  const pruned = await run(['prune', ...app]);
  expect(pruned.code).toBe(0);
  expect(pruned.stdout).toBe("Pruned 3 revision(s) of 1 resource(s) of 'note'; kept: keep_last 2, current 1\n");
  expect(await revisionCount()).toBe(3);

  const refused = await run(['prune', ...app, '--id', noteId, '--keep-last', '0']);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toBe('specstar: error: --keep-last must be an integer >= 1 (a policy must keep something), got 0\n');
  expect(await revisionCount()).toBe(3);

  const one = await run(['prune', ...app, '--id', noteId, '--keep-last', '1', '--json']);
  expect(JSON.parse(one.stdout)).toEqual({ model: 'note', dry_run: false, resources: 1, pruned: 2, kept: { current: 1 } });
  expect(await revisionCount()).toBe(1);
});
