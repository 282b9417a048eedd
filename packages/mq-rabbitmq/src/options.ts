/**
 * The factory's options: the five of the configuration reference (the Python names in snake_case
 * for backend configs, camelCase for the factory) and the Node additions, each checked once.
 */
import { hostname } from 'node:os';
import { parseAmqpUrl, RabbitMQOptionError, type AmqpEndpoint } from './endpoint';

export interface RabbitMQQueueOptions {
  /** Broker URL (default `amqp://guest:guest@localhost:5672/`). */
  amqpUrl?: string;
  /** Prepended to the snake_case model name (default `specstar:`). */
  queuePrefix?: string;
  /** Failures retried when a job sets no `max_retries` (default 3). */
  maxRetries?: number;
  /** Time a failed job waits in the `:retry` queue (default 10 s). */
  retryDelaySeconds?: number;
  /** AMQP heartbeat negotiated with the broker (default 600 s; 0 turns heartbeats off). */
  amqpHeartbeatSeconds?: number;
  /** How long put(), schedule() and start() wait for a broker that is away before failing (default 10 s; 0: one attempt). */
  waitForBrokerSeconds?: number;
  /** Longest pause between reconnection attempts (default 10 s; they start at 0.1 s and double). */
  reconnectMaxDelaySeconds?: number;
  /** The connection's name in the broker's management UI (default `specstar <host> pid <pid>`). */
  connectionName?: string;
  /** Where reconnections and dropped messages are reported (default: process.emitWarning). */
  onWarning?: (message: string, error?: unknown) => void;
}

export interface QueueSettings {
  readonly endpoint: AmqpEndpoint;
  readonly queuePrefix: string;
  readonly maxRetries: number;
  readonly retryDelayMs: number;
  readonly heartbeatSeconds: number;
  readonly waitForBrokerMs: number;
  readonly reconnectMaxDelayMs: number;
  readonly connectionName: string;
  readonly warn: (message: string, error?: unknown) => void;
  /** Whether `warn` is the caller's onWarning (then queue warnings go there too, not to core's). */
  readonly customWarn: boolean;
}

export const DEFAULT_AMQP_URL = 'amqp://guest:guest@localhost:5672/';
export const DEFAULT_QUEUE_PREFIX = 'specstar:';

/** The snake_case option names of a backend config, for errors (the factory takes camelCase). */
const SNAKE: Record<keyof RabbitMQQueueOptions, string> = {
  amqpUrl: 'amqp_url',
  queuePrefix: 'queue_prefix',
  maxRetries: 'max_retries',
  retryDelaySeconds: 'retry_delay_seconds',
  amqpHeartbeatSeconds: 'amqp_heartbeat_seconds',
  waitForBrokerSeconds: 'wait_for_broker_seconds',
  reconnectMaxDelaySeconds: 'reconnect_max_delay_seconds',
  connectionName: 'connection_name',
  onWarning: 'on_warning',
};

export const OPTION_NAMES = SNAKE;

function count(name: keyof RabbitMQQueueOptions, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new RabbitMQOptionError(SNAKE[name], `Option '${SNAKE[name]}' must be an integer from 0 to ${max}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Seconds as whole milliseconds; `positive` refuses 0. */
function millis(name: keyof RabbitMQQueueOptions, value: unknown, fallback: number, positive = false): number {
  if (value === undefined) return fallback * 1000;
  const ok = typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0) && value * 1000 <= Number.MAX_SAFE_INTEGER;
  if (!ok) throw new RabbitMQOptionError(SNAKE[name], `Option '${SNAKE[name]}' must be a ${positive ? 'positive' : 'non-negative'} number of seconds, got ${JSON.stringify(value)}`);
  return Math.round(value * 1000);
}

function text(name: keyof RabbitMQQueueOptions, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string') throw new RabbitMQOptionError(SNAKE[name], `Option '${SNAKE[name]}' must be a string, got ${JSON.stringify(value)}`);
  return value;
}

/** Checks every option and fills the defaults; throws RabbitMQOptionError naming the option. */
export function resolveOptions(options: RabbitMQQueueOptions = {}): QueueSettings {
  if (typeof options !== 'object' || options === null) throw new RabbitMQOptionError('options', 'RabbitMQ queue options must be an object');
  const known = new Set(Object.keys(SNAKE));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new RabbitMQOptionError(key, `Unknown RabbitMQ queue option '${key}' (known: ${[...known].join(', ')})`);
  }
  const queuePrefix = text('queuePrefix', options.queuePrefix, DEFAULT_QUEUE_PREFIX);
  if (queuePrefix.startsWith('amq.')) throw new RabbitMQOptionError('queue_prefix', `Option 'queue_prefix' must not start with 'amq.' (the broker reserves those names), got '${queuePrefix}'`);
  const onWarning = options.onWarning;
  if (onWarning !== undefined && typeof onWarning !== 'function') throw new RabbitMQOptionError('on_warning', `Option 'onWarning' must be a function`);
  return {
    endpoint: parseAmqpUrl(options.amqpUrl ?? DEFAULT_AMQP_URL),
    queuePrefix,
    maxRetries: count('maxRetries', options.maxRetries, 3),
    retryDelayMs: millis('retryDelaySeconds', options.retryDelaySeconds, 10),
    // The tune frame carries the heartbeat as an unsigned 16-bit number of seconds.
    heartbeatSeconds: count('amqpHeartbeatSeconds', options.amqpHeartbeatSeconds, 600, 65_535),
    waitForBrokerMs: millis('waitForBrokerSeconds', options.waitForBrokerSeconds, 10),
    reconnectMaxDelayMs: millis('reconnectMaxDelaySeconds', options.reconnectMaxDelaySeconds, 10, true),
    connectionName: text('connectionName', options.connectionName, `specstar ${hostname()} pid ${process.pid}`),
    customWarn: onWarning !== undefined,
    warn: onWarning ?? ((message, error) => process.emitWarning(error === undefined ? message : `${message}: ${describeError(error)}`, { code: 'SPECSTAR_RABBITMQ' })),
  };
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
