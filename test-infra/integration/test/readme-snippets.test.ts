/**
 * Every ```ts block of every README compiles in a CommonJS TypeScript project and, unless marked
 * `<!-- snippet: no-run (why) -->`, runs to completion — `services (…)` blocks against PostgreSQL,
 * RabbitMQ or an S3 test server (see readme-snippets/extract.ts for the markers). Runs against the
 * packages' dist/ builds, as an installed package would.
 */
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { extractSnippets, readmePaths, SERVICES, wrapSnippet, type Snippet } from './readme-snippets/extract';
import { createProject, PRELOAD_FILE } from './readme-snippets/project';
import { startServices } from './readme-snippets/services';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const tsc = path.join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc');

interface Placed extends Snippet {
  file: string;
  bodyOffset: number;
  importLines: number;
  fenceLine: number;
}

describe('README snippets', () => {
  const snippets = readmePaths(repoRoot).flatMap((readme) => extractSnippets(repoRoot, readme));
  const project = createProject(repoRoot);
  const placed: Placed[] = snippets
    .filter((snippet) => snippet.mode !== 'skip')
    .map((snippet, index) => {
      const file = `snippet-${String(index).padStart(2, '0')}`;
      // A block that continues earlier ones is compiled after them; their errors are theirs.
      const before = snippet.before === undefined ? [] : snippet.before.split('\n');
      const { source, bodyOffset, importLines } = wrapSnippet([...before, snippet.code].join('\n'));
      fs.writeFileSync(path.join(project, 'src', `${file}.ts`), source);
      return { ...snippet, file, bodyOffset: bodyOffset + before.length, importLines, fenceLine: Number(snippet.where.split(':').pop()) };
    });
  let compileErrors: Map<string, string[]>;

  beforeAll(() => {
    const result = spawnSync(process.execPath, [tsc, '-p', project], { cwd: project, encoding: 'utf8' });
    compileErrors = new Map();
    for (const line of result.stdout.split('\n')) {
      const match = /^src\/(snippet-\d+)\.ts\((\d+),\d+\): (error .*)$/.exec(line);
      const snippet = match && placed.find((p) => p.file === match[1]);
      if (!snippet || !match) continue;
      const fileLine = Number(match[2]);
      const readmeLine = snippet.fenceLine + fileLine - snippet.bodyOffset;
      if (fileLine > snippet.importLines && readmeLine <= snippet.fenceLine) continue;
      const errors = compileErrors.get(snippet.where) ?? [];
      errors.push(fileLine <= snippet.importLines ? `${snippet.where} (an import): ${match[3]}` : `${snippet.where.split(':')[0]}:${readmeLine}: ${match[3]}`);
      compileErrors.set(snippet.where, errors);
    }
    if (result.status !== 0 && compileErrors.size === 0) throw new Error(`tsc failed: ${result.stdout}${result.stderr}`);
  }, 300_000);   // one tsc run over every snippet: a guard against hangs on a loaded machine

  afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

  it('finds the snippets, and every skipped one says why', () => {
    expect(snippets.length).toBeGreaterThan(30);
    expect(snippets.filter((s) => s.mode !== 'run' && s.reason === '').map((s) => s.where)).toEqual([]);
    // Each service some README needs is exercised by at least one block.
    expect(new Set(snippets.flatMap((s) => s.services ?? []))).toEqual(new Set(SERVICES));
  });

  it('every snippet compiles', () => {
    expect([...compileErrors.values()].flat()).toEqual([]);
  });

  it('every runnable snippet runs to completion', async () => {
    const runnable = placed.filter((p) => (p.mode === 'run' || p.mode === 'services') && !compileErrors.has(p.where));
    // Asynchronous runs: the S3 test server lives in this process and must keep answering.
    const services = await startServices(new Set(runnable.flatMap((p) => p.services ?? [])));
    const failures: string[] = [];
    try {
      for (const snippet of runnable) {
        const cwd = fs.mkdtempSync(path.join(project, 'run-'));   // snippets may write ./data
        const env = { ...process.env, ...(snippet.mode === 'services' ? services.env : {}) };
        const failure = await new Promise<string | undefined>((resolve) => {
          execFile(process.execPath, ['-r', path.join(project, PRELOAD_FILE), path.join(project, 'dist', `${snippet.file}.js`)], { cwd, env, encoding: 'utf8', timeout: 60_000 }, (error, stdout, stderr) => {
            if (error === null) return resolve(undefined);
            const { code } = error as { code?: number | string };
            resolve(`${snippet.where}: exit ${code ?? error.signal ?? '?'}: ${(stderr || stdout).trim().split('\n').slice(0, 3).join(' | ')}`);
          });
        });
        if (failure !== undefined) failures.push(failure);
      }
    } finally {
      await services.close();
    }
    expect(failures).toEqual([]);
  }, 600_000);
});
