/**
 * The ```ts blocks of the READMEs, as a user would paste them into a CommonJS TypeScript project:
 * imports stay at the top, the rest runs inside an async function (CommonJS has no top-level await).
 *
 * An HTML comment on the line before a block says what the test may do with it:
 *   <!-- snippet: services (postgres, rabbitmq, s3) -->  runs against those services; the test
 *                                   provides them and their addresses (see SERVICE_ENV in services.ts)
 *   <!-- snippet: no-run (why) -->  typecheck only (it needs a test runner, a file of the user's…)
 *   <!-- snippet: skip (why) -->    neither (it needs a package the workspace does not install)
 *   <!-- snippet: continues -->     the previous block of the same README, then this one (a walk-through)
 * `continues` combines with the others: `<!-- snippet: continues, no-run (why) -->`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type SnippetMode = 'run' | 'no-run' | 'skip' | 'services';

/** What a `services` snippet may ask for. */
export const SERVICES = ['postgres', 'rabbitmq', 's3'] as const;
export type Service = (typeof SERVICES)[number];

export interface Snippet {
  /** `packages/core/README.md:47`: the README and the line of the opening fence. */
  where: string;
  mode: SnippetMode;
  reason: string;
  /** The services a `services` block runs against. */
  services?: Service[];
  code: string;
  /** The code of the blocks this one continues, in order. */
  before?: string;
}

const MARKER = /^<!--\s*snippet:\s*(?:(continues)\b,?\s*)?(?:(no-run|skip|services)\b\s*(.*?))?\s*-->\s*$/;

export function extractSnippets(repoRoot: string, readme: string): Snippet[] {
  const lines = fs.readFileSync(path.join(repoRoot, readme), 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] ?? '')) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) body.push(lines[i] ?? '');
    const before = lines.slice(0, start).reverse().find((line) => line.trim() !== '') ?? '';
    const marker = MARKER.exec(before.trim());
    const misspelt = /^<!--\s*snippet:/.test(before.trim()) && (marker === null || (marker[1] === undefined && marker[2] === undefined));
    if (misspelt) throw new Error(`${readme}:${start}: unknown snippet marker ${before.trim()}`);
    const previous = marker?.[1] !== undefined ? snippets[snippets.length - 1] : undefined;
    if (marker?.[1] !== undefined && previous?.where.split(':')[0] !== readme) throw new Error(`${readme}:${start + 1}: 'continues' needs an earlier block`);
    const mode = (marker?.[2] as SnippetMode | undefined) ?? 'run';
    const reason = marker?.[3]?.replace(/^\((.*)\)$/, '$1') ?? '';
    snippets.push({
      where: `${readme}:${start + 1}`,
      mode,
      reason,
      ...(mode === 'services' && { services: servicesOf(reason, `${readme}:${start}`) }),
      code: body.join('\n'),
      ...(previous && { before: previous.before === undefined ? previous.code : `${previous.before}\n${previous.code}` }),
    });
  }
  return snippets;
}

function servicesOf(list: string, where: string): Service[] {
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SERVICES as readonly string[]).includes(name));
  if (unknown.length > 0 || list.trim() === '') throw new Error(`${where}: a services marker lists some of ${SERVICES.join(', ')}; got '${list}'`);
  return names as Service[];
}

/** Every README of packages/* and examples/*, and the repository's own. */
export function readmePaths(repoRoot: string): string[] {
  const found = ['README.md'];
  for (const group of ['packages', 'examples']) {
    for (const entry of fs.readdirSync(path.join(repoRoot, group)).sort()) {
      const readme = path.join(group, entry, 'README.md');
      if (fs.existsSync(path.join(repoRoot, readme))) found.push(readme);
    }
  }
  return found;
}

/**
 * The snippet as a module: import declarations (possibly spanning lines) first, then the body in
 * `async function main()`, run with a non-zero exit code on a rejection. Returns the source and how
 * many lines come before the body's first line (to map compiler errors back to the README).
 */
export function wrapSnippet(code: string): { source: string; bodyOffset: number; importLines: number } {
  const imports: string[] = [];
  const body: string[] = [];
  const lines = code.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (!/^import\s/.test(line)) {
      body.push(line);
      continue;
    }
    const statement = [line];
    while (!/;\s*(\/\/.*)?$/.test(statement[statement.length - 1] ?? '') && i + 1 < lines.length) statement.push(lines[++i] ?? '');
    imports.push(...statement);
    body.push(...statement.map(() => ''));   // keep the body's line numbers equal to the snippet's
  }
  const head = [...imports, 'export {};', 'async function main(): Promise<void> {'];
  const tail = ['}', 'main().then(', '  () => process.exit(0),', '  (error: unknown) => { console.error(error); process.exit(1); },', ');', ''];
  return { source: [...head, ...body, ...tail].join('\n'), bodyOffset: head.length, importLines: imports.length };
}
