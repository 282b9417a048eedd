import type { Job, JobOutcome, JobStore, QueueBinding, Resource } from '@specstar/interfaces';
import { SimpleMessageQueue } from './simple-queue';

/** A one-job store whose claim waits until `land()` is called, as a durable claim waits for its sync. */
function slowClaimBinding() {
  let land!: () => void;
  const landed = new Promise<void>((resolve) => (land = resolve));
  let claimStarted!: () => void;
  const claiming = new Promise<void>((resolve) => (claimStarted = resolve));
  const job = { info: { resource_id: 'job-1' }, data: { status: 'processing' } } as unknown as Resource<Job>;
  let pending = ['job-1'];
  const ran: string[] = [];
  const jobs: JobStore = {
    resourceName: 'job',
    get: async () => job,
    pendingIds: async () => pending,
    dueIds: async () => [],
    claim: async () => {
      pending = [];
      claimStarted();
      await landed;
      return job;
    },
    release: async () => false,
    fail: async () => undefined,
  };
  const binding: QueueBinding = {
    resourceName: 'job',
    jobs,
    run: async (claimed): Promise<JobOutcome> => {
      ran.push(claimed.info.resource_id);
      return { kind: 'completed' };
    },
    warn: () => undefined,
  };
  return { binding, claiming, land, ran };
}

describe('SimpleMessageQueue', () => {
  it('a claim that lands after stop() began still runs, and stop() waits for it (the job must not stay processing)', async () => {
    const { binding, claiming, land, ran } = slowClaimBinding();
    const queue = new SimpleMessageQueue(binding, 3, 10);
    await queue.start({ concurrency: 1 });
    await claiming;
    const stopped = queue.stop();
    land();
    await stopped;
    expect(ran).toEqual(['job-1']);
  });
});
