import { JobStateError, NoRetry, ResourceIDNotFoundError, type Job, type Resource } from '@specstar/interfaces';
import { expectError } from '../../assert';
import { defineQueueGroup } from '../types';

const LOG_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00) \[([A-Z]+)\] (.*)$/;

/** `[level, message]` of every line; fails on a line that does not match the format. */
function parseLog(expect: any, text: string | null): Array<[string, string]> {
  expect(typeof text).toBe('string');
  return text!.split('\n').map((line) => {
    const match = LOG_LINE.exec(line);
    expect({ line, matches: match !== null }).toEqual({ line, matches: true });
    return [match![3]!, match![4]!];
  });
}

const isStatus = (status: string) => (job: Resource<Job>) => job.data.status === status;
const n = (job: Resource<Job>) => (job.data.payload as { n: number }).n;

/** The job log (format, lifecycle lines, last attempt wins) and rerun. */
export const logsRerunCases = defineQueueGroup('queue: logs and rerun', [
  {
    name: 'logs: each line is "<UTC timestamp> [LEVEL] message", framed by Job started and Job completed',
    async run({ expect, rig, waitForJob }) {
      const { rm, create, start } = rig({
        handler: (_job, ctx) => {
          ctx.log('plain');
          ctx.debug('low');
          ctx.info('note');
          ctx.warning('careful');
          ctx.error('bad');
          ctx.log('custom level', 'NOTICE');
        },
      });
      const id = await create({ n: 1 });
      await start();
      await waitForJob(rm, id, 'completed', isStatus('completed'));
      expect(parseLog(expect, await rm.getLogs(id))).toEqual([
        ['INFO', 'Job started'],
        ['INFO', 'plain'],
        ['DEBUG', 'low'],
        ['INFO', 'note'],
        ['WARNING', 'careful'],
        ['ERROR', 'bad'],
        ['NOTICE', 'custom level'],
        ['INFO', 'Job completed'],
      ]);
    },
  },
  {
    name: 'logs: a never-run job has none; a failing job logs its error and why it stops, after the lines before the throw',
    async run({ expect, rig, waitForJob }) {
      const { rm, create, start } = rig({
        handler: (job, ctx) => {
          ctx.info('before the throw');
          throw n(job) === 1 ? new Error('nope') : new NoRetry('refused');
        },
      });
      const failing = await create({ n: 1 }, { max_retries: 0 });
      const refused = await create({ n: 2 });
      // Not run yet: no log.
      expect(await rm.getLogs(failing)).toBeNull();
      await start();
      await waitForJob(rm, failing, 'failed', isStatus('failed'));
      await waitForJob(rm, refused, 'failed', isStatus('failed'));
      const lines = (text: string | null) => parseLog(expect, text).map(([level, message]) => `${level} ${message}`);
      expect(lines(await rm.getLogs(failing))).toEqual(['INFO Job started', 'INFO before the throw', 'ERROR Job error: nope', 'ERROR Job failed permanently: nope']);
      expect(lines(await rm.getLogs(refused))).toEqual(['INFO Job started', 'INFO before the throw', 'ERROR Job error: refused', 'ERROR Job failed permanently: refused']);
    },
  },
  {
    name: 'logs: a retried attempt logs Retrying; the next attempt replaces that log',
    async run({ expect, rig, waitForJob }) {
      const seenByAttempt: Array<string | null> = [];
      const worker = rig({
        handler: async (job, ctx, call) => {
          ctx.info(`attempt ${call.attempt}`);
          if (call.attempt === 1) throw new Error('first try');
          seenByAttempt.push(await worker.rm.getLogs(job.info.resource_id));
        },
      });
      const id = await worker.create({ n: 1 });
      // Flushes only at the end of an attempt, so attempt 2 reads what attempt 1 left.
      await worker.start({ logFlushInterval: 30 });
      await waitForJob(worker.rm, id, 'completed', isStatus('completed'));
      const first = parseLog(expect, seenByAttempt[0] ?? null).map(([, message]) => message);
      expect(first).toEqual(['Job started', 'attempt 1', 'Job error: first try', 'Retrying (1/3)']);
      const last = parseLog(expect, await worker.rm.getLogs(id)).map(([, message]) => message);
      expect(last).toEqual(['Job started', 'attempt 2', 'Job completed']);
    },
  },
  {
    name: 'rerun: a completed or failed job goes back to pending (retries, errmsg, artifact cleared; payload and limits kept) and runs again, replacing its log',
    async run({ expect, rig, waitFor, waitForJob }) {
      const { rm, create, start, callsOf } = rig({
        maxRetries: 0,
        handler: (job, ctx, call) => {
          ctx.info(`run ${call.attempt}`);
          if (n(job) === 2 && call.attempt === 1) throw new Error('first run fails');
          ctx.setArtifact({ run: call.attempt });
        },
      });
      const done = await create({ n: 1 }, { max_retries: 2 });
      const failed = await create({ n: 2 }, { max_retries: 0 });
      await start();
      await waitForJob(rm, done, 'completed', isStatus('completed'));
      await waitForJob(rm, failed, 'failed', isStatus('failed'));
      await rm.stopConsuming();
      for (const id of [done, failed]) {
        const before = (await rm.get(id)).data;
        const info = await rm.rerun(id);
        expect(info.resource_id).toBe(id);
        const { data } = await rm.get(id);
        expect(data).toEqual({ ...before, status: 'pending', retries: 0, errmsg: null, artifact: null, next_run_at: null });
      }
      await start();
      for (const id of [done, failed]) {
        await waitFor(`a second run of ${id}`, () => callsOf(id).length === 2);
        const job = await waitForJob(rm, id, 'completed', isStatus('completed'));
        expect(job.data).toMatchObject({ artifact: { run: 2 }, errmsg: null });
        const log = parseLog(expect, await rm.getLogs(id)).map(([, message]) => message);
        expect(log).toContain('run 2');
        expect(log).not.toContain('run 1');
      }
      expect((await rm.get(done)).data.max_retries).toBe(2);
    },
  },
  {
    name: 'rerun: a pending or processing job is a JobStateError, an unknown id ResourceIDNotFoundError',
    async run({ expect, rig, gate, waitForJob }) {
      const release = gate();
      const { rm, create, start } = rig({ handler: (_job, ctx) => release.wait(ctx.signal) });
      const pending = await create({ n: 1 });
      await expectError(expect, () => rm.rerun(pending), JobStateError, { resource_id: pending, status: 'pending' });
      await start();
      await waitForJob(rm, pending, 'processing', isStatus('processing'));
      const error = await expectError(expect, () => rm.rerun(pending), JobStateError, { status: 'processing' });
      expect(error.message).toBe("Cannot rerun a job with status 'processing'. Only completed or failed jobs can be rerun.");
      await expectError(expect, () => rm.rerun('queue-job:no-such-job'), ResourceIDNotFoundError);
      release.open();
      await waitForJob(rm, pending, 'completed', isStatus('completed'));
    },
  },
]);
