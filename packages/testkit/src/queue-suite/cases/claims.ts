import { DelayRetry, ValidationError, type Job, type Resource } from '@specstar/interfaces';
import { caught, expectError } from '../../assert';
import { defineQueueGroup } from '../types';

const completed = (job: Resource<Job>) => job.data.status === 'completed';

/** Fields a client may send that the job model refuses, each with a bad value. */
const MALFORMED: ReadonlyArray<readonly [field: string, value: unknown]> = [
  ['periodic_interval_seconds', -1],
  ['periodic_interval_seconds', 'soon'],
  ['periodic_interval_seconds', 1.5],
  ['periodic_max_runs', -2],
  ['periodic_initial_delay_seconds', 'later'],
  ['max_retries', -1],
  ['retries', -1],
  ['status', 'done'],
];

/** Who gets a job (claims, pop) and input the queue must refuse or ignore. */
export const claimCases = defineQueueGroup('queue: claims and bad input', [
  {
    name: 'claim: two consumers on one storage run each of 40 jobs exactly once',
    requires: ['crossProcessClaim'],
    async run({ expect, rig, sleep, waitForJob, trail }) {
      const handler = () => sleep(0.002);
      const first = rig({ handler });
      const second = rig({ handler });
      const ids: string[] = [];
      for (let n = 0; n < 40; n++) ids.push(await first.create({ n }));
      await Promise.all([first.start({ concurrency: 2 }), second.start({ concurrency: 2 })]);
      for (const id of ids) await waitForJob(first.rm, id, 'completed', completed);
      await Promise.all([first.rm.stopConsuming(), second.rm.stopConsuming()]);
      const ran = [...first.calls, ...second.calls].map((call) => call.resourceId);
      expect([...ran].sort()).toEqual([...ids].sort());
      // A lost claim writes nothing: every job has exactly one claim and one outcome.
      for (const id of ids) expect((await trail(first.rm, id)).map((entry) => entry.status)).toEqual(['pending', 'processing', 'completed']);
    },
  },
  {
    name: 'claim: concurrent pops of one pending job from two consumers give it to exactly one',
    requires: ['pop', 'crossProcessClaim'],
    async run({ expect, rig }) {
      const first = rig();
      const second = rig();
      const id = await first.create({ n: 1 });
      const queues = [first.rm.messageQueue!, second.rm.messageQueue!, first.rm.messageQueue!, second.rm.messageQueue!];
      const popped = await Promise.all(queues.map((queue) => queue.pop!()));
      expect(popped.flatMap((job) => (job === null ? [] : [job.info.resource_id]))).toEqual([id]);
      expect((await first.rm.getMeta(id)).total_revision_count).toBe(2);
    },
  },
  {
    name: 'pop: claims the oldest pending job (processing, on a draft), never a deleted one; null when none is left',
    requires: ['pop'],
    async run({ expect, rig, sleep }) {
      const { rm, create, calls } = rig();
      const ids: string[] = [];
      for (let n = 1; n <= 3; n++) {
        await sleep(0.005); // distinct creation times
        ids.push(await create({ n }));
      }
      const [oldest, deleted, newest] = ids as [string, string, string];
      await rm.delete(deleted);
      const queue = rm.messageQueue!;
      const popped = await queue.pop!();
      expect(popped?.info.resource_id).toBe(oldest);
      expect(popped?.data.status).toBe('processing');
      const stored = await rm.get(oldest);
      expect([stored.data.status, stored.info.status]).toEqual(['processing', 'draft']);
      expect((await queue.pop!())?.info.resource_id).toBe(newest);
      expect(await queue.pop!()).toBeNull();
      expect(calls).toEqual([]);
    },
  },
  {
    name: 'bad input: a job deleted while pending never runs',
    async run({ expect, rig, sleep, waitForJob }) {
      const { rm, create, start, calls } = rig();
      const doomed = await create({ n: 1 });
      await sleep(0.005);
      const kept = await create({ n: 2 });
      await rm.delete(doomed);
      await start();
      await waitForJob(rm, kept, 'completed', completed);
      await rm.stopConsuming();
      expect(calls.map((call) => call.resourceId)).toEqual([kept]);
      expect((await rm.get(doomed, { includeDeleted: true })).data.status).toBe('pending');
    },
  },
  {
    name: 'bad input: malformed periodic and retry settings are a ValidationError naming the field, and create nothing',
    async run({ expect, rig }) {
      const { rm, start, calls } = rig();
      await start();
      for (const [field, value] of MALFORMED) {
        const error = await expectError(expect, () => rm.create({ payload: { n: 1 }, [field]: value }), ValidationError);
        const named = error.issues.some((issue) => issue.path.includes(field)) || error.message.includes(field);
        expect({ field, value, named }).toEqual({ field, value, named: true });
      }
      expect(await rm.count()).toBe(0);
      expect(calls).toEqual([]);
    },
  },
  {
    name: 'bad input: a handler that throws a non-Error (string, undefined, null, object) fails or retries its job with a readable errmsg; the consumer goes on',
    async run({ expect, rig, waitForJob }) {
      const nullProto: Record<string, unknown> = Object.assign(Object.create(null) as Record<string, unknown>, { reason: 'no prototype' });
      const thrown: unknown[] = ['disk full', undefined, null, { code: 'E_QUOTA', limit: 5 }, nullProto];
      const { rm, create, start, callsOf } = rig({
        handler: (job, _ctx, call) => {
          const { n } = job.data.payload as { n: number };
          if (n < thrown.length) throw thrown[n];
          if (n === thrown.length && call.attempt === 1) throw 'try again';
          return undefined;
        },
      });
      const failing: string[] = [];
      for (let n = 0; n < thrown.length; n++) failing.push(await create({ n }, { max_retries: 0 }));
      const retried = await create({ n: thrown.length }, { max_retries: 1 });
      const after = await create({ n: thrown.length + 1 });
      await start();
      const errmsgs: unknown[] = [];
      for (const id of failing) errmsgs.push((await waitForJob(rm, id, 'failed', (j) => j.data.status === 'failed')).data.errmsg);
      expect(errmsgs[0]).toBe('disk full');
      expect(errmsgs[1]).toMatch(/undefined/);
      expect(errmsgs[2]).toMatch(/null/);
      expect(errmsgs[3]).toMatch(/E_QUOTA/);
      expect(errmsgs[4]).toMatch(/no prototype/);
      for (const errmsg of errmsgs) expect(errmsg).not.toMatch(/\[object Object\]|Cannot convert/);
      expect(await rm.getLogs(failing[0]!)).toContain('Job failed permanently: disk full');
      expect((await waitForJob(rm, retried, 'completed', completed)).data).toMatchObject({ retries: 1, errmsg: null });
      expect(callsOf(retried)).toHaveLength(2);
      await waitForJob(rm, after, 'completed', completed);
    },
  },
  {
    name: 'bad input: DelayRetry refuses a negative or non-finite delay',
    async run({ expect }) {
      for (const seconds of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
        expect(await caught(() => new DelayRetry(seconds))).toBeInstanceOf(TypeError);
      }
    },
  },
]);
