import {
  ConfigurationError,
  NotSupportedError,
  TaskStatus,
  type IMessageQueue,
  type IMessageQueueFactory,
  type QueueBinding,
} from '@specstar/interfaces';
import { expectError } from '../../assert';
import { defineQueueGroup, type QueueCapabilityName } from '../types';

const CAPABILITY_NAMES: readonly QueueCapabilityName[] = ['pop', 'delayedDelivery', 'crossProcessClaim', 'crossProcessDelivery'];

/** Records every `put` with whether the job was readable at that moment. */
function watchPuts(puts: Array<{ id: string; readable: boolean }>) {
  return (inner: IMessageQueueFactory): IMessageQueueFactory => ({
    build<T>(binding: QueueBinding<T>): IMessageQueue {
      const queue = inner.build(binding);
      return new Proxy(queue, {
        get(target, key) {
          const member = Reflect.get(target, key, target) as unknown;
          if (key !== 'put') return typeof member === 'function' ? (member as (...a: unknown[]) => unknown).bind(target) : member;
          return async (id: string) => {
            puts.push({ id, readable: (await binding.jobs.get(id)) !== null });
            return target.put(id);
          };
        },
      });
    },
    ...(inner.close && { close: () => inner.close!() }),
  });
}

/** The job model, how a queue gets wired to it, and enqueue on create. */
export const wiringCases = defineQueueGroup('queue: model, wiring and enqueue', [
  {
    name: 'queue: declared capabilities match the queue',
    async run({ expect, rig, declared }) {
      const { rm } = rig();
      const actual = rm.messageQueue!.capabilities;
      const flags = (caps: Record<string, unknown>) => Object.fromEntries(CAPABILITY_NAMES.map((name) => [name, caps[name] === true]));
      expect(flags(actual as Record<string, unknown>)).toEqual(flags(declared as Record<string, unknown>));
    },
  },
  {
    name: 'job: a new job has the documented defaults, in declaration order',
    async run({ expect, rig }) {
      const { rm, create } = rig();
      const id = await create({ n: 1 });
      const { data } = await rm.get(id);
      expect(Object.keys(data as object)).toEqual([
        'payload',
        'status',
        'errmsg',
        'artifact',
        'retries',
        'max_retries',
        'periodic_interval_seconds',
        'periodic_max_runs',
        'periodic_runs',
        'periodic_initial_delay_seconds',
        'last_heartbeat_at',
        'next_run_at',
      ]);
      expect(data).toEqual({
        payload: { n: 1 },
        status: 'pending',
        errmsg: null,
        artifact: null,
        retries: 0,
        max_retries: null,
        periodic_interval_seconds: null,
        periodic_max_runs: null,
        periodic_runs: 0,
        periodic_initial_delay_seconds: null,
        last_heartbeat_at: null,
        next_run_at: null,
      });
      expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    },
  },
  {
    name: 'job: TaskStatus is exactly pending, processing, completed, failed',
    async run({ expect }) {
      expect(Object.values(TaskStatus)).toEqual(['pending', 'processing', 'completed', 'failed']);
    },
  },
  {
    name: 'wiring: no handler, a null queue factory or a plain model means no queue',
    async run({ expect, rig, plainModel }) {
      const noHandler = rig({ noHandler: true }).rm;
      const disabled = rig({ disableQueue: true, handler: () => undefined }).rm;
      const plain = plainModel();
      expect([noHandler.messageQueue, disabled.messageQueue, plain.messageQueue]).toEqual([undefined, undefined, undefined]);
      expect([noHandler.isJobModel, disabled.isJobModel, plain.isJobModel]).toEqual([true, true, false]);
      for (const rm of [noHandler, disabled, plain]) {
        await expectError(expect, () => rm.startConsume(), NotSupportedError);
        await expectError(expect, () => rm.rerun('x'), NotSupportedError);
      }
      // Without a queue nothing is enqueued: the job just sits pending.
      const id = (await noHandler.create({ payload: { n: 1 } })).resource_id;
      expect((await noHandler.get(id)).data).toMatchObject({ status: 'pending' });
    },
  },
  {
    name: 'wiring: status and retries are indexed though the caller indexed nothing',
    async run({ expect, rig }) {
      const { rm, create } = rig();
      const id = await create({ n: 1 }, { retries: 2 });
      const meta = await rm.getMeta(id);
      expect(meta.indexed_data).toMatchObject({ status: 'pending', retries: 2 });
    },
  },
  {
    name: 'wiring: jobHandlerFactory beats jobHandler and is called once, on the first job',
    async run({ expect, rig, waitForJob, sleep }) {
      let built = 0;
      const direct: string[] = [];
      const { rm, calls, create, start } = rig({
        handler: (job) => void direct.push(job.info.resource_id),
        handlerFactory: () => {
          built++;
          return () => undefined;
        },
      });
      expect(built).toBe(0);
      const ids = [];
      for (let n = 1; n <= 3; n++) {
        await sleep(0.005); // distinct creation times, so the run order is defined
        ids.push(await create({ n }));
      }
      await start({ concurrency: 1 });
      for (const id of ids) await waitForJob(rm, id, 'completed', (job) => job.data.status === 'completed');
      expect(built).toBe(1);
      expect(calls.map((call) => call.resourceId)).toEqual(ids);
      expect(direct).toEqual([]);
    },
  },
  {
    name: 'enqueue: create puts the new id once, after it is readable; updates never put',
    async run({ expect, rig }) {
      const puts: Array<{ id: string; readable: boolean }> = [];
      const { rm, create } = rig({ wrapFactory: watchPuts(puts) });
      const id = await create({ n: 1 });
      expect(puts).toEqual([{ id, readable: true }]);
      const { data } = await rm.get(id);
      await rm.update(id, { ...(data as object), payload: { n: 2 } });
      await rm.patch(id, [{ op: 'replace', path: '/payload/n', value: 3 }]);
      expect(puts).toEqual([{ id, readable: true }]);
    },
  },
  {
    name: 'consume: unknown async job names are a ConfigurationError naming the available ones; all with none is a no-op',
    async run({ expect, rig }) {
      const target = rig({ noHandler: true }).rm;
      const child = rig({ handler: () => undefined }).rm;
      await target.startConsume({ customCreation: 'all' });
      await target.startConsume({ customUpdate: 'all' });
      target.registerAsyncCreateJob('import-job', child);
      const error = await expectError(expect, () => target.startConsume({ customCreation: ['unknown'] }), ConfigurationError);
      expect(error.message).toContain('import-job');
      expect(target.asyncCreateJobNames).toEqual(['import-job']);
      expect(target.asyncUpdateJobNames).toEqual([]);
      await target.stopConsuming();
    },
  },
  {
    name: 'consume: registering one async job name twice is a ConfigurationError',
    async run({ expect, rig }) {
      const target = rig({ noHandler: true }).rm;
      const child = rig({ handler: () => undefined }).rm;
      target.registerAsyncCreateJob('import-job', child);
      await expectError(expect, () => target.registerAsyncCreateJob('import-job', child), ConfigurationError);
      target.registerAsyncUpdateJob('import-job', child);
      await expectError(expect, () => target.registerAsyncUpdateJob('import-job', child), ConfigurationError);
    },
  },
]);
