/**
 * The broker address from `amqp_url`: parsed once, into the object form amqplib connects with,
 * plus the texts errors and warnings use — never the password.
 */
import { ConfigurationError } from '@specstar/interfaces';

export interface AmqpEndpoint {
  readonly protocol: 'amqp' | 'amqps';
  readonly hostname: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly vhost: string;
  readonly frameMax?: number;
  readonly channelMax?: number;
  /** `host:port`, for messages. */
  readonly host: string;
  /** `host:port (vhost '/')`, for messages. */
  readonly where: string;
  /** The URL with the password replaced by `***`. */
  readonly redacted: string;
}

/** A bad option value; `option` is the snake_case name of the configuration reference. */
export class RabbitMQOptionError extends ConfigurationError {
  override readonly code: string = 'rabbitmq_option';
  constructor(
    readonly option: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Hides the credentials of anything that looks like a URL with `…@host` in a text: all that comes
 * before the `@` (after `scheme://` when there is one) becomes `***`. Used where the input may be
 * malformed, so the user name goes too: there is no telling it from the password.
 */
export function redactUrlText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)?[^\s'"]*@/gi, (_match, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** Removes a known password from a text that came from elsewhere (a driver or broker message). */
export function scrubSecret(text: string, secret: string): string {
  return secret.length === 0 ? text : text.split(secret).join('***');
}

const DEFAULT_PORTS = { amqp: 5672, amqps: 5671 } as const;

function decoded(option: string, part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RabbitMQOptionError(option, `Option '${option}': the ${what} is not valid percent-encoding`);
  }
}

function positiveQueryInteger(url: URL, names: string[], option: string): number | undefined {
  for (const name of names) {
    const raw = url.searchParams.get(name);
    if (raw === null) continue;
    if (!/^\d+$/.test(raw)) throw new RabbitMQOptionError(option, `Option '${option}': query parameter '${name}' must be a non-negative integer, got '${raw}'`);
    return Number(raw);
  }
  return undefined;
}

/**
 * Parses `amqp://user:password@host:port/vhost`. The vhost follows pika (the Python client): no
 * path or `/` is the default vhost `/`; otherwise the percent-decoded path (`%2f` is `/`). The
 * heartbeat comes from `amqp_heartbeat_seconds`, not from the URL.
 */
export function parseAmqpUrl(value: unknown, option = 'amqp_url'): AmqpEndpoint {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new RabbitMQOptionError(option, `Option '${option}' must be an AMQP URL such as amqp://user:password@host:5672/, got ${typeof value === 'string' ? 'an empty string' : typeof value}`);
  }
  const shown = redactUrlText(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RabbitMQOptionError(option, `Option '${option}' is not a valid URL (expected amqp://user:password@host:5672/vhost): '${shown}'`);
  }
  const scheme = url.protocol.replace(/:$/, '');
  if (scheme !== 'amqp' && scheme !== 'amqps') {
    throw new RabbitMQOptionError(option, `Option '${option}' must use the amqp:// or amqps:// scheme, got '${scheme}://' in '${shown}'`);
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (hostname === '') throw new RabbitMQOptionError(option, `Option '${option}' names no host: '${shown}'`);
  const port = url.port === '' ? DEFAULT_PORTS[scheme] : Number(url.port);
  const path = url.pathname;
  const vhost = path === '' || path === '/' ? '/' : decoded(option, path.slice(1), 'vhost');
  const username = url.username === '' ? 'guest' : decoded(option, url.username, 'user name');
  const password = url.username === '' && url.password === '' ? 'guest' : decoded(option, url.password, 'password');
  const host = hostname.includes(':') ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  const frameMax = positiveQueryInteger(url, ['frame_max', 'frameMax'], option);
  const channelMax = positiveQueryInteger(url, ['channel_max', 'channelMax'], option);
  return {
    protocol: scheme,
    hostname,
    port,
    username,
    password,
    vhost,
    ...(frameMax !== undefined && { frameMax }),
    ...(channelMax !== undefined && { channelMax }),
    host,
    where: `${host} (vhost '${vhost}')`,
    redacted: `${scheme}://${encodeURIComponent(username)}:***@${host}${path || '/'}`,
  };
}
