import type { Job, Resource } from '@specstar/interfaces';
import { defineQueueGroup, type JobManager } from '../types';

/** The errmsg stale recovery writes (jobs-and-actions §1.5). */
export const STALE_JOB_ERRMSG = 'Recovered stale job: worker was likely killed while processing this job.';

const secondsAgo = (seconds: number) => new Date(Date.now() - seconds * 1000).toISOString();
const isStatus = (status: string) => (job: Resource<Job>) => job.data.status === status;
const recovered = (job: Resource<Job>) => job.data.status === 'failed' && job.data.errmsg === STALE_JOB_ERRMSG;

/** Current revision and revision count: what "untouched" means. */
async function fingerprint(rm: JobManager, ids: string[]) {
  return Promise.all(ids.map(async (id) => {
    const meta = await rm.getMeta(id);
    return { id, current: meta.current_revision_id, count: meta.total_revision_count };
  }));
}

/** Stale-heartbeat recovery, by hand and by the consumer, and the first-interval guard. */
export const recoveryCases = defineQueueGroup('queue: stale recovery', [
  {
    name: 'recovery: timeout 0 fails every processing job, returns exactly their ids, leaves the rest; a second call finds none',
    async run({ expect, rig }) {
      const { rm, create } = rig();
      const stale = [await create({ n: 1 }, { status: 'processing' }), await create({ n: 2 }, { status: 'processing', last_heartbeat_at: secondsAgo(0) })];
      const others = [
        await create({ n: 3 }),
        await create({ n: 4 }, { status: 'completed' }),
        await create({ n: 5 }, { status: 'failed', errmsg: 'earlier' }),
      ];
      const before = await fingerprint(rm, others);
      expect([...(await rm.recoverStaleJobs(0))].sort()).toEqual([...stale].sort());
      for (const id of stale) {
        const { data } = await rm.get(id);
        expect(data).toMatchObject({ status: 'failed', errmsg: STALE_JOB_ERRMSG, retries: 0 });
      }
      expect(await fingerprint(rm, others)).toEqual(before);
      expect(await rm.recoverStaleJobs(0)).toEqual([]);
    },
  },
  {
    name: 'recovery: with a timeout, an old or missing heartbeat is stale and a fresh one is not',
    async run({ expect, rig }) {
      const { rm, create } = rig();
      const old = await create({ n: 1 }, { status: 'processing', last_heartbeat_at: secondsAgo(120) });
      const missing = await create({ n: 2 }, { status: 'processing', last_heartbeat_at: null });
      const fresh = await create({ n: 3 }, { status: 'processing', last_heartbeat_at: secondsAgo(0) });
      expect([...(await rm.recoverStaleJobs(30))].sort()).toEqual([old, missing].sort());
      expect((await rm.get(fresh)).data.status).toBe('processing');
    },
  },
  {
    name: 'recovery: startConsume recovers a stale job before it runs anything',
    async run({ expect, rig, waitForJob, trail }) {
      const seenAtFirstRun: boolean[] = [];
      const worker = rig({
        handler: async () => {
          if (seenAtFirstRun.length > 0) return;
          // Brokers may deliver the stale job itself; its recovery must be in its history already.
          seenAtFirstRun.push((await trail(worker.rm, stale)).some((entry) => entry.status === 'failed' && entry.errmsg === STALE_JOB_ERRMSG));
        },
      });
      const stale = await worker.create({ n: 1 }, { status: 'processing', last_heartbeat_at: secondsAgo(3600) });
      const pending = await worker.create({ n: 2 });
      await worker.start();
      await waitForJob(worker.rm, pending, 'completed', isStatus('completed'));
      expect(seenAtFirstRun).toEqual([true]);
    },
  },
  {
    name: 'recovery: while consuming, a job whose heartbeat stops is recovered, a live one is not; none after stopConsuming',
    async run({ expect, rig, gate, waitForJob, trail, sleep }) {
      const release = gate();
      const { rm, create, start } = rig({
        handler: (job, ctx) => ((job.data.payload as { n: number }).n === 1 ? release.wait(ctx.signal) : undefined),
      });
      const live = await create({ n: 1 });
      const dead = await create({ n: 2 });
      // Stale after 1.5 s without a beat; a pass every 0.1 s.
      await start({ heartbeatInterval: 0.5, recoveryInterval: 0.1, concurrency: 2 });
      await waitForJob(rm, dead, 'completed', isStatus('completed'));
      await waitForJob(rm, live, 'processing', isStatus('processing'));
      // A job that looks claimed by a worker that then died (an update never enqueues).
      const asDead = async (lastBeat: string) => {
        const { data } = await rm.get(dead);
        await rm.update(dead, { ...data, status: 'processing', last_heartbeat_at: lastBeat });
      };
      await asDead(secondsAgo(0));
      await waitForJob(rm, dead, 'recovered by the consumer', recovered);
      expect((await rm.get(live)).data.status).toBe('processing');
      release.open();
      await waitForJob(rm, live, 'completed', isStatus('completed'));
      expect((await trail(rm, live)).map((entry) => entry.status)).toEqual(['pending', 'processing', 'completed']);
      await rm.stopConsuming();
      await asDead(secondsAgo(3600));
      await sleep(0.5);
      expect((await rm.get(dead)).data.status).toBe('processing');
    },
  },
  {
    name: 'recovery: a job just claimed by one worker is not failed by another worker during its first heartbeat interval',
    async run({ expect, rig, gate, waitForJob, trail, sleep }) {
      const release = gate();
      const first = rig({ handler: (_job, ctx) => release.wait(ctx.signal) });
      const second = rig();
      // A stamp left by an earlier run: the claim must replace it, or the second worker sees it stale.
      const id = await first.create({ n: 1 }, { last_heartbeat_at: secondsAgo(3600) });
      await first.start({ heartbeatInterval: 2 });
      await waitForJob(first.rm, id, 'processing', isStatus('processing'));
      await second.start({ heartbeatInterval: 2, recoveryInterval: 0.05 });
      expect(await second.rm.recoverStaleJobs(6)).toEqual([]);
      await sleep(0.3);
      expect((await second.rm.get(id)).data.status).toBe('processing');
      release.open();
      await waitForJob(first.rm, id, 'completed', isStatus('completed'));
      expect((await trail(first.rm, id)).map((entry) => entry.status)).toEqual(['pending', 'processing', 'completed']);
      expect(second.calls).toEqual([]);
    },
  },
]);
