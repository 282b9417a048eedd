/**
 * The broker URL: parsed once, checked, and described without its password. Celery spells the
 * default vhost `//` (`amqp://guest:guest@localhost:5672//`); amqplib reads the path after the
 * first `/` as the vhost, so both spellings reach vhost `/`.
 */

export const DEFAULT_BROKER_URL = 'amqp://guest:guest@localhost:5672//';

/** What a message may say about a broker: never the password. */
export interface BrokerAddress {
  /** The URL as given, for amqplib. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly vhost: string;
  readonly user: string;
  /** `amqp://user@host:port/vhost`, for messages and logs. */
  readonly redacted: string;
}

/** Why a broker URL cannot be used; the message never contains the password. */
export class BrokerUrlError extends Error {}

/** Parses and checks an `amqp://` or `amqps://` URL. */
export function parseBrokerUrl(value: unknown): BrokerAddress {
  if (typeof value !== 'string' || value.trim() === '') throw new BrokerUrlError(`must be an amqp:// or amqps:// URL, got ${describeValue(value)}`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new BrokerUrlError(`is not a URL: ${JSON.stringify(redactUrl(value))}`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new BrokerUrlError(`must use the amqp:// or amqps:// scheme, got '${parsed.protocol.replace(/:$/, '')}://' in ${JSON.stringify(redactUrl(value))}`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new BrokerUrlError(`names no host: ${JSON.stringify(redactUrl(value))}`);
  const port = parsed.port === '' ? (parsed.protocol === 'amqp:' ? 5672 : 5671) : Number(parsed.port);
  const path = parsed.pathname.slice(1);
  let vhost: string;
  try {
    vhost = path === '' ? '/' : decodeURIComponent(path);
  } catch {
    throw new BrokerUrlError(`has a malformed vhost in ${JSON.stringify(redactUrl(value))}`);
  }
  const user = parsed.username === '' && parsed.password === '' ? 'guest' : decodeURIComponent(parsed.username);
  const redacted = `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}/${path}`;
  return { url: value, host, port, vhost, user, redacted };
}

/** The URL with any password replaced by `***`; text that is not a URL is returned with `:secret@` parts masked. */
export function redactUrl(text: string): string {
  return text.replace(/(\w+:\/\/[^:/@\s]*):[^@\s]*@/g, '$1:***@');
}

/** Removes the password of `address` from a message that may quote it (driver errors sometimes do). */
export function scrub(message: string, address: BrokerAddress): string {
  let out = redactUrl(message);
  try {
    const password = decodeURIComponent(new URL(address.url).password);
    if (password !== '') out = out.split(password).join('***');
  } catch {
    // The address was parsed before; nothing else to hide.
  }
  return out;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(redactUrl(value));
  return value === undefined ? 'nothing' : typeof value;
}

/** `host:port vhost '/'`: where a broker problem happened. */
export function whereBroker(address: BrokerAddress): string {
  return `broker ${address.host}:${address.port} (vhost '${address.vhost}')`;
}
