// The specstar command run as a child process on a disk backend in a temp dir, the way an
// operator runs it: dump → load round trip, count with --qb, --json, serve, and bad input that
// exits with the documented code, names what is wrong and writes nothing.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SpecStar } from '@specstar/core';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const BIN = path.join(__dirname, '..', 'src', 'bin.ts');

// Each test starts several Node processes that compile the sources on load: generous under a loaded CI machine.
jest.setTimeout(120_000);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let dir: string;

function run(args: string[], dataDir = 'a'): Promise<Run> {
  return new Promise((resolve) => {
    const env = { ...process.env, DATA_DIR: path.join(dir, dataDir) };
    execFile(process.execPath, ['-r', REGISTER, BIN, ...args], { cwd: dir, env }, (error, stdout, stderr) => {
      const code = error ? ((error as { code?: unknown }).code as number) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const app = ['--backend', 'backend.json', '--models', 'models.js'];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'specstar-cli-'));
  writeFileSync(
    path.join(dir, 'backend.json'),
    JSON.stringify({
      version: 1,
      connections: { local: { type: 'disk', options: { rootdir: '${DATA_DIR}' } } },
      meta: { use: 'local' },
      resource: { use: 'local' },
      blob: { use: 'local' },
    }),
  );
  writeFileSync(
    path.join(dir, 'models.js'),
    `module.exports = function register(spec) {
  spec.addModel({ type: 'object', properties: { name: { type: 'string' }, age: { type: 'integer' } } }, { name: 'person', indexedFields: ['age'] });
  spec.addModel({ type: 'object', properties: { title: { type: 'string' } } }, { name: 'note' });
};\n`,
  );
  process.env.DATA_DIR = path.join(dir, 'a');
  const spec = new SpecStar();
  await spec.configure({ backend: path.join(dir, 'backend.json'), defaultUser: 'seed' });
  // oxlint-disable-next-line typescript/no-require-imports -- the models module is written by the test at run time.
  (require(path.join(dir, 'models.js')) as (s: SpecStar) => void)(spec);
  const people = spec.getResourceManager('person');
  const ada = await people.create({ name: 'Ada', age: 36 });
  await people.update(ada.resource_id, { name: 'Ada', age: 37 });
  await people.create({ name: 'Bob', age: 25 });
  await people.create({ name: 'Cy', age: 41 });
  await spec.getResourceManager('note').create({ title: 'hello' });
  await spec.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('dump and load', () => {
  it('round-trips every model into a fresh directory with the same counts', async () => {
    const dumped = await run(['dump', ...app, '-o', 'all.acbak', '--json']);
    expect(dumped).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(dumped.stdout)).toMatchObject({
      output: path.join(dir, 'all.acbak'),
      models: { person: { resources: 3, revisions: 4, blobs: 0 }, note: { resources: 1, revisions: 1, blobs: 0 } },
    });
    expect(existsSync(path.join(dir, 'all.acbak.partial'))).toBe(false);

    const loaded = await run(['load', ...app, 'all.acbak', '--json'], 'b');
    expect(loaded.code).toBe(0);
    expect(JSON.parse(loaded.stdout)).toEqual({
      input: path.join(dir, 'all.acbak'),
      models: { person: { loaded: 3, skipped: 0, total: 3 }, note: { loaded: 1, skipped: 0, total: 1 } },
    });
    expect((await run(['count', ...app, '--model', 'person'], 'b')).stdout).toBe('3\n');
    expect((await run(['count', ...app, '--model', 'note'], 'b')).stdout).toBe('1\n');
  });

  it('dumps only the --model ones and prints a summary line without --json', async () => {
    const dumped = await run(['dump', ...app, '--model', 'note', '-o', 'notes.acbak']);
    expect(dumped.code).toBe(0);
    expect(dumped.stdout).toContain('dump note: 1/1 resources');
    expect(dumped.stdout).toContain(`Dumped 1 resources (1 revisions, 0 blobs) of 1 model(s) to ${path.join(dir, 'notes.acbak')}`);
    const loaded = await run(['load', ...app, 'notes.acbak'], 'c');
    expect(loaded.stdout).toContain('note: 1 loaded, 0 skipped of 1\n');
    expect((await run(['count', ...app, '--model', 'person'], 'c')).stdout).toBe('0\n');
  });

  it('honours --on-duplicate: skip keeps what exists, raise_error exits 1 naming the resource', async () => {
    await run(['dump', ...app, '--model', 'person', '-o', 'people.acbak']);
    const skipped = await run(['load', ...app, '--on-duplicate', 'skip', 'people.acbak', '--json'], 'b');
    expect(JSON.parse(skipped.stdout)).toEqual({ input: path.join(dir, 'people.acbak'), models: { person: { loaded: 0, skipped: 3, total: 3 } } });
    const refused = await run(['load', ...app, '--on-duplicate', 'raise_error', 'people.acbak'], 'b');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^specstar: error: .*already exists/);
  });
});

describe('count', () => {
  it('counts the matches of --qb, as a number or as JSON', async () => {
    expect(await run(['count', ...app, '--model', 'person', '--qb', "QB['age'] >= 30"])).toEqual({ code: 0, stdout: '2\n', stderr: '' });
    const json = await run(['count', ...app, '--model', 'person', '--qb', "QB['age'] < 30", '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ model: 'person', count: 1 });
  });

  it('refuses a malformed --qb or an unknown model with exit 2', async () => {
    const bad = await run(['count', ...app, '--model', 'person', '--qb', "QB['age'] >"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Invalid --qb expression');
    const unknown = await run(['count', ...app, '--model', 'pet']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown model 'pet' (--model); the models module registers: person, note");
  });
});

describe('bad configuration writes nothing', () => {
  it('a missing backend config exits 3 naming the file', async () => {
    const result = await run(['dump', '--backend', 'missing.json', '--models', 'models.js', '-o', 'x.acbak'], 'x');
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(`specstar: error: Backend config ${path.join(dir, 'missing.json')} does not exist (--backend)\n`);
    expect(existsSync(path.join(dir, 'x.acbak'))).toBe(false);
  });

  it('a missing models module exits 3 naming the module, also as JSON', async () => {
    const result = await run(['load', '--backend', 'backend.json', '--models', 'nope.js', 'all.acbak', '--json'], 'x');
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stderr)).toEqual({ error: { exit_code: 3, message: `Models module ${path.join(dir, 'nope.js')} does not exist (--models)` } });
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('a module without register(spec) exits 3', async () => {
    writeFileSync(path.join(dir, 'empty.js'), 'module.exports = { models: [] };\n');
    const result = await run(['count', '--backend', 'backend.json', '--models', 'empty.js', '--model', 'person'], 'x');
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`Models module ${path.join(dir, 'empty.js')} does not export a function register(spec)`);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('a bad --on-duplicate exits 2 naming the option and its choices', async () => {
    const result = await run(['load', ...app, '--on-duplicate', 'replace', 'all.acbak'], 'x');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("option '--on-duplicate <mode>' argument 'replace' is invalid. Allowed choices are overwrite, skip, raise_error.");
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });
});

it('prints --help for each command with the exit codes', async () => {
  for (const command of ['dump', 'load', 'count', 'migrate', 'serve']) {
    const result = await run([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: specstar ${command}`);
    expect(result.stdout).toContain('Exit codes: 0 ok');
  }
});

it('serves the models with /docs until SIGTERM', async () => {
  const child = spawn(process.execPath, ['-r', REGISTER, BIN, 'serve', ...app, '--port', '0', '--json'], {
    cwd: dir,
    env: { ...process.env, DATA_DIR: path.join(dir, 'a') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const first = await new Promise<string>((resolve) => {
    let text = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.split('\n')[0] as string);
    });
  });
  const { url, models } = JSON.parse(first) as { url: string; models: string[] };
  expect(models).toEqual(['person', 'note']);
  expect((await fetch(`${url}/docs`)).status).toBe(200);
  const listed = await fetch(`${url}/person/count`);
  expect(listed.status).toBe(200);
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
