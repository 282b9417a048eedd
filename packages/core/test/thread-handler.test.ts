import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const REGISTER = join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');

interface Line {
  payload: { ms: number; mode?: string };
  data: { status: string; retries: number; errmsg: string | null; artifact: unknown; last_heartbeat_at: string | null; next_run_at: string | null };
  log: string;
  ticks: number;
}

describe('threadJobHandler: a handler in a worker thread', () => {
  let lines: Line[];

  beforeAll(() => {
    const run = spawnSync(process.execPath, ['-r', REGISTER, join(__dirname, 'fixtures', 'thread-consumer.ts')], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`consumer failed (${run.status}): ${run.stderr}`);
    lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as Line);
  }, 70_000);

  it('runs a CPU-bound handler without blocking the consumer: timers keep firing, logs and the artifact arrive', () => {
    const [spun] = lines;
    expect(spun!.data).toMatchObject({ status: 'completed', errmsg: null, artifact: { spun: 1500 } });
    expect(spun!.log).toMatch(/\[INFO\] Job started\n.*\[INFO\] spinning\n.*\[INFO\] Job completed$/);
    // 1.5 s of spinning at a 20 ms tick: a blocked event loop would count close to none.
    expect(spun!.ticks).toBeGreaterThan(20);
    expect(spun!.data.last_heartbeat_at).not.toBeNull();
  });

  it('keeps NoRetry and DelayRetry meaningful across the thread boundary', () => {
    const [, noRetry, delay] = lines;
    expect(noRetry!.data).toMatchObject({ status: 'failed', retries: 1, errmsg: 'refused in the worker' });
    expect(delay!.data).toMatchObject({ status: 'completed', retries: 0 });
    expect(delay!.data.next_run_at).not.toBeNull();
    expect(delay!.log).toContain('Job delayed retry: 60s');
  });

  it('records a thrown non-Error value as its text', () => {
    expect(lines[3]!.data).toMatchObject({ status: 'failed', errmsg: 'a plain string' });
  });
});
