/**
 * The child-process side of the queue fault cases (fault-suite.ts). An adapter's fixture file is
 * one call: `runQueueFaultWorker({ createStorageFactory, createQueueFactory })`. The parent runs
 *
 *   node <fixture> <task> <store> <json arguments>
 *
 * and reads the JSON lines it prints. Tasks:
 *   seed     { jobs: [{ label, staleHeartbeat? }] }  creates the jobs in order; prints { seeded: ids }
 *   consume  { runLog, heartbeatInterval, recoveryInterval, concurrency, deadlineSeconds, waitForGo? }
 *            prints { consuming, pid } (with waitForGo: { ready, pid } first, then waits for stdin),
 *            consumes until no job is pending or processing, then prints { drained: true }.
 *            Every handler run first appends the job id to `runLog`. By label: `quick` returns;
 *            `hang` prints { running, pid } and never returns (the parent kills the process);
 *            `hold` prints { running } and returns once the parent writes to stdin.
 *   recover  { timeoutSeconds, passes }  runs that many recovery passes; prints { recovered: ids }
 *   inspect  {}  prints { jobs: [{ id, status, errmsg, retries, trail }] } (trail: status per revision)
 */
import * as fs from 'node:fs';
import { jobSchema, SpecStar } from '@specstar/core';
import type { IMessageQueueFactory, IStorageFactory, Job, Resource, SearchFilter } from '@specstar/interfaces';
import { reportLine, runWorker, waitForGo } from '../worker';
import { QUEUE_JOB_MODEL, QUEUE_JOB_PAYLOAD } from './harness';
import type { JobManager, QueueSettings } from './types';
import { sleep } from './wait';

export interface QueueFaultWorkerOptions {
  /** The storage of the store the parent named (a root directory, a DSN with a table prefix …). */
  createStorageFactory(store: string): IStorageFactory;
  /** The queue under test. */
  createQueueFactory(settings: QueueSettings): IMessageQueueFactory;
}

export type FaultJobLabel = 'quick' | 'hang' | 'hold';

interface ConsumeArgs {
  runLog: string;
  heartbeatInterval: number;
  recoveryInterval: number;
  concurrency: number;
  deadlineSeconds: number;
  waitForGo?: boolean;
}

const statusIn = (statuses: string[]): SearchFilter => ({ type: 'DataSearchCondition', field_path: 'status', operator: 'in', value: statuses, transform: null });

function handlerFor(runLog: string | undefined) {
  return async (job: Resource<Job>): Promise<void> => {
    const id = job.info.resource_id;
    if (runLog !== undefined) fs.appendFileSync(runLog, `${id}\n`);
    const { label } = job.data.payload as { label: FaultJobLabel };
    if (label === 'hang') {
      reportLine({ running: id, pid: process.pid });
      await new Promise<never>(() => undefined);
    } else if (label === 'hold') {
      reportLine({ running: id });
      await waitForGo();
    } else {
      // A little real work, so two consumers interleave.
      await sleep(Math.random() * 0.003);
    }
  };
}

async function allJobIds(rm: JobManager): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await rm.searchResources({ limit: 500, offset, sorts: [{ type: 'meta', key: 'created_time', direction: '+' }] });
    ids.push(...page.map((meta) => meta.resource_id));
    if (page.length < 500) return ids;
  }
}

async function consume(rm: JobManager, args: ConsumeArgs): Promise<void> {
  if (args.waitForGo) {
    reportLine({ ready: true, pid: process.pid });
    await waitForGo();
  }
  const { heartbeatInterval, recoveryInterval, concurrency } = args;
  await rm.startConsume({ heartbeatInterval, recoveryInterval, concurrency });
  reportLine({ consuming: true, pid: process.pid });
  const deadline = Date.now() + args.deadlineSeconds * 1000;
  while ((await rm.count({ conditions: [statusIn(['pending', 'processing'])], limit: 1, offset: 0 })) > 0) {
    if (Date.now() > deadline) {
      await rm.stopConsuming();
      throw new Error(`jobs still pending or processing after ${args.deadlineSeconds} s`);
    }
    await sleep(0.1);
  }
  await rm.stopConsuming();
  reportLine({ drained: true });
}

async function main(options: QueueFaultWorkerOptions): Promise<void> {
  const [task, store, json] = process.argv.slice(2);
  const args = JSON.parse(json ?? '{}') as Record<string, unknown>;
  const spec = new SpecStar({ storageFactory: options.createStorageFactory(store!), defaultUser: `pid-${process.pid}` });
  const rm = spec.addModel<Job>(jobSchema(QUEUE_JOB_PAYLOAD), {
    name: QUEUE_JOB_MODEL,
    messageQueueFactory: options.createQueueFactory({ maxRetries: 0 }),
    jobHandler: handlerFor(args['runLog'] as string | undefined),
  });
  try {
    if (task === 'seed') {
      const seeded: string[] = [];
      const jobs = args['jobs'] as Array<{ label: FaultJobLabel; staleHeartbeat?: boolean }>;
      for (const [n, job] of jobs.entries()) {
        const stamp = job.staleHeartbeat ? { last_heartbeat_at: new Date(Date.now() - 3_600_000).toISOString() } : {};
        seeded.push((await rm.create({ payload: { n, label: job.label }, ...stamp })).resource_id);
        await sleep(0.002); // distinct creation times: the run order is the seed order
      }
      reportLine({ seeded });
    } else if (task === 'consume') {
      await consume(rm, args as unknown as ConsumeArgs);
    } else if (task === 'recover') {
      const recovered = new Set<string>();
      for (let pass = 0; pass < Number(args['passes']); pass++) {
        for (const id of await rm.recoverStaleJobs(Number(args['timeoutSeconds']))) recovered.add(id);
        await sleep(0.05);
      }
      reportLine({ recovered: [...recovered] });
    } else if (task === 'inspect') {
      const jobs = [];
      for (const id of await allJobIds(rm)) {
        const { data } = await rm.get(id);
        const trail = [];
        for (const info of await rm.listRevisions(id)) trail.push((await rm.get(id, { revisionId: info.revision_id })).data.status);
        jobs.push({ id, status: data.status, errmsg: data.errmsg, retries: data.retries, trail });
      }
      reportLine({ jobs });
    } else {
      throw new Error(`unknown task ${String(task)}`);
    }
  } finally {
    await spec.close();
  }
}

/** The whole worker: parses the task from argv, runs it, and exits 1 with the stack on failure. */
export function runQueueFaultWorker(options: QueueFaultWorkerOptions): void {
  runWorker(() => main(options));
}
