// `specstar migrate` as a child process on a disk backend: a dry run reports what is behind and
// writes nothing, --execute migrates and reports per-resource failures without stopping, and a
// re-run finds nothing left.
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

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, DATA_DIR: path.join(dir, 'data') };
    execFile(process.execPath, ['-r', REGISTER, BIN, ...args], { cwd: dir, env }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: unknown }).code as number) : 0, stdout, stderr });
    });
  });
}

const SCHEMA = `{ type: 'object', properties: { name: { type: 'string' }, nick: { type: ['string', 'null'] } } }`;
const app = ['--backend', 'backend.json', '--models', 'models-v2.js', '--model', 'person'];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'specstar-cli-migrate-'));
  writeFileSync(
    path.join(dir, 'backend.json'),
    JSON.stringify({ version: 1, connections: { d: { type: 'disk', options: { rootdir: '${DATA_DIR}' } } }, meta: { use: 'd' }, resource: { use: 'd' } }),
  );
  writeFileSync(
    path.join(dir, 'models-v1.js'),
    `const { Schema } = require('@specstar/core');
module.exports.register = (spec) => spec.addModel(new Schema(${SCHEMA}, 'v1'), { name: 'person', indexedFields: ['name'] });\n`,
  );
  writeFileSync(
    path.join(dir, 'models-v2.js'),
    `const { Schema } = require('@specstar/core');
module.exports.default = (spec) => spec.addModel(
  new Schema(${SCHEMA}, 'v2').step('v1', (v) => { if (v.name === 'Bad') throw new Error('cannot migrate Bad'); return { ...v, nick: v.name.toLowerCase() }; }, { source: ${SCHEMA} }),
  { name: 'person', indexedFields: ['name'] },
);\n`,
  );
  process.env.DATA_DIR = path.join(dir, 'data');
  const spec = new SpecStar();
  await spec.configure({ backend: path.join(dir, 'backend.json'), defaultUser: 'seed' });
  // oxlint-disable-next-line typescript/no-require-imports -- the models module is written by the test at run time.
  (require(path.join(dir, 'models-v1.js')) as { register: (s: SpecStar) => void }).register(spec);
  const people = spec.getResourceManager('person');
  for (const name of ['Ada', 'Bob', 'Bad']) await people.create({ name, nick: null });
  await spec.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

it('a dry run reports what is behind and what would fail, --execute migrates and names the failures, a re-run finds only those', async () => {
  const dry = await run(['migrate', ...app, '--json']);
  // The dry run converts each resource in memory, so the step that throws on 'Bad' shows up before anything is written.
  expect(dry.code).toBe(1);
  const report = JSON.parse(dry.stdout) as { failed: Array<{ resource_id: string; error: string }> };
  expect(report).toEqual({ model: 'person', target_version: 'v2', dry_run: true, matched: 3, pending: 3, migrated: 0, failed: [{ resource_id: expect.any(String), error: expect.stringContaining('cannot migrate Bad') }] });
  expect(JSON.parse(dry.stderr)).toEqual({ error: { exit_code: 1, message: "1 resource(s) of 'person' would fail to migrate" } });
  const good = await run(['migrate', ...app, '--qb', "QB['name'] != 'Bad'"]);
  expect(good.code).toBe(0);
  expect(good.stdout).toContain("Dry run: 2 of 2 resource(s) of 'person' are behind v2; run again with --execute to migrate them");
  // The dry runs wrote nothing: still three behind.
  expect(JSON.parse((await run(['migrate', ...app, '--json'])).stdout)).toMatchObject({ pending: 3 });

  const executed = await run(['migrate', ...app, '--execute']);
  expect(executed.code).toBe(1);
  expect(executed.stdout).toMatch(/: .*cannot migrate Bad/);
  expect(executed.stdout).toContain("Migrated 2 of 3 resource(s) of 'person' to v2 (1 failed, 3 checked)");
  expect(executed.stderr).toBe("specstar: error: 1 resource(s) of 'person' failed to migrate\n");

  const again = await run(['migrate', ...app, '--qb', "QB['name'] != 'Bad'", '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ dry_run: true, matched: 2, pending: 0 });
  expect(JSON.parse((await run(['migrate', ...app, '--json'])).stdout)).toMatchObject({ matched: 3, pending: 1 });
});

it('refuses a model without migration steps with exit 2', async () => {
  const result = await run(['migrate', '--backend', 'backend.json', '--models', 'models-v1.js', '--model', 'person']);
  expect(result.code).toBe(2);
  expect(result.stderr).toBe("specstar: error: Model 'person' has no migration (its schema defines no steps)\n");
});
