import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { extractSnippets, wrapSnippet } from './readme-snippets/extract';

function readme(text: string): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-extract-'));
  fs.writeFileSync(path.join(root, 'README.md'), text);
  return root;
}

describe('README snippet extraction', () => {
  it('reads the markers: no-run and skip with their reason, continues with the earlier code', () => {
    const root = readme(['```ts', 'const a = 1;', '```', '', '<!-- snippet: continues, no-run (needs PostgreSQL) -->', '```ts', 'a;', '```', '<!-- snippet: skip (a template) -->', '```ts', 'x;', '```', ''].join('\n'));
    expect(extractSnippets(root, 'README.md')).toEqual([
      { where: 'README.md:1', mode: 'run', reason: '', code: 'const a = 1;' },
      { where: 'README.md:6', mode: 'no-run', reason: 'needs PostgreSQL', code: 'a;', before: 'const a = 1;' },
      { where: 'README.md:10', mode: 'skip', reason: 'a template', code: 'x;' },
    ]);
  });

  it('reads the services a block runs against, and refuses one it does not know', () => {
    const root = readme(['<!-- snippet: services (postgres, s3) -->', '```ts', 'x;', '```', ''].join('\n'));
    expect(extractSnippets(root, 'README.md')).toEqual([{ where: 'README.md:2', mode: 'services', reason: 'postgres, s3', services: ['postgres', 's3'], code: 'x;' }]);
    const unknown = readme(['<!-- snippet: services (mysql) -->', '```ts', 'x;', '```', ''].join('\n'));
    expect(() => extractSnippets(unknown, 'README.md')).toThrow("README.md:1: a services marker lists some of postgres, rabbitmq, s3; got 'mysql'");
  });

  it('refuses a misspelt marker rather than running the block', () => {
    const root = readme(['<!-- snippet: norun (typo) -->', '```ts', 'x;', '```', ''].join('\n'));
    expect(() => extractSnippets(root, 'README.md')).toThrow('README.md:1: unknown snippet marker <!-- snippet: norun (typo) -->');
  });

  it('hoists imports, even over several lines, and keeps the body on its snippet lines', () => {
    const { source, bodyOffset, importLines } = wrapSnippet(["import {\n  a,\n} from 'a';", 'await a();'].join('\n'));
    const lines = source.split('\n');
    expect(lines.slice(0, 3)).toEqual(['import {', '  a,', "} from 'a';"]);
    expect(importLines).toBe(3);
    expect(lines[bodyOffset + 3]).toBe('await a();');   // the snippet's 4th line
    expect(source).toContain('async function main(): Promise<void> {');
  });
});
