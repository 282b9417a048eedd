/**
 * The testkit queue suite on the real broker (memory storage): every job semantics case, with the
 * documented differences of a Celery queue — the effective limit is the smaller of the job's and
 * the queue's, an initially delayed job waits `pending` (the broker holds it with `eta`), and
 * waiting jobs run in the order the broker gives them (FIFO).
 */
import { MemoryStorageFactory } from '@specstar/core';
import { queueConformanceSuite } from '@specstar/testkit';
import { CeleryMessageQueueFactory } from '../src';
import { AMQP_URL, brokerAvailable, deleteQueues, freshPrefix } from './broker';

// Each case gets its own queue prefix, chosen with its storage (all rigs of a case share both).
let prefix = freshPrefix();

const suite = brokerAvailable ? queueConformanceSuite : () => it.skip('queue conformance: celery (RabbitMQ not reachable)', () => undefined);

suite(
  { describe, it, expect },
  {
    name: 'celery on memory',
    createStorageFactory: () => {
      prefix = freshPrefix();
      return new MemoryStorageFactory();
    },
    dispose: async (factory) => {
      await factory.close?.();
      await deleteQueues([`${prefix}queue-job`]);
    },
    createQueueFactory: ({ maxRetries }) => new CeleryMessageQueueFactory({ brokerUrl: AMQP_URL, queuePrefix: prefix, maxRetries, retryDelaySeconds: 0.2 }),
    capabilities: { delayedDelivery: true, crossProcessDelivery: true, crossProcessClaim: true },
    semantics: { retryStatus: 'pending', limitRule: 'min', initialDelayStatus: 'pending', runOrder: 'created' },
  },
);
