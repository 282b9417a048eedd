import { NoRetry, type Job, type Resource } from '@specstar/interfaces';
import { defineQueueGroup, type QueueCaseContext, type QueueSemantics } from '../types';

/** Terminal failure: `failed` with every attempt used (brokers show `failed` between attempts too). */
const failedAfter = (attempts: number) => (job: Resource<Job>) => job.data.status === 'failed' && job.data.retries === attempts;

/** Attempts a job gets from a queue limit and its own max_retries, under the queue's limit rule. */
function attemptsFor(semantics: QueueSemantics, queueLimit: number, jobLimit: number | null): number {
  if (jobLimit === null) return queueLimit + 1;
  return (semantics.limitRule === 'min' ? Math.min(jobLimit, queueLimit) : jobLimit) + 1;
}

/** Runs an always-failing job under the given limits; resolves to how often the handler ran. */
async function alwaysFailing(ctx: QueueCaseContext, queueLimit: number, jobLimit: number | null): Promise<number> {
  const { rm, create, start, callsOf } = ctx.rig({ maxRetries: queueLimit, handler: (_job, _c, call) => Promise.reject(new Error(`boom ${call.attempt}`)) });
  const id = await create({ n: 1 }, jobLimit === null ? {} : { max_retries: jobLimit });
  await start();
  const expected = attemptsFor(ctx.semantics, queueLimit, jobLimit);
  const job = await ctx.waitForJob(rm, id, `failed after ${expected} attempts`, failedAfter(expected));
  ctx.expect(job.data.errmsg).toBe(`boom ${expected}`);
  await rm.stopConsuming();
  return callsOf(id).length;
}

/** Failures, the retry limit, NoRetry and what a job shows between attempts. */
export const retryCases = defineQueueGroup('queue: retries', [
  {
    name: 'retry: an always-failing job runs M+1 times and ends failed with retries M+1 and the last error',
    async run(ctx) {
      const { expect, rig, waitForJob } = ctx;
      const { rm, create, start, callsOf } = rig({ maxRetries: 2, handler: (_job, _c, call) => Promise.reject(new Error(`boom ${call.attempt}`)) });
      const id = await create({ n: 1 });
      await start();
      const job = await waitForJob(rm, id, 'failed after 3 attempts', failedAfter(3));
      await rm.stopConsuming();
      expect(callsOf(id).map((call) => call.attempt)).toEqual([1, 2, 3]);
      expect(job.data).toMatchObject({ status: 'failed', retries: 3, errmsg: 'boom 3' });
      // Each attempt: a claim and an outcome; the final failure is written once.
      expect((await rm.getMeta(id)).total_revision_count).toBe(1 + 2 * 3);
    },
  },
  {
    name: 'retry: max_retries 0 on the job or on the queue means one attempt, retries 1, failed',
    async run(ctx) {
      ctx.expect(await alwaysFailing(ctx, 2, 0)).toBe(1);
      ctx.expect(await alwaysFailing(ctx, 0, null)).toBe(1);
    },
  },
  {
    name: 'retry: NoRetry fails at once with retries 1 and its message',
    async run({ expect, rig, waitForJob }) {
      const { rm, create, start, callsOf } = rig({ handler: () => Promise.reject(new NoRetry('x marks the spot')) });
      const id = await create({ n: 1 });
      await start();
      const job = await waitForJob(rm, id, 'failed', failedAfter(1));
      await rm.stopConsuming();
      expect(callsOf(id)).toHaveLength(1);
      expect(job.data.errmsg).toContain('x marks the spot');
    },
  },
  {
    name: 'retry: a per-job max_retries above or below the queue limit follows the limit rule',
    async run(ctx) {
      const above = attemptsFor(ctx.semantics, 1, 3);
      const below = attemptsFor(ctx.semantics, 3, 1);
      ctx.expect({ above: await alwaysFailing(ctx, 1, 3), below: await alwaysFailing(ctx, 3, 1) }).toEqual({ above, below });
    },
  },
  {
    name: 'retry: failing twice then succeeding ends completed, errmsg null, retries 2; between attempts the job shows the retry status and the last error',
    async run({ expect, rig, semantics, waitForJob, trail }) {
      const { rm, create, start, callsOf } = rig({
        handler: (_job, _c, call) => (call.attempt <= 2 ? Promise.reject(new Error(`boom ${call.attempt}`)) : undefined),
      });
      const id = await create({ n: 1 });
      await start();
      const job = await waitForJob(rm, id, 'completed', (j) => j.data.status === 'completed');
      expect(job.data).toMatchObject({ status: 'completed', errmsg: null, retries: 2 });
      expect(callsOf(id).map((call) => call.data.retries)).toEqual([0, 1, 2]);
      const waiting = semantics.retryStatus;
      expect(await trail(rm, id)).toEqual([
        { status: 'pending', revision: 'stable', retries: 0, errmsg: null },
        { status: 'processing', revision: 'draft', retries: 0, errmsg: null },
        { status: waiting, revision: 'stable', retries: 1, errmsg: 'boom 1' },
        { status: 'processing', revision: 'draft', retries: 1, errmsg: 'boom 1' },
        { status: waiting, revision: 'stable', retries: 2, errmsg: 'boom 2' },
        { status: 'processing', revision: 'draft', retries: 2, errmsg: 'boom 2' },
        { status: 'completed', revision: 'stable', retries: 2, errmsg: null },
      ]);
    },
  },
]);
