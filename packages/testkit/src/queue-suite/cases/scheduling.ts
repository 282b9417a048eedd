import { DelayRetry, type Job, type Resource } from '@specstar/interfaces';
import { defineQueueGroup, type HandlerCall } from '../types';

const completed = (job: Resource<Job>) => job.data.status === 'completed';

/** Milliseconds between consecutive handler entries. */
const gaps = (calls: HandlerCall[]) => calls.slice(1).map((call, i) => call.at - calls[i]!.at);

/** DelayRetry, periodic chains and the initial delay. */
export const schedulingCases = defineQueueGroup('queue: delayed and periodic runs', [
  {
    name: 'delay: DelayRetry(60) carries its delay and says so',
    async run({ expect }) {
      const error = new DelayRetry(60);
      expect(error.delaySeconds).toBe(60);
      expect(error.message).toContain('60 seconds');
      expect(error).toBeInstanceOf(Error);
    },
  },
  {
    name: 'delay: DelayRetry then success runs twice, not earlier than the delay, and ends completed with retries 0',
    async run({ expect, rig, waitFor, waitForJob }) {
      const { rm, create, start, callsOf } = rig({
        handler: (_job, _c, call) => (call.attempt === 1 ? Promise.reject(new DelayRetry(1)) : undefined),
      });
      const id = await create({ n: 1 }, { retries: 3 });
      await start();
      await waitFor('the second run', () => callsOf(id).length === 2);
      const job = await waitForJob(rm, id, 'completed', completed);
      expect(job.data).toMatchObject({ status: 'completed', retries: 0, errmsg: null });
      expect(gaps(callsOf(id))[0]).toBeGreaterThanOrEqual(1000);
      await rm.stopConsuming();
      expect(callsOf(id)).toHaveLength(2);
    },
  },
  {
    name: 'delay: DelayRetry three times then success runs four times and uses no retry',
    async run({ expect, rig, waitFor, waitForJob }) {
      const { rm, create, start, callsOf } = rig({
        maxRetries: 0,
        handler: (_job, _c, call) => (call.attempt <= 3 ? Promise.reject(new DelayRetry(1)) : undefined),
      });
      const id = await create({ n: 1 });
      await start();
      await waitFor('the fourth run', () => callsOf(id).length === 4);
      const job = await waitForJob(rm, id, 'completed', completed);
      expect(job.data).toMatchObject({ status: 'completed', retries: 0, periodic_runs: 0 });
      expect(callsOf(id).map((call) => call.data.retries)).toEqual([0, 0, 0, 0]);
    },
  },
  {
    name: 'periodic: interval 1 and max runs 3 run exactly three times, at least an interval apart, then stop completed',
    async run({ expect, rig, waitForJob, sleep }) {
      const { rm, create, start, callsOf } = rig();
      const id = await create({ n: 1 }, { periodic_interval_seconds: 1, periodic_max_runs: 3 });
      await start();
      const job = await waitForJob(rm, id, 'three runs', (j) => j.data.periodic_runs === 3);
      expect(job.data).toMatchObject({ status: 'completed', periodic_runs: 3, next_run_at: null });
      const calls = callsOf(id);
      expect(calls.map((call) => call.data.periodic_runs)).toEqual([0, 1, 2]);
      for (const gap of gaps(calls)) expect(gap).toBeGreaterThanOrEqual(1000);
      // No fourth run one interval later.
      await sleep(1.5);
      expect(callsOf(id)).toHaveLength(3);
      expect((await rm.get(id)).data).toMatchObject({ status: 'completed', periodic_runs: 3 });
    },
  },
  {
    name: 'periodic: returning false stops the chain after that run; null and true do not',
    async run({ expect, rig, waitForJob, sleep }) {
      const results: unknown[] = [true, null, undefined, false];
      const { rm, create, start, callsOf } = rig({ handler: (_job, _c, call) => results[call.attempt - 1] });
      const id = await create({ n: 1 }, { periodic_interval_seconds: 1 });
      await start();
      const job = await waitForJob(rm, id, 'four runs', (j) => j.data.periodic_runs === 4);
      expect(job.data).toMatchObject({ status: 'completed', next_run_at: null });
      await sleep(1.5);
      expect(callsOf(id)).toHaveLength(4);
      expect((await rm.get(id)).data.periodic_runs).toBe(4);
    },
  },
  {
    name: 'periodic: without max runs the chain goes on, completed between runs',
    async run({ expect, rig, waitFor, trail }) {
      const { rm, create, start, callsOf } = rig();
      const id = await create({ n: 1 }, { periodic_interval_seconds: 1, periodic_max_runs: null });
      await start();
      await waitFor('three runs', () => callsOf(id).length >= 3);
      await rm.stopConsuming();
      // Each run is a claim and a completed write; while the next one is due the job stays
      // completed (a scheduler that releases it may show pending just before the claim).
      const statuses = (await trail(rm, id)).map((entry) => entry.status).join(',');
      expect(statuses).toMatch(/^pending(,processing,completed(,pending)?){3,}$/);
      expect((await rm.get(id)).data.status).not.toBe('processing');
    },
  },
  {
    name: 'periodic: an interval of 0 or null means one run and periodic_runs 0',
    async run({ expect, rig, waitForJob, sleep }) {
      const { rm, create, start, callsOf } = rig();
      const zero = await create({ n: 1 }, { periodic_interval_seconds: 0, periodic_max_runs: 5 });
      const none = await create({ n: 2 }, { periodic_interval_seconds: null, periodic_max_runs: 5 });
      await start();
      for (const id of [zero, none]) {
        const job = await waitForJob(rm, id, 'completed', completed);
        expect(job.data).toMatchObject({ periodic_runs: 0, next_run_at: null });
      }
      await sleep(1.5);
      expect([callsOf(zero).length, callsOf(none).length]).toEqual([1, 1]);
    },
  },
  {
    name: 'periodic: a run that exhausts its retries ends the chain failed with periodic_runs 0',
    async run({ expect, rig, waitForJob, sleep }) {
      const { rm, create, start, callsOf } = rig({ maxRetries: 1, handler: () => Promise.reject(new Error('broken')) });
      const id = await create({ n: 1 }, { periodic_interval_seconds: 1, periodic_max_runs: 3 });
      await start();
      const job = await waitForJob(rm, id, 'failed after 2 attempts', (j) => j.data.status === 'failed' && j.data.retries === 2);
      expect(job.data).toMatchObject({ periodic_runs: 0, errmsg: 'broken', next_run_at: null });
      await sleep(1.5);
      expect(callsOf(id)).toHaveLength(2);
    },
  },
  {
    name: 'initial delay: the first run waits for it, later runs follow the interval; the job shows the waiting status',
    async run({ expect, rig, semantics, waitForJob }) {
      const { rm, create, start, callsOf } = rig();
      await start();
      const before = Date.now();
      const id = await create({ n: 1 }, { periodic_initial_delay_seconds: 2, periodic_interval_seconds: 1, periodic_max_runs: 3 });
      expect((await rm.get(id)).data.status).toBe(semantics.initialDelayStatus);
      await waitForJob(rm, id, 'three runs', (j) => j.data.periodic_runs === 3);
      const calls = callsOf(id);
      expect(calls).toHaveLength(3);
      expect(calls[0]!.at - before).toBeGreaterThanOrEqual(2000);
      for (const gap of gaps(calls)) expect(gap).toBeGreaterThanOrEqual(1000);
    },
  },
  {
    name: 'initial delay: jobs created while a consumer polls never run before their delay',
    async run({ expect, rig, waitFor }) {
      const { create, start, calls } = rig();
      await start({ concurrency: 4 });
      const created = new Map<string, number>();
      // Many jobs: each create leaves the window between its commit and its delay to a racing claim.
      for (let n = 0; n < 50; n++) {
        const before = Date.now();
        created.set(await create({ n }, { periodic_initial_delay_seconds: 2 }), before);
      }
      await waitFor('every job to run', () => calls.length >= created.size);
      const early = calls.filter((call) => call.at - created.get(call.resourceId)! < 2000).map((call) => call.resourceId);
      expect(early).toEqual([]);
    },
  },
  {
    // The due times live in storage, not in the engine that set them (jobs-and-actions: delayed
    // and periodic schedules survive a restart).
    name: 'restart: delayed, periodic and initially delayed runs set by one engine run on a new engine over the same storage once the first is closed',
    async run({ expect, rig, waitForJob }) {
      const n = (job: Resource<Job>) => (job.data.payload as { n: number }).n;
      const first = rig({ handler: (job, _c, call) => (n(job) === 1 && call.attempt === 1 ? Promise.reject(new DelayRetry(2)) : undefined) });
      const delayedAt = Date.now();
      const delayed = await first.create({ n: 1 });
      const periodic = await first.create({ n: 2 }, { periodic_interval_seconds: 2, periodic_max_runs: 2 });
      const initialAt = Date.now();
      const initial = await first.create({ n: 3 }, { periodic_initial_delay_seconds: 2 });
      await first.start();
      const waiting = (j: Resource<Job>) => j.data.status === 'completed' && j.data.next_run_at != null;
      await waitForJob(first.rm, delayed, 'its delayed run scheduled', waiting);
      await waitForJob(first.rm, periodic, 'its second run scheduled', (j) => waiting(j) && j.data.periodic_runs === 1);
      // The old engine is gone before anything is due: its timers and memory go with it.
      await first.spec.close();
      const firstCalls = [first.callsOf(delayed).length, first.callsOf(periodic).length, first.callsOf(initial).length];
      expect(firstCalls).toEqual([1, 1, 0]);

      const second = rig();
      await second.start();
      const ranAgain = (j: Resource<Job>) => j.data.status === 'completed' && j.data.next_run_at == null;
      expect((await waitForJob(second.rm, delayed, 'its delayed run', ranAgain)).data).toMatchObject({ retries: 0, errmsg: null });
      expect((await waitForJob(second.rm, periodic, 'its last run', (j) => ranAgain(j) && j.data.periodic_runs === 2)).data.periodic_runs).toBe(2);
      await waitForJob(second.rm, initial, 'its first run', (j) => ranAgain(j) && second.callsOf(initial).length === 1);
      expect([second.callsOf(delayed).length, second.callsOf(periodic).length, second.callsOf(initial).length]).toEqual([1, 1, 1]);
      // Each ran at its due time, not earlier.
      expect(second.callsOf(delayed)[0]!.at - delayedAt).toBeGreaterThanOrEqual(2000);
      expect(second.callsOf(initial)[0]!.at - initialAt).toBeGreaterThanOrEqual(2000);
      expect([first.callsOf(delayed).length, first.callsOf(periodic).length, first.callsOf(initial).length]).toEqual(firstCalls);
    },
  },
  {
    name: 'initial delay: applies to a one-shot job too',
    async run({ expect, rig, waitForJob }) {
      const { rm, create, start, callsOf } = rig();
      await start();
      const before = Date.now();
      const id = await create({ n: 1 }, { periodic_initial_delay_seconds: 1 });
      // While it waits the job may read completed too, but with its due time set.
      const job = await waitForJob(rm, id, 'completed after its run', (j) => j.data.status === 'completed' && j.data.next_run_at == null);
      expect(callsOf(id)).toHaveLength(1);
      expect(job.data).toMatchObject({ periodic_runs: 0, next_run_at: null });
      expect(callsOf(id)[0]!.at - before).toBeGreaterThanOrEqual(1000);
    },
  },
]);
