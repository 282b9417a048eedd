/**
 * Consumer processes on one disk store and one broker: a consumer SIGKILLed mid-job leaves an
 * unacked delivery that the broker hands to the next consumer, which completes the job once
 * (invariant 42); two consumer processes racing for the same queue run every job exactly once.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startWorkerProcess, type WorkerProcess } from '@specstar/testkit';
import { AMQP_URL, deleteTestQueues, describeBroker, freshPrefix } from './broker';

const REGISTER = path.join(__dirname, '..', '..', '..', 'tooling', 'register-ts.js');
const WORKER = path.join(__dirname, 'fixtures', 'worker.ts');

interface InspectedJob {
  id: string;
  status: string;
  retries: number;
  errmsg: string | null;
  trail: string[];
}

class Run {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-rmq-fault-'));
  readonly runLog = path.join(this.dir, 'runs.log');
  readonly prefix = freshPrefix();
  private readonly children: WorkerProcess[] = [];

  start(task: string, extra: Record<string, unknown> = {}): WorkerProcess {
    const args = { root: path.join(this.dir, 'store'), prefix: this.prefix, url: AMQP_URL, runLog: this.runLog, ...extra };
    const child = startWorkerProcess(WORKER, [task, JSON.stringify(args)], { nodeArgs: ['-r', REGISTER] });
    this.children.push(child);
    return child;
  }

  async finish(child: WorkerProcess, what: string): Promise<Record<string, unknown>> {
    const exit = await child.exit;
    if (exit.code !== 0) throw new Error(`${what} exited with code ${exit.code}\nstderr:\n${exit.stderr}`);
    return Object.assign({}, ...child.lines) as Record<string, unknown>;
  }

  async seed(labels: string[]): Promise<string[]> {
    return (await this.finish(this.start('seed', { jobs: labels.map((label) => ({ label })) }), 'seed'))['seeded'] as string[];
  }

  async inspect(): Promise<Map<string, InspectedJob>> {
    const jobs = (await this.finish(this.start('inspect'), 'inspect'))['jobs'] as InspectedJob[];
    return new Map(jobs.map((job) => [job.id, job]));
  }

  /** Lines `<id> start` / `<id> end` of every handler run, counted per id. */
  runs(kind: 'start' | 'end'): Map<string, number> {
    const counts = new Map<string, number>();
    const text = fs.existsSync(this.runLog) ? fs.readFileSync(this.runLog, 'utf8') : '';
    for (const line of text.split('\n')) {
      const [id, what] = line.split(' ');
      if (id && what === kind) counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    return counts;
  }

  dispose(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

describeBroker('RabbitMQ across processes', () => {
  afterAll(deleteTestQueues);

  it('a consumer killed mid-job: the broker redelivers, the next consumer runs the job again and it completes once', async () => {
    const run = new Run();
    try {
      const [hung, other] = await run.seed(['hang-once', 'quick']);
      const first = run.start('consume');
      await first.said('running');
      process.kill((first.lines.find((line) => 'pid' in line)!['pid'] as number), 'SIGKILL');
      await first.exit;
      const second = run.start('consume');
      const drained = await run.finish(second, 'second consumer');
      expect(drained).toMatchObject({ drained: true });
      const jobs = await run.inspect();
      expect(jobs.get(hung!)).toMatchObject({ status: 'completed', errmsg: null });
      expect(jobs.get(other!)?.status).toBe('completed');
      // Started twice (killed once), completed once.
      expect([run.runs('start').get(hung!), run.runs('end').get(hung!)]).toEqual([2, 1]);
      const trail = jobs.get(hung!)!.trail;
      expect(trail[0]).toBe('pending');
      expect(trail.at(-1)).toBe('completed');
      expect(trail.filter((status) => status === 'completed')).toHaveLength(1);
    } finally {
      run.dispose();
    }
  }, 120_000);

  it('two consumer processes on one queue run each of 100 jobs exactly once', async () => {
    const run = new Run();
    try {
      const ids = await run.seed(Array.from({ length: 100 }, () => 'quick'));
      const consumers = [run.start('consume'), run.start('consume')];
      for (const [n, consumer] of consumers.entries()) expect(await run.finish(consumer, `consumer ${n}`)).toMatchObject({ drained: true });
      const starts = run.runs('start');
      expect([...starts.keys()].sort()).toEqual([...ids].sort());
      expect([...starts.values()].every((count) => count === 1)).toBe(true);
      const jobs = await run.inspect();
      for (const id of ids) expect(jobs.get(id)?.trail).toEqual(['pending', 'processing', 'completed']);
    } finally {
      run.dispose();
    }
  }, 120_000);
});
