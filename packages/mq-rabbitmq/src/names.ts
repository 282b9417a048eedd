/**
 * The topology Python SpecStar declares (jobs-and-actions §4.1), so that Python and Node
 * processes share one broker: queue names from the prefix and the snake_case model name, and the
 * argument tables of the retry and delay queues, encoded as pika encodes them.
 */
import { ConfigurationError } from '@specstar/interfaces';

/**
 * The model name in snake_case, as Python's NameConverter(...).to(snake) gives it: a name with
 * `_` is lower-cased, one with `-` has them turned into `_`, Pascal or camel case is split before
 * each capitalised word (`TestJob` → `test_job`, `HTTPJob` → `http_job`), anything else is
 * lower-cased.
 */
export function snakeCase(name: string): string {
  if (name === '') return name;
  if (name.includes('_')) return name.toLowerCase();
  if (name.includes('-')) return name.replace(/-/g, '_').toLowerCase();
  const first = name[0] as string;
  const rest = name.slice(1);
  const isUpper = (c: string) => c !== c.toLowerCase() && c === c.toUpperCase();
  const isLower = (c: string) => c !== c.toUpperCase() && c === c.toLowerCase();
  const hasUpper = (s: string) => /[A-Z]/.test(s);
  const pascal = isUpper(first) && (hasUpper(rest) || (rest === rest.toLowerCase() && /\p{Ll}/u.test(rest)));
  const camel = isLower(first) && hasUpper(name);
  if (!pascal && !camel) return name.toLowerCase();
  return name
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

export interface QueueNames {
  /** `{prefix}{snake}`: where jobs wait to run. */
  readonly main: string;
  /** `{main}:retry`: failed attempts wait here for the retry delay, then dead-letter back to main. */
  readonly retry: string;
  /** `{main}:dead`: messages that ran out of retries (no consumer; for operators). */
  readonly dead: string;
  /** `{main}:periodic:{N}s`: delayed runs (periodic interval, initial delay, DelayRetry). */
  periodic(seconds: number): string;
}

/** Queue names are short strings of at most 255 bytes (AMQP 0-9-1). */
const MAX_QUEUE_NAME_BYTES = 255;

export function queueNames(prefix: string, resourceName: string): QueueNames {
  const main = `${prefix}${snakeCase(resourceName)}`;
  // The longest name is a delay queue's; leave room for a ten-digit delay.
  if (Buffer.byteLength(`${main}:periodic:0000000000s`) > MAX_QUEUE_NAME_BYTES) {
    throw new ConfigurationError(`RabbitMQ queue name '${main}' is too long: with its ':periodic:{N}s' suffix it must fit in ${MAX_QUEUE_NAME_BYTES} bytes (shorten queue_prefix or the model name)`);
  }
  return {
    main,
    retry: `${main}:retry`,
    dead: `${main}:dead`,
    periodic: (seconds) => `${main}:periodic:${seconds}s`,
  };
}

/** An integer typed as pika types a Python int in a table: signed 32-bit when it fits, else 64-bit. */
function pikaInt(value: number): { '!': 'int' | 'long'; value: number } {
  return { '!': value <= 0x7fffffff ? 'int' : 'long', value };
}

export type QueueArguments = Record<string, unknown>;

/** A TTL queue whose expired messages go back to `main` through the default exchange. */
export function ttlQueueArguments(main: string, ttlMs: number): QueueArguments {
  return {
    'x-message-ttl': pikaInt(ttlMs),
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': main,
  };
}

/** A table as the broker reports it, for messages: typed numbers shown as plain values. */
export function plainArguments(args: QueueArguments | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args ?? {})) {
    out[key] = typeof value === 'object' && value !== null && 'value' in value ? value.value : value;
  }
  return out;
}
