import { ConfigurationError } from '@specstar/interfaces';
import { BrokerUrlError, DEFAULT_BROKER_URL, parseBrokerUrl, type BrokerAddress } from './broker-url';

export interface CeleryQueueOptions {
  /** AMQP URL of the broker (default `amqp://guest:guest@localhost:5672//`). */
  brokerUrl?: string;
  /** The queue of a job model is `{queuePrefix}{resource name}` (default `specstar.`). */
  queuePrefix?: string;
  /** Failures retried when a job sets no `max_retries` (default 3); a job's own limit is capped by it. */
  maxRetries?: number;
  /** Seconds between a failure and the next attempt (default 10). */
  retryDelaySeconds?: number;
  /**
   * Longest time (seconds) a consumer holds a message whose `eta` is later, unacknowledged
   * (default 600). A later one is published again and acknowledged then, so the broker's
   * `consumer_timeout` (30 min by default) never closes the channel.
   */
  etaHoldSeconds?: number;
  /**
   * Messages a consumer reserves per running slot, like Celery's `worker_prefetch_multiplier`
   * (default 4): more keeps a fast consumer busy, 1 shares a backlog most evenly between consumers.
   */
  prefetchMultiplier?: number;
  /** Seconds to wait for the TCP connection, the AMQP handshake and a publish confirm (default 10). */
  connectTimeoutSeconds?: number;
  /**
   * Seconds a publish made by a running consumer (a retry, the next periodic run) keeps trying
   * while the broker is away (default 60). When it gives up the job is marked `failed` with the
   * reason, so it can be rerun; it is never left `pending` without a message.
   */
  publishPatienceSeconds?: number;
}

/** Checked settings, times in milliseconds. */
export interface CelerySettings {
  broker: BrokerAddress;
  queuePrefix: string;
  maxRetries: number;
  retryDelayMs: number;
  etaHoldMs: number;
  prefetchMultiplier: number;
  connectTimeoutMs: number;
  publishPatienceMs: number;
}

/** A bad option; `option` is its camelCase name (the provider reports the snake_case one). */
export class CeleryOptionError extends ConfigurationError {
  constructor(
    readonly option: keyof CeleryQueueOptions,
    readonly detail: string,
  ) {
    super(`Celery queue option '${option}' ${detail}`);
  }
}

const MAX_QUEUE_NAME_BYTES = 255;

function seconds(option: keyof CeleryQueueOptions, value: unknown, fallback: number, positive: boolean): number {
  if (value === undefined) return fallback * 1000;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw new CeleryOptionError(option, `must be a ${positive ? 'positive' : 'non-negative'} number of seconds, got ${JSON.stringify(value) ?? typeof value}`);
  }
  return value * 1000;
}

export function resolveSettings(options: CeleryQueueOptions = {}): CelerySettings {
  let broker: BrokerAddress;
  try {
    broker = parseBrokerUrl(options.brokerUrl ?? DEFAULT_BROKER_URL);
  } catch (error) {
    if (error instanceof BrokerUrlError) throw new CeleryOptionError('brokerUrl', error.message);
    throw error;
  }
  const queuePrefix = options.queuePrefix ?? 'specstar.';
  if (typeof queuePrefix !== 'string' || Buffer.byteLength(queuePrefix) > MAX_QUEUE_NAME_BYTES / 2 || /[\s\0]/.test(queuePrefix)) {
    throw new CeleryOptionError('queuePrefix', `must be a string without spaces of at most ${MAX_QUEUE_NAME_BYTES / 2} bytes, got ${JSON.stringify(queuePrefix)}`);
  }
  const maxRetries = options.maxRetries ?? 3;
  if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new CeleryOptionError('maxRetries', `must be a non-negative integer, got ${JSON.stringify(maxRetries)}`);
  }
  const prefetchMultiplier = options.prefetchMultiplier ?? 4;
  if (typeof prefetchMultiplier !== 'number' || !Number.isInteger(prefetchMultiplier) || prefetchMultiplier < 1) {
    throw new CeleryOptionError('prefetchMultiplier', `must be a positive integer, got ${JSON.stringify(prefetchMultiplier)}`);
  }
  return {
    broker,
    queuePrefix,
    maxRetries,
    prefetchMultiplier,
    retryDelayMs: seconds('retryDelaySeconds', options.retryDelaySeconds, 10, false),
    etaHoldMs: seconds('etaHoldSeconds', options.etaHoldSeconds, 600, true),
    connectTimeoutMs: seconds('connectTimeoutSeconds', options.connectTimeoutSeconds, 10, true),
    publishPatienceMs: seconds('publishPatienceSeconds', options.publishPatienceSeconds, 60, false),
  };
}

/** `{prefix}{resource name}`, the resource name as is (not snake-cased), as upstream. */
export function queueNameFor(settings: CelerySettings, resourceName: string): string {
  const name = `${settings.queuePrefix}${resourceName}`;
  if (Buffer.byteLength(name) > MAX_QUEUE_NAME_BYTES) throw new ConfigurationError(`Celery queue name '${name}' is longer than ${MAX_QUEUE_NAME_BYTES} bytes`);
  return name;
}
