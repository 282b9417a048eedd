// Runs the README's curl walk-through, verbatim, against a live server and compares its output
// with the README's expected-output block, so the documentation cannot drift from the code.
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/server';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The fenced block right after `<!-- walkthrough:<name> -->`. */
function block(name: string): string {
  const found = new RegExp(`<!-- walkthrough:${name} -->\\s*\`\`\`[a-z]*\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!found?.[1]) throw new Error(`README has no walkthrough:${name} block`);
  return found[1];
}

const missingTools = ['curl', 'jq'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
const describeWithTools = missingTools.length === 0 ? describe : describe.skip;
if (missingTools.length > 0) console.warn(`README walk-through skipped: ${missingTools.join(' and ')} not installed`);

describeWithTools('README walk-through (curl, live server)', () => {
  let running: RunningServer;
  beforeAll(async () => {
    running = await startServer({ port: 0, log: () => {} });
  });
  afterAll(() => running.close());

  it('prints exactly the output the README shows', async () => {
    const script = `set -euo pipefail\n${block('script')}`;
    const output = await new Promise<string>((resolve, reject) => {
      execFile('bash', ['-c', script], { env: { ...process.env, BASE: running.url }, timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`walk-through failed: ${err.message}\n${stderr}\n--- output so far ---\n${stdout}`));
        else resolve(stdout);
      });
    });
    expect(output.replace(UUID, '<uuid>')).toBe(block('output'));
  }, 60_000);
});
