import { MemoryStorageFactory } from '@specstar/core';
import { queueConformanceSuite } from '@specstar/testkit';
import { RabbitMQMessageQueueFactory } from '../src';
import { AMQP_URL, deleteTestQueues, describeBroker, freshPrefix } from './broker';

// The queue conformance suite on the broker: every case gets a queue prefix of its own (the
// rigs of one case share it, so two rigs are two consumers of one queue), on memory storage.
let prefix = freshPrefix();

describeBroker('RabbitMQ', () => {
  afterAll(deleteTestQueues);

  queueConformanceSuite(
    { describe, it, expect },
    {
      name: 'rabbitmq on memory',
      createStorageFactory: () => {
        prefix = freshPrefix();
        return new MemoryStorageFactory();
      },
      createQueueFactory: ({ maxRetries }) => new RabbitMQMessageQueueFactory({ amqpUrl: AMQP_URL, queuePrefix: prefix, maxRetries, retryDelaySeconds: 0.2, reconnectMaxDelaySeconds: 1 }),
      capabilities: { pop: true, delayedDelivery: true, crossProcessClaim: true, crossProcessDelivery: true },
      // A retry waits in `pending` (core's port decision); the per-job limit is taken as is;
      // an initial delay rides a TTL queue, so the job stays `pending`; the queue is FIFO.
      semantics: { retryStatus: 'pending', limitRule: 'job', initialDelayStatus: 'pending', runOrder: 'created' },
    },
  );
});
