// jobs-and-actions §8 inv. 50: getLogs is null without a blob store (and for a never-run job),
// and a flush with nothing new in the buffer writes no blob.
import { SpecStar, SimpleMessageQueueFactory, jobSchema, type Job, type ResourceManager } from '../src';
import { JOB_LOG_NAMESPACE, JobFacility } from '../src/jobs';
import { MemoryBlobStore, MemoryStorageFactory } from '../src/storage';

const PAYLOAD = { type: 'object', properties: { ms: { type: 'integer' } } };

/** A memory blob store that counts job-log writes. */
class CountingBlobStore extends MemoryBlobStore {
  logWrites = 0;
  override putDocument(namespace: string, key: string, data: Uint8Array): Promise<void> {
    if (namespace === JOB_LOG_NAMESPACE) this.logWrites++;
    return super.putDocument(namespace, key, data);
  }
}

class CountingFactory extends MemoryStorageFactory {
  readonly blobs = new CountingBlobStore();
  override buildBlobStore(): CountingBlobStore {
    return this.blobs;
  }
}

async function until(what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const statusOf = async (rm: ResourceManager<Job>, id: string) => (await rm.get(id)).data.status;

describe('job log writes', () => {
  let spec: SpecStar;
  afterEach(() => spec.close());

  it('without a blob store the job still runs and getLogs is null', async () => {
    spec = new SpecStar({ messageQueueFactory: null, defaultUser: 'worker' });
    // A job model without a queue, given one by hand with no blob store (a registry always has one).
    const rm = spec.addModel<Job>(jobSchema(PAYLOAD), { name: 'quiet-job', indexedFields: [{ field_path: 'status' }, { field_path: 'retries' }, { field_path: 'next_run_at' }] });
    const facility = new JobFacility<unknown>({
      manager: rm,
      factory: new SimpleMessageQueueFactory({ pollInterval: 0.02 }),
      handler: (_job, ctx) => ctx.info('nowhere to go'),
      blobStore: () => undefined,
    });
    const { resource_id: id } = await rm.create({ payload: { ms: 0 } });
    await facility.startConsume({ logFlushInterval: 0.05 });
    try {
      await until('completed', async () => (await statusOf(rm, id)) === 'completed');
      expect(await facility.getLogs(id)).toBeNull();
    } finally {
      await facility.close();
    }
  });

  it('a never-run job has no log blob, and a run that logs nothing new between flushes writes its log only when it changed', async () => {
    const factory = new CountingFactory();
    spec = new SpecStar({ storageFactory: factory, defaultUser: 'worker' });
    const rm = spec.addModel<Job>(jobSchema(PAYLOAD), {
      name: 'slow-job',
      messageQueueFactory: new SimpleMessageQueueFactory({ pollInterval: 0.02 }),
      // Quiet for many flush intervals.
      jobHandler: (job) => new Promise((resolve) => setTimeout(resolve, (job.data.payload as { ms: number }).ms)),
    });
    const { resource_id: id } = await rm.create({ payload: { ms: 600 } });
    expect(await rm.getLogs(id)).toBeNull();
    expect(factory.blobs.logWrites).toBe(0);
    await rm.startConsume({ logFlushInterval: 0.05 });
    await until('completed', async () => (await statusOf(rm, id)) === 'completed');
    // One flush with `Job started`, then none while the buffer stays the same, then the final one.
    expect(factory.blobs.logWrites).toBe(2);
    expect((await rm.getLogs(id))?.split('\n').map((line) => line.replace(/^\S+ /, ''))).toEqual(['[INFO] Job started', '[INFO] Job completed']);
  });
});
