import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const CONSUMER = join(__dirname, 'fixtures', 'job-logger-consumer.ts');

/** Runs the consumer in a child process (NODE_DEBUG is read when a process starts). */
function runConsumer(nodeDebug: string | undefined): { id: string; log: string; stderr: string } {
  const env = { ...process.env };
  if (nodeDebug === undefined) delete env.NODE_DEBUG;
  else env.NODE_DEBUG = nodeDebug;
  const run = spawnSync(process.execPath, ['-r', REGISTER, CONSUMER], { encoding: 'utf8', env, timeout: 60_000 });
  if (run.status !== 0) throw new Error(`consumer failed (${run.status}): ${run.stderr}`);
  return { ...(JSON.parse(run.stdout.trim()) as { id: string; log: string }), stderr: run.stderr };
}

// jobs-and-actions §8 inv. 48: every context log call also goes to the job logger, with the resource id.
describe('the job logger (NODE_DEBUG=specstar.job)', () => {
  it('receives every line of the job log, in order, with the resource id', () => {
    const { id, log, stderr } = runConsumer('specstar.job');
    const stored = log.split('\n').map((line) => line.replace(/^\S+ \[([A-Z]+)\] /, '$1 '));
    expect(stored).toEqual(['INFO Job started', 'INFO plain line', 'DEBUG low detail', 'INFO a note', 'WARNING careful', 'ERROR went wrong', 'NOTICE custom level', 'INFO Job completed']);
    const emitted = stderr
      .split('\n')
      .filter((line) => line.startsWith('SPECSTAR.JOB '))
      .map((line) => line.replace(/^SPECSTAR\.JOB \d+: /, ''));
    expect(emitted).toEqual(stored.map((line) => `[${id}] ${line}`));
  }, 70_000);

  it('is silent unless enabled', () => {
    expect(runConsumer(undefined).stderr).not.toContain('SPECSTAR.JOB');
  }, 70_000);
});
