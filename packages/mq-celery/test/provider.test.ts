/**
 * The `celery` provider and the factory options: defaults, option checks that name the option
 * (in the config's snake_case through the provider), URLs that never leak their password, and
 * the provider end to end through core's unified backend config on the real broker.
 */
import { BackendConfigError, SpecStar, jobSchema } from '@specstar/core';
import { providerExportName } from '@specstar/core/adapter';
import { ConfigurationError, type Job } from '@specstar/interfaces';
import * as celery from '../src';
import { CeleryMessageQueueFactory, CeleryOptionError, celeryBackendProvider } from '../src';
import { AMQP_URL, deleteQueues, describeBroker, freshPrefix, withChannel } from './broker';

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('options', () => {
  it('defaults: broker amqp://guest:guest@localhost:5672//, prefix specstar., 3 retries 10 s apart', () => {
    const { settings } = new CeleryMessageQueueFactory();
    expect(settings).toMatchObject({
      broker: { host: 'localhost', port: 5672, vhost: '/', user: 'guest', redacted: 'amqp://guest@localhost:5672//' },
      queuePrefix: 'specstar.',
      maxRetries: 3,
      retryDelayMs: 10_000,
      etaHoldMs: 600_000,
    });
    expect(celery.DEFAULT_BROKER_URL).toBe('amqp://guest:guest@localhost:5672//');
  });

  it('the queue of a model is {prefix}{resource name}, the name as is (not snake-cased)', () => {
    const factory = new CeleryMessageQueueFactory({ queuePrefix: 'jobs.' });
    expect([factory.queueName('email-jobs'), factory.queueName('TestJob')]).toEqual(['jobs.email-jobs', 'jobs.TestJob']);
  });

  it('vhosts: // and an empty path are /, a name or %2F-encoded path as written', () => {
    const vhost = (brokerUrl: string) => new CeleryMessageQueueFactory({ brokerUrl }).settings.broker.vhost;
    expect([vhost('amqp://h//'), vhost('amqp://h'), vhost('amqp://h/'), vhost('amqp://h/prod'), vhost('amqp://h/%2Fprod'), vhost('amqps://h:5671/x')]).toEqual(['/', '/', '/', 'prod', '/prod', 'x']);
  });

  it.each([
    ['brokerUrl', { brokerUrl: '' }],
    ['brokerUrl', { brokerUrl: 'not a url' }],
    ['brokerUrl', { brokerUrl: 'http://guest:hunter2@localhost:5672//' }],
    ['brokerUrl', { brokerUrl: 'amqp://guest:hunter2@:5672//' }],
    ['brokerUrl', { brokerUrl: 'amqp://guest:hunter2@localhost:99999//' }],
    ['brokerUrl', { brokerUrl: 42 }],
    ['queuePrefix', { queuePrefix: 'has space' }],
    ['queuePrefix', { queuePrefix: 7 }],
    ['maxRetries', { maxRetries: -1 }],
    ['maxRetries', { maxRetries: 1.5 }],
    ['retryDelaySeconds', { retryDelaySeconds: -1 }],
    ['retryDelaySeconds', { retryDelaySeconds: 'soon' }],
    ['etaHoldSeconds', { etaHoldSeconds: 0 }],
    ['connectTimeoutSeconds', { connectTimeoutSeconds: Number.NaN }],
  ])('a bad %s is a ConfigurationError naming it, without the password', (option, options) => {
    const error = thrown(() => new CeleryMessageQueueFactory(options as never));
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toBeInstanceOf(CeleryOptionError);
    expect((error as CeleryOptionError).option).toBe(option);
    expect((error as Error).message).toContain(`'${option}'`);
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('provider', () => {
  it('is exported under the name core looks for and serves mq only', () => {
    expect((celery as Record<string, unknown>)[providerExportName('celery')]).toBe(celeryBackendProvider);
    expect([celeryBackendProvider.type, celeryBackendProvider.roles]).toEqual(['celery', ['mq']]);
    const error = thrown(() => celeryBackendProvider.validate!('meta', {}));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect(error).toMatchObject({ problem: 'role_not_supported', provider: 'celery', role: 'meta' });
  });

  it('builds a factory from the snake_case options, with the defaults for the rest', () => {
    const factory = celeryBackendProvider.buildMessageQueueFactory!({ broker_url: 'amqp://u:p@broker.example:5673/jobs', queue_prefix: 'q.', max_retries: 5, retry_delay_seconds: 2, unrelated: true });
    expect(factory).toBeInstanceOf(CeleryMessageQueueFactory);
    expect((factory as CeleryMessageQueueFactory).settings).toMatchObject({ broker: { host: 'broker.example', port: 5673, vhost: 'jobs', redacted: 'amqp://u@broker.example:5673/jobs' }, queuePrefix: 'q.', maxRetries: 5, retryDelayMs: 2000 });
    expect((celeryBackendProvider.buildMessageQueueFactory!({}) as CeleryMessageQueueFactory).settings.queuePrefix).toBe('specstar.');
  });

  it.each([
    ['broker_url', { broker_url: 'redis://:hunter2@localhost:6379/0' }],
    ['broker_url', { broker_url: 'amqp://guest:hunter2@[::1' }],
    ['queue_prefix', { queue_prefix: ['a'] }],
    ['max_retries', { max_retries: '3' }],
    ['retry_delay_seconds', { retry_delay_seconds: -5 }],
  ])('validate: a bad %s is a BackendConfigError naming the option, without the password', (option, options) => {
    const error = thrown(() => celeryBackendProvider.validate!('mq', options));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect(error).toMatchObject({ problem: 'invalid_field', provider: 'celery', option, role: 'mq' });
    expect((error as Error).message).toContain(`'${option}'`);
    expect((error as Error).message).not.toContain('hunter2');
  });

  it('a bad option in a backend config fails the SpecStar constructor, naming the option', () => {
    const backend = { connections: { jobs: { type: 'celery', options: { broker_url: 'amqp://guest:hunter2@localhost:notaport//' } } }, mq: { use: 'jobs' } };
    const error = thrown(() => new SpecStar({ backend }));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect(error).toMatchObject({ option: 'broker_url' });
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describeBroker('provider on the broker', () => {
  it("backend config mq: celery loads this package, declares {queue_prefix}{model} as Celery does, and runs jobs", async () => {
    const prefix = freshPrefix();
    const backend = {
      connections: { jobs: { type: 'celery', options: { broker_url: AMQP_URL, queue_prefix: prefix, max_retries: 1, retry_delay_seconds: 0.1 } } },
      mq: { use: 'jobs' },
    };
    const spec = new SpecStar({ backend, defaultUser: 'alice' });
    try {
      const rm = spec.addModel<Job>(jobSchema({ type: 'object', properties: { to: { type: 'string' } } }), { name: 'email-jobs', jobHandler: () => undefined });
      expect(rm.messageQueue?.maxRetries).toBe(1);
      const id = (await rm.create({ payload: { to: 'a@example.com' } })).resource_id;
      // Celery's topology: a durable queue and a durable direct exchange of the same name, bound by that name.
      const queue = `${prefix}email-jobs`;
      expect(await withChannel(async (channel) => (await channel.checkQueue(queue)).messageCount)).toBe(1);
      await withChannel((channel) => channel.checkExchange(queue));
      await rm.startConsume({ heartbeatInterval: 1 });
      for (let i = 0; i < 200 && (await rm.get(id)).data.status !== 'completed'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await rm.get(id)).data.status).toBe('completed');
    } finally {
      await spec.close();
      await (spec.messageQueueFactory as CeleryMessageQueueFactory | undefined)?.close();
      await deleteQueues([`${prefix}email-jobs`]);
    }
  });
});
