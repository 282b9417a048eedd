/**
 * The provider through core's unified backend configuration: `mq: { type: 'rabbitmq' }` loads
 * this package on demand, a job model gets a RabbitMQ queue with the reference options, and a
 * bad option is a BackendConfigError naming it before anything contacts the broker.
 */
import { BackendConfigError, jobSchema, SpecStar } from '@specstar/core';
import type { Job } from '@specstar/interfaces';
import { RabbitMQMessageQueue } from '../src';
import { AMQP_URL, deleteTestQueues, describeBroker, freshPrefix, listQueues } from './broker';

const PAYLOAD = { type: 'object', properties: { n: { type: 'integer' } } } as const;

it('a bad option is a BackendConfigError naming it, raised when the registry is built', () => {
  let caught: unknown;
  try {
    new SpecStar({ backend: { meta: { type: 'memory' }, resource: { type: 'memory' }, mq: { type: 'rabbitmq', options: { amqp_url: 'amqp://u:hunter2@host/', max_retries: -1 } } } });
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BackendConfigError);
  expect(caught).toMatchObject({ problem: 'invalid_field', provider: 'rabbitmq', option: 'max_retries', role: 'mq' });
  expect((caught as Error).message).not.toContain('hunter2');
});

it('the app starts without the broker: building the registry and the model contacts nothing', async () => {
  const spec = new SpecStar({ backend: { meta: { type: 'memory' }, resource: { type: 'memory' }, mq: { type: 'rabbitmq', options: { amqp_url: 'amqp://guest:guest@127.0.0.1:1/' } } } });
  const rm = spec.addModel<Job>(jobSchema(PAYLOAD), { name: 'offline-job', jobHandler: () => undefined });
  expect(rm.messageQueue).toBeInstanceOf(RabbitMQMessageQueue);
  await spec.close();
});

describeBroker('mq: rabbitmq on the broker', () => {
  afterAll(deleteTestQueues);

  it('runs a job through the queue named from queue_prefix and the snake_case model name', async () => {
    const prefix = freshPrefix();
    const spec = new SpecStar({
      backend: {
        meta: { type: 'memory' },
        resource: { type: 'memory' },
        mq: { type: 'rabbitmq', options: { amqp_url: AMQP_URL, queue_prefix: prefix, max_retries: 1, retry_delay_seconds: 2, amqp_heartbeat_seconds: 30 } },
      },
      defaultUser: 'alice',
    });
    try {
      const rm = spec.addModel<Job>(jobSchema(PAYLOAD), { name: 'SendEmailJob', jobHandler: (_job, ctx) => ctx.setArtifact({ sent: true }) });
      await rm.startConsume();
      const { resource_id: id } = await rm.create({ payload: { n: 1 } });
      for (let i = 0; i < 200 && (await rm.get(id)).data.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await rm.get(id)).data).toMatchObject({ status: 'completed', artifact: { sent: true } });
      expect(rm.messageQueue?.maxRetries).toBe(1);
      const retry = listQueues(`${prefix}send_email_job:retry`)[0];
      expect(retry?.arguments).toContainEqual(['x-message-ttl', 'signedint', 2000]);
    } finally {
      await spec.close();
    }
  });
});
