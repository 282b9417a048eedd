import { BackendConfigError } from '@specstar/core/adapter';
import { parseAmqpUrl, rabbitmqBackendProvider, RabbitMQMessageQueueFactory, RabbitMQOptionError, redactUrlText } from '../src';
import { mismatchOf } from '../src/errors';
import type { RabbitMQQueueOptions } from '../src';

const SECRET = 'pa55-w0rd-XYZ';

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('amqp_url', () => {
  it('parses user, password, host, port and vhost as pika does (no path or / is the vhost /)', () => {
    expect(parseAmqpUrl('amqp://guest:guest@localhost:5672/')).toMatchObject({ protocol: 'amqp', hostname: 'localhost', port: 5672, username: 'guest', password: 'guest', vhost: '/' });
    expect(parseAmqpUrl('amqp://h')).toMatchObject({ port: 5672, vhost: '/', username: 'guest', password: 'guest' });
    expect(parseAmqpUrl('amqps://u:p%40ss@h/prod')).toMatchObject({ protocol: 'amqps', port: 5671, password: 'p@ss', vhost: 'prod' });
    expect(parseAmqpUrl('amqp://u:p@h:1234/%2f')).toMatchObject({ port: 1234, vhost: '/' });
    expect(parseAmqpUrl('amqp://u:p@[::1]:5672/?frame_max=131072')).toMatchObject({ hostname: '::1', host: '[::1]:5672', frameMax: 131_072 });
  });

  it('shows the URL and the broker without the password', () => {
    const endpoint = parseAmqpUrl(`amqp://app:${SECRET}@rabbit.internal:5673/jobs`);
    expect(endpoint.redacted).toBe('amqp://app:***@rabbit.internal:5673/jobs');
    expect(endpoint.where).toBe("rabbit.internal:5673 (vhost 'jobs')");
    expect(redactUrlText(`see amqp://app:${SECRET}@host/ and x`)).toBe('see amqp://***@host/ and x');
    expect(redactUrlText(`rabbit:${SECRET}@host`)).toBe('***@host');
  });

  it.each([
    ['not a url', `rabbit:${SECRET}@host`],
    ['a wrong scheme', `http://app:${SECRET}@host/`],
    ['no host', `amqp://app:${SECRET}@/`],
    ['a bad port', `amqp://app:${SECRET}@host:99999/`],
    ['an empty string', ''],
    ['a number', 42],
    ['a bad query integer', `amqp://app:${SECRET}@host/?frame_max=lots`],
  ])('refuses %s, naming amqp_url and never the password', (_what, url) => {
    const error = thrown(() => new RabbitMQMessageQueueFactory({ amqpUrl: url as string }));
    expect(error).toBeInstanceOf(RabbitMQOptionError);
    expect(error).toMatchObject({ option: 'amqp_url', code: 'rabbitmq_option' });
    expect(error.message).toContain('amqp_url');
    expect(error.message).not.toContain(SECRET);
  });
});

describe('factory options (invariant 58)', () => {
  it('defaults: amqp://guest:guest@localhost:5672/, specstar:, 3 retries, 10 s retry delay, 600 s heartbeat', () => {
    const factory = new RabbitMQMessageQueueFactory();
    expect({ url: factory.amqpUrl, prefix: factory.queuePrefix, retries: factory.maxRetries, delay: factory.retryDelaySeconds, heartbeat: factory.amqpHeartbeatSeconds }).toEqual({
      url: 'amqp://guest:***@localhost:5672/',
      prefix: 'specstar:',
      retries: 3,
      delay: 10,
      heartbeat: 600,
    });
  });

  it.each<[Partial<RabbitMQQueueOptions>, string]>([
    [{ maxRetries: -1 }, 'max_retries'],
    [{ maxRetries: 1.5 }, 'max_retries'],
    [{ retryDelaySeconds: -1 }, 'retry_delay_seconds'],
    [{ retryDelaySeconds: Number.NaN }, 'retry_delay_seconds'],
    [{ amqpHeartbeatSeconds: 70_000 }, 'amqp_heartbeat_seconds'],
    [{ queuePrefix: 'amq.jobs:' }, 'queue_prefix'],
    [{ queuePrefix: 7 as unknown as string }, 'queue_prefix'],
    [{ waitForBrokerSeconds: -2 }, 'wait_for_broker_seconds'],
    [{ reconnectMaxDelaySeconds: 0 }, 'reconnect_max_delay_seconds'],
    [{ retries: 3 } as unknown as RabbitMQQueueOptions, 'retries'],
  ])('%j is refused naming %s', (options, option) => {
    const error = thrown(() => new RabbitMQMessageQueueFactory(options));
    expect(error).toMatchObject({ option });
  });
});

describe('the rabbitmq backend provider', () => {
  it('builds the factory from the reference options, snake_case', () => {
    const factory = rabbitmqBackendProvider.buildMessageQueueFactory!({
      amqp_url: 'amqp://u:p@broker:5679/v',
      queue_prefix: 'app:',
      max_retries: 5,
      retry_delay_seconds: 2,
      amqp_heartbeat_seconds: 30,
      encoding: 'json', // a default meant for storage providers: ignored
    }) as RabbitMQMessageQueueFactory;
    expect({ url: factory.amqpUrl, prefix: factory.queuePrefix, retries: factory.maxRetries, delay: factory.retryDelaySeconds, heartbeat: factory.amqpHeartbeatSeconds }).toEqual({
      url: 'amqp://u:***@broker:5679/v',
      prefix: 'app:',
      retries: 5,
      delay: 2,
      heartbeat: 30,
    });
  });

  it('validate() raises a BackendConfigError naming the option, without contacting the broker', () => {
    const error = thrown(() => rabbitmqBackendProvider.validate!('mq', { amqp_url: `ftp://u:${SECRET}@h/` }));
    expect(error).toBeInstanceOf(BackendConfigError);
    expect(error).toMatchObject({ problem: 'invalid_field', provider: 'rabbitmq', option: 'amqp_url', role: 'mq' });
    expect(error.message).not.toContain(SECRET);
    expect(thrown(() => rabbitmqBackendProvider.validate!('mq', { retry_delay_seconds: 'soon' }))).toMatchObject({ option: 'retry_delay_seconds' });
    expect(thrown(() => rabbitmqBackendProvider.validate!('meta', {}))).toMatchObject({ problem: 'role_not_supported' });
    expect(() => rabbitmqBackendProvider.validate!('mq', { amqp_url: 'amqp://nowhere.invalid:1/' })).not.toThrow();
  });
});

describe('a refused declare (406 PRECONDITION_FAILED)', () => {
  it('names the queue, the argument and both values', () => {
    const error = mismatchOf(
      new Error(`Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg 'x-message-ttl' for queue 'specstar:job:retry' in vhost '/': received the value '5000' of type 'signedint' but current is the value '10000' of type 'signedint'"`),
      "h:5672 (vhost '/')",
    );
    expect(error).toMatchObject({ code: 'queue_argument_mismatch', queue: 'specstar:job:retry', argument: 'x-message-ttl', existing: '10000', declared: '5000' });
    expect(error?.message).toContain("queue 'specstar:job:retry'");
    expect(mismatchOf(new Error('something else'), '')).toBeNull();
  });
});
