import { ServiceUnavailableError, type IMessageQueue, type IMessageQueueFactory } from '@specstar/interfaces';
import { SpecStar, jobSchema } from '../src';

/** A queue whose transport is down for the first start, then back. */
function flakyFactory(): { factory: IMessageQueueFactory; starts: () => number } {
  let starts = 0;
  const factory: IMessageQueueFactory = {
    build: (): IMessageQueue => ({
      capabilities: {},
      maxRetries: 3,
      put: () => Promise.resolve(),
      start: () => (++starts === 1 ? Promise.reject(new ServiceUnavailableError('broker at 127.0.0.1:5672 is unreachable')) : Promise.resolve()),
      stop: () => Promise.resolve(),
    }),
  };
  return { factory, starts: () => starts };
}

describe('startConsume when the queue cannot start', () => {
  it('rejects with the queue error, leaves nothing running, and a later call starts the queue', async () => {
    const { factory, starts } = flakyFactory();
    const spec = new SpecStar({ defaultUser: 'u' });
    const rm = spec.addModel(jobSchema({ type: 'object' }), { name: 'job', jobHandler: () => undefined, messageQueueFactory: factory });
    await expect(rm.startConsume()).rejects.toBeInstanceOf(ServiceUnavailableError);
    await rm.startConsume();
    expect(starts()).toBe(2);
    await spec.close();
  });
});
