/**
 * What can go wrong between this process and the broker, as typed errors whose messages name the
 * broker (`host:port`, vhost) and the queue — never the password — and the reading of amqplib's
 * errors into them.
 */
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';
import { scrubSecret, type AmqpEndpoint } from './endpoint';

/** The broker cannot be reached (or stopped answering) within the wait the options allow: 503 over HTTP. */
export class BrokerUnavailableError extends ServiceUnavailableError {
  override readonly code: string = 'broker_unavailable';
  readonly host: string;
  readonly vhost: string;
  constructor(
    endpoint: AmqpEndpoint,
    message: string,
    readonly queue?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.host = endpoint.host;
    this.vhost = endpoint.vhost;
  }
}

/** The broker refused the login or the vhost: a setting to fix, not something to wait out. */
export class BrokerAccessError extends ConfigurationError {
  override readonly code: string = 'broker_access_refused';
  readonly host: string;
  readonly vhost: string;
  readonly user: string;
  constructor(
    endpoint: AmqpEndpoint,
    readonly reason: 'credentials' | 'vhost',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.host = endpoint.host;
    this.vhost = endpoint.vhost;
    this.user = endpoint.username;
  }
}

/** A queue exists with other arguments than this process declares (PRECONDITION_FAILED on declare). */
export class QueueArgumentMismatchError extends ConfigurationError {
  override readonly code: string = 'queue_argument_mismatch';
  constructor(
    readonly queue: string,
    readonly argument: string,
    readonly existing: string,
    readonly declared: string,
    where: string,
  ) {
    super(
      `RabbitMQ queue '${queue}' on ${where} already exists with ${argument} = ${existing}, but this process declares ${argument} = ${declared}. ` +
        `Python and Node processes sharing the queue must use the same settings (retry_delay_seconds sets the TTL of ':retry'); ` +
        `otherwise delete the queue or choose another queue_prefix.`,
    );
  }
}

const MISMATCH = /inequivalent arg '([^']+)' for queue '([^']+)' in vhost '[^']*': received (.+?) but current is (.+?)"?$/;

/** The broker's wording of a value ("the value '10000' of type 'signedint'", "'5000'", "none") as a short text. */
function brokerValue(text: string): string {
  const typed = /^the value '(.*)' of type '[^']+'$/.exec(text);
  if (typed) return typed[1] as string;
  const quoted = /^'(.*)'$/.exec(text);
  if (quoted) return quoted[1] as string;
  return text === 'none' ? '(none)' : text;
}

/** A declare refused with 406 PRECONDITION_FAILED, read into a QueueArgumentMismatchError; otherwise null. */
export function mismatchOf(error: unknown, where: string): QueueArgumentMismatchError | null {
  if (!(error instanceof Error)) return null;
  const match = MISMATCH.exec(error.message);
  if (!match) return null;
  const [, argument, queue, received, current] = match as unknown as [string, string, string, string, string];
  return new QueueArgumentMismatchError(queue, argument, brokerValue(current), brokerValue(received), where);
}

/** A copy of a driver error whose texts cannot carry the password, to keep as a `cause`. */
export function safeCause(error: unknown, endpoint: AmqpEndpoint): Error {
  const message = error instanceof Error ? error.message : String(error);
  const safe = new Error(scrubSecret(message, endpoint.password));
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== undefined) (safe as Error & { code?: unknown }).code = code;
  return safe;
}

/** Why a connection attempt failed, as the error to report. */
export function connectError(error: unknown, endpoint: AmqpEndpoint): BrokerUnavailableError | BrokerAccessError {
  const cause = safeCause(error, endpoint);
  const text = cause.message;
  const code = (cause as Error & { code?: unknown }).code;
  if (/ACCESS[-_]REFUSED/.test(text) || /\b403\b/.test(text)) {
    return new BrokerAccessError(endpoint, 'credentials', `RabbitMQ at ${endpoint.host} refused the login of user '${endpoint.username}' (wrong user name or password in amqp_url)`, { cause });
  }
  // A vhost that does not exist (or that the user may not open) closes the connection during
  // the handshake; amqplib reports it as an unexpected ConnectionClose.
  if (/NOT[-_]ALLOWED|\b530\b|Expected ConnectionOpenOk; got <ConnectionClose/.test(text)) {
    return new BrokerAccessError(endpoint, 'vhost', `RabbitMQ at ${endpoint.host} refused vhost '${endpoint.vhost}' for user '${endpoint.username}' (the vhost does not exist or the user has no access to it)`, { cause });
  }
  const reason =
    code === 'ECONNREFUSED' ? 'nothing listens there (connection refused)'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? `the host name '${endpoint.hostname}' does not resolve`
    : code === 'ETIMEDOUT' || /timed? ?out/i.test(text) ? 'no answer (timed out)'
    : text;
  return new BrokerUnavailableError(endpoint, `RabbitMQ at ${endpoint.where} is unreachable: ${reason}`, undefined, { cause });
}

/** A BrokerUnavailableError about one queue, from what the link last saw. */
export function unavailableFor(queue: string, base: BrokerUnavailableError | undefined, endpoint: AmqpEndpoint, waitedMs: number): BrokerUnavailableError {
  const why = base ? base.message : `RabbitMQ at ${endpoint.where} did not answer`;
  return new BrokerUnavailableError(endpoint, `Queue '${queue}': ${why} (waited ${(waitedMs / 1000).toFixed(1)} s)`, queue, { cause: base });
}

/** Any failure of an operation on `queue`, as the typed error to raise (naming the queue, never the password). */
export function aboutQueue(error: unknown, queue: string, endpoint: AmqpEndpoint, waitedMs: number): Error {
  if (error instanceof QueueArgumentMismatchError) return error;
  if (error instanceof BrokerAccessError) return new BrokerAccessError(endpoint, error.reason, `Queue '${queue}': ${error.message}`, { cause: error.cause });
  if (error instanceof BrokerUnavailableError) return unavailableFor(queue, error, endpoint, waitedMs);
  const cause = safeCause(error, endpoint);
  return new BrokerUnavailableError(endpoint, `Queue '${queue}' on ${endpoint.where}: ${cause.message} (waited ${(waitedMs / 1000).toFixed(1)} s)`, queue, { cause });
}
