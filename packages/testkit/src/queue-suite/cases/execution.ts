import type { Job, JobContext, Resource } from '@specstar/interfaces';
import { defineQueueGroup } from '../types';

const isStatus = (status: string) => (job: Resource<Job>) => job.data.status === status;

/** One execution: states and revisions, heartbeat, artifact, what the handler receives, order. */
export const executionCases = defineQueueGroup('queue: execution and state', [
  {
    name: 'run: processing on a draft while the handler runs, then completed on a stable revision',
    async run({ expect, rig, gate, waitForJob, trail }) {
      const release = gate();
      const { rm, create, start } = rig({ handler: (_job, ctx) => release.wait(ctx.signal) });
      const id = await create({ n: 1 });
      await start();
      const running = await waitForJob(rm, id, 'processing', isStatus('processing'));
      expect(running.info.status).toBe('draft');
      release.open();
      const done = await waitForJob(rm, id, 'completed', isStatus('completed'));
      expect(done.info.status).toBe('stable');
      expect(done.data.errmsg).toBeNull();
      expect(await trail(rm, id)).toEqual([
        { status: 'pending', revision: 'stable', retries: 0, errmsg: null },
        { status: 'processing', revision: 'draft', retries: 0, errmsg: null },
        { status: 'completed', revision: 'stable', retries: 0, errmsg: null },
      ]);
    },
  },
  {
    name: 'heartbeat: stamped at claim and on each interval, in place on the draft (no new revision)',
    async run({ expect, rig, gate, waitForJob, waitFor }) {
      const release = gate();
      const { rm, create, start } = rig({ handler: (_job, ctx) => release.wait(ctx.signal) });
      const id = await create({ n: 1 });
      await start();
      const claimed = await waitForJob(rm, id, 'processing', isStatus('processing'));
      const stampedAtClaim = claimed.data.last_heartbeat_at;
      expect(stampedAtClaim).toEqual(expect.stringMatching(/Z$/));
      const revisions = (await rm.getMeta(id)).total_revision_count;
      const ticked = await waitForJob(rm, id, 'a heartbeat tick', (job) => job.data.last_heartbeat_at !== stampedAtClaim);
      expect(ticked.data.status).toBe('processing');
      expect(Date.parse(ticked.data.last_heartbeat_at!)).toBeGreaterThan(Date.parse(stampedAtClaim!));
      expect(ticked.data.last_heartbeat_at).toEqual(expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/));
      expect((await rm.getMeta(id)).total_revision_count).toBe(revisions);
      release.open();
      await waitFor('completed', async () => (await rm.get(id)).data.status === 'completed');
    },
  },
  {
    name: 'heartbeat: a slow failing job has it set; no tick after the handler has ended',
    async run({ expect, rig, waitForJob, sleep, intervals }) {
      const { rm, create, start } = rig({
        handler: async (job, ctx) => {
          if (job.data.payload && (job.data.payload as { n: number }).n === 2) {
            // Slow and failing: outlive one heartbeat interval first.
            const claimedAt = job.data.last_heartbeat_at;
            for (;;) {
              await sleep(intervals.heartbeatInterval / 2);
              const now = (await rm.get(ctx.resourceId)).data;
              if (now.last_heartbeat_at !== claimedAt) break;
            }
            throw new Error('slow failure');
          }
          return undefined;
        },
        maxRetries: 0,
      });
      const quick = await create({ n: 1 });
      const slow = await create({ n: 2 });
      await start();
      const done = await waitForJob(rm, quick, 'completed', isStatus('completed'));
      const failed = await waitForJob(rm, slow, 'failed', isStatus('failed'));
      expect(failed.data.last_heartbeat_at).not.toBeNull();
      const before = [await rm.getMeta(quick), await rm.getMeta(slow), done.data.last_heartbeat_at, failed.data.last_heartbeat_at];
      // Several intervals later nothing has moved: the timers stopped with their handlers.
      await sleep(intervals.heartbeatInterval * 4);
      const after = [await rm.getMeta(quick), await rm.getMeta(slow), (await rm.get(quick)).data.last_heartbeat_at, (await rm.get(slow)).data.last_heartbeat_at];
      expect(after).toEqual(before);
    },
  },
  {
    name: 'artifact: set on job.data or by ctx.setArtifact, kept on success; other edits to the job are not',
    async run({ expect, rig, waitForJob }) {
      const artifact = { type: 'object', properties: { url: { type: 'string' } } };
      const { rm, create, start } = rig({
        artifact,
        handler: (job, ctx) => {
          const { n } = job.data.payload as { n: number };
          (job.data.payload as { n: number }).n = 99;
          if (n === 1) job.data.artifact = { url: 'by-data' };
          if (n === 2) ctx.setArtifact({ url: 'by-context' });
        },
      });
      const ids = [await create({ n: 1 }), await create({ n: 2 }), await create({ n: 3 })];
      await start();
      const done = [];
      for (const id of ids) done.push((await waitForJob(rm, id, 'completed', isStatus('completed'))).data);
      expect(done.map((data) => data.artifact)).toEqual([{ url: 'by-data' }, { url: 'by-context' }, null]);
      expect(done.map((data) => data.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    },
  },
  {
    name: 'run: the handler gets the job in processing and a context mirroring it',
    async run({ expect, rig, waitForJob }) {
      const seen: Array<{ status: string; ctx: Record<string, unknown>; job: Resource<Job> }> = [];
      const { rm, create, start } = rig({
        handler: (job: Resource<Job>, ctx: JobContext) => {
          seen.push({
            status: job.data.status,
            job: structuredClone(job),
            ctx: { resourceId: ctx.resourceId, payload: ctx.payload, data: ctx.data, info: ctx.revisionInfo, resource: ctx.resource, aborted: ctx.signal.aborted },
          });
        },
      });
      const id = await create({ n: 7, label: 'x' });
      await start();
      await waitForJob(rm, id, 'completed', isStatus('completed'));
      expect(seen).toHaveLength(1);
      const [{ status, job, ctx }] = seen as [(typeof seen)[0]];
      expect(status).toBe('processing');
      expect(job.info.resource_id).toBe(id);
      expect(ctx).toEqual({ resourceId: id, payload: { n: 7, label: 'x' }, data: job.data, info: job.info, resource: job, aborted: false });
    },
  },
  {
    name: 'run: pending jobs run in creation order; fewer retries first when polling storage',
    async run({ expect, rig, semantics, waitForJob, sleep }) {
      const { rm, calls, create, start } = rig();
      const retried = await create({ n: 0 }, { retries: 2 });
      const ids = [];
      for (let n = 1; n <= 3; n++) {
        // Distinct creation times: jobs created in one millisecond have no defined order.
        await sleep(0.005);
        ids.push(await create({ n }));
      }
      await start({ concurrency: 1 });
      for (const id of [retried, ...ids]) await waitForJob(rm, id, 'completed', isStatus('completed'));
      const order = calls.map((call) => call.resourceId);
      if (semantics.runOrder === 'retries-then-created') expect(order).toEqual([...ids, retried]);
      else expect(order).toEqual([retried, ...ids]);
    },
  },
  {
    name: 'consume: concurrency N runs N jobs at once, each once',
    async run({ expect, rig, gate, waitFor, waitForJob }) {
      const release = gate();
      let running = 0;
      let most = 0;
      const { rm, calls, create, start } = rig({
        handler: async (_job, ctx) => {
          running++;
          most = Math.max(most, running);
          await release.wait(ctx.signal);
          running--;
        },
      });
      const ids = [];
      for (let n = 0; n < 6; n++) ids.push(await create({ n }));
      await start({ concurrency: 3 });
      await waitFor('three jobs running at once', () => running === 3);
      release.open();
      for (const id of ids) await waitForJob(rm, id, 'completed', isStatus('completed'));
      expect(most).toBe(3);
      expect(calls.map((call) => call.resourceId).sort()).toEqual([...ids].sort());
    },
  },
  {
    name: 'consume: stopConsuming gives running jobs a grace period, then aborts ctx.signal; a job that throws on it goes back to pending and runs on the next start, a quick one is not aborted',
    async run({ expect, rig, sleep, waitFor, waitForJob, trail }) {
      const abortedAtEnd = new Map<number, boolean>();
      const { rm, create, start, callsOf } = rig({
        handler: async (job, ctx, call) => {
          const { n } = job.data.payload as { n: number };
          // The first run of job 1 waits on nothing but the signal, as a fetch given ctx.signal would.
          if (n === 1 && call.attempt === 1) await new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error)));
          if (n === 2) await sleep(0.3);
          abortedAtEnd.set(n, ctx.signal.aborted);
        },
      });
      const stuck = await create({ n: 1 });
      const quick = await create({ n: 2 });
      await start({ concurrency: 2 });
      await waitFor('both jobs running', () => callsOf(stuck).length === 1 && callsOf(quick).length === 1);
      const before = Date.now();
      const stopped = await Promise.race([rm.stopConsuming({ gracePeriod: 1 }).then(() => 'stopped'), sleep(15).then(() => 'still waiting after 15 s')]);
      expect(stopped).toBe('stopped');
      expect(Date.now() - before).toBeGreaterThanOrEqual(900);
      expect(abortedAtEnd.get(2)).toBe(false);
      expect((await rm.get(quick)).data.status).toBe('completed');
      expect((await rm.get(stuck)).data).toMatchObject({ status: 'pending', retries: 0, errmsg: 'Job interrupted: the consumer stopped' });
      await start();
      await waitForJob(rm, stuck, 'completed on its next run', isStatus('completed'));
      expect(callsOf(stuck)).toHaveLength(2);
      expect((await trail(rm, stuck)).map((entry) => entry.status)).toEqual(['pending', 'processing', 'pending', 'processing', 'completed']);
    },
  },
  {
    name: 'consume: stopConsuming waits for the running job, is idempotent, and consuming can start again',
    async run({ expect, rig, gate, waitForJob }) {
      const release = gate();
      const { rm, calls, create, start } = rig({ handler: (_job, ctx) => release.wait(ctx.signal) });
      await rm.stopConsuming();
      const first = await create({ n: 1 });
      await start();
      await waitForJob(rm, first, 'processing', isStatus('processing'));
      const stopping = rm.stopConsuming();
      release.open();
      await stopping;
      await rm.stopConsuming();
      expect((await rm.get(first)).data.status).toBe('completed');
      const second = await create({ n: 2 });
      await start();
      await waitForJob(rm, second, 'completed', isStatus('completed'));
      expect(calls.map((call) => call.resourceId)).toEqual([first, second]);
    },
  },
]);
