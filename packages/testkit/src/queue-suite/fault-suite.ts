/**
 * Queue faults with real processes on a real shared store: two consumer processes racing for the
 * same jobs, a consumer SIGKILLed mid-job, and a second process's recovery pass right after a
 * claim. The children run the adapter's fixture, a file that calls `runQueueFaultWorker()`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runThenCleanUp } from '../clean-up';
import { startWorkerProcess, type WorkerProcess } from '../worker';
import { STALE_JOB_ERRMSG } from './cases/recovery';
import type { FaultJobLabel } from './fault-worker';
import type { TestApi } from '../types';

export interface QueueFaultSuiteOptions {
  /** Shown in the describe block, e.g. 'simple on disk'. */
  name: string;
  /** The fixture the children run: a file that calls `runQueueFaultWorker()`. */
  workerScript: string;
  /** Arguments for node before the script, e.g. `['-r', registerTsHook]`. */
  nodeArgs?: readonly string[];
  /** A fresh, empty store for one case, as the fixture's `createStorageFactory(store)` reads it. */
  createStore(): string | Promise<string>;
  /** Called after each case (drop the schema, remove the directory). */
  disposeStore?(store: string): Promise<void> | void;
  /** Jobs of the two-consumer race (default 200). */
  jobs?: number;
  /** Per-case timeout in ms handed to the runner (default 180 000). */
  timeout?: number;
}

export const QUEUE_FAULT_CASE_NAMES = [
  'fault: two consumer processes on one store run every job exactly once',
  'fault: a consumer killed mid-job leaves the job failed by recovery, and its handler is not run again',
  'fault: a job just claimed in one process is not failed by another process during its first heartbeat interval',
] as const;

export type QueueFaultCaseName = (typeof QUEUE_FAULT_CASE_NAMES)[number];

interface InspectedJob {
  id: string;
  status: string;
  errmsg: string | null;
  retries: number;
  trail: string[];
}

/** One case's store, scratch directory and children, with the steps every case needs. */
class FaultRun {
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'specstar-queue-fault-'));
  private readonly children: Array<{ child: WorkerProcess; ended: boolean }> = [];

  constructor(
    private readonly options: QueueFaultSuiteOptions,
    readonly store: string,
  ) {}

  start(task: string, args: Record<string, unknown> = {}): WorkerProcess {
    const child = startWorkerProcess(this.options.workerScript, [task, this.store, JSON.stringify(args)], { nodeArgs: this.options.nodeArgs });
    const entry = { child, ended: false };
    void child.exit.finally(() => (entry.ended = true)).catch(() => undefined);
    this.children.push(entry);
    return child;
  }

  /** Runs a task to its end; fails with its stderr unless it exits 0. Returns its lines. */
  async finish(child: WorkerProcess, what: string): Promise<Record<string, unknown>> {
    const exit = await child.exit;
    if (exit.code !== 0) throw new Error(`${what} exited with code ${exit.code}\nstderr:\n${exit.stderr}`);
    return Object.assign({}, ...child.lines) as Record<string, unknown>;
  }

  async seed(jobs: Array<{ label: FaultJobLabel; staleHeartbeat?: boolean }>): Promise<string[]> {
    return (await this.finish(this.start('seed', { jobs }), 'seed'))['seeded'] as string[];
  }

  async inspect(): Promise<Map<string, InspectedJob>> {
    const jobs = (await this.finish(this.start('inspect'), 'inspect'))['jobs'] as InspectedJob[];
    return new Map(jobs.map((job) => [job.id, job]));
  }

  runLog(name: string): string {
    return path.join(this.dir, `${name}.log`);
  }

  /** The ids a consumer's handler ran, in order (one line each, written before the handler's work). */
  ran(name: string): string[] {
    const file = this.runLog(name);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter((line) => line !== '') : [];
  }

  /** SIGKILLs a child that reported its pid, and waits for it to end. */
  async kill(child: WorkerProcess): Promise<void> {
    const pid = child.lines.find((line) => typeof line['pid'] === 'number')?.['pid'] as number | undefined;
    if (pid === undefined) return;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      return; // already gone
    }
    await child.exit.catch(() => undefined);
  }

  async close(): Promise<void> {
    await runThenCleanUp(
      async () => undefined,
      () => [
        // A child a failed case left running must not outlive it (nor hold the store).
        ...this.children.filter((entry) => !entry.ended).map((entry) => () => this.kill(entry.child)),
        () => this.options.disposeStore?.(this.store),
        () => fs.rmSync(this.dir, { recursive: true, force: true }),
      ],
    );
  }
}

async function withRun(options: QueueFaultSuiteOptions, body: (run: FaultRun) => Promise<void>): Promise<void> {
  const run = new FaultRun(options, await options.createStore());
  await runThenCleanUp(() => body(run), () => [() => run.close()]);
}

const consumeArgs = (run: FaultRun, name: string, extra: Record<string, unknown>) => ({
  runLog: run.runLog(name),
  concurrency: 1,
  heartbeatInterval: 1,
  recoveryInterval: 60,
  deadlineSeconds: 120,
  ...extra,
});

/** Registers the fault cases with the caller's runner. */
export function queueFaultSuite(api: TestApi, options: QueueFaultSuiteOptions): void {
  const { expect } = api;
  const timeout = options.timeout ?? 180_000;
  const jobs = options.jobs ?? 200;
  const [race, killed, firstInterval] = QUEUE_FAULT_CASE_NAMES;

  api.describe(`queue faults: ${options.name}`, () => {
    api.it(`${race} (${jobs} jobs)`, () => withRun(options, async (run) => {
      const ids = await run.seed(Array.from({ length: jobs }, () => ({ label: 'quick' as const })));
      const consumers = ['a', 'b'].map((name) => run.start('consume', consumeArgs(run, name, { concurrency: 2, waitForGo: true })));
      await Promise.all(consumers.map((child) => child.said('ready')));
      for (const child of consumers) child.send('go\n');
      await Promise.all(consumers.map((child, i) => run.finish(child, `consumer ${i}`)));
      const [a, b] = [run.ran('a'), run.ran('b')];
      expect([...a, ...b].sort()).toEqual([...ids].sort());
      // Both really competed: the check above is not one process doing everything.
      expect({ a: a.length > 0, b: b.length > 0 }).toEqual({ a: true, b: true });
      const states = await run.inspect();
      for (const id of ids) expect({ id, trail: states.get(id)?.trail }).toEqual({ id, trail: ['pending', 'processing', 'completed'] });
    }), timeout);

    api.it(killed, () => withRun(options, async (run) => {
      const [hung, ...quick] = await run.seed([{ label: 'hang' }, { label: 'quick' }, { label: 'quick' }]);
      const fast = { heartbeatInterval: 0.3, recoveryInterval: 0.3 };
      const doomed = run.start('consume', consumeArgs(run, 'a', fast));
      await doomed.said('running');
      await run.kill(doomed);
      expect((await doomed.exit).code).toBeNull();
      await run.finish(run.start('consume', consumeArgs(run, 'b', fast)), 'the restarted consumer');
      expect({ a: run.ran('a'), b: run.ran('b') }).toEqual({ a: [hung], b: quick });
      const states = await run.inspect();
      expect(states.get(hung!)).toMatchObject({ status: 'failed', errmsg: STALE_JOB_ERRMSG, retries: 0 });
      expect(states.get(hung!)!.trail).toEqual(['pending', 'processing', 'failed']);
      for (const id of quick) expect(states.get(id)?.status).toBe('completed');
    }), timeout);

    api.it(firstInterval, () => withRun(options, async (run) => {
      // The stamp of an earlier run: unless the claim replaces it, the job looks an hour stale.
      const [id] = await run.seed([{ label: 'hold', staleHeartbeat: true }]);
      // A long interval, so the other process's passes all fall inside the first one.
      const holder = run.start('consume', consumeArgs(run, 'a', { heartbeatInterval: 20 }));
      await holder.said('running');
      const other = await run.finish(run.start('recover', { timeoutSeconds: 60, passes: 5 }), 'the recovering process');
      expect(other['recovered']).toEqual([]);
      holder.send('go\n');
      await run.finish(holder, 'the consumer');
      const states = await run.inspect();
      expect(states.get(id!)).toMatchObject({ status: 'completed', trail: ['pending', 'processing', 'completed'] });
    }), timeout);
  });
}
