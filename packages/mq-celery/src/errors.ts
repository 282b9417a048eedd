import { ServiceUnavailableError } from '@specstar/interfaces';
import { scrub, whereBroker, type BrokerAddress } from './broker-url';

/** What went wrong with the broker, as a stable token. */
export type BrokerProblem =
  | 'unreachable' // no TCP connection (refused, unknown host, timeout)
  | 'access_refused' // wrong user or password
  | 'vhost_refused' // the vhost does not exist or the user may not open it
  | 'queue_mismatch' // the queue or exchange exists with other settings
  | 'closed' // the queue or factory was closed
  | 'broker_error'; // anything else the broker or the driver reported

/**
 * The broker could not do what a queue needed. The message names the broker (host, port, vhost)
 * and the queue; never the password.
 */
export class CeleryBrokerError extends ServiceUnavailableError {
  override readonly code: string = 'broker_unavailable';
  readonly host: string;
  readonly port: number;
  readonly vhost: string;

  constructor(
    message: string,
    readonly problem: BrokerProblem,
    address: BrokerAddress,
    readonly queue?: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.host = address.host;
    this.port = address.port;
    this.vhost = address.vhost;
  }
}

const textOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Turns a driver error met while connecting into a CeleryBrokerError that says what to check. */
export function connectError(address: BrokerAddress, error: unknown, queue?: string): CeleryBrokerError {
  const code = (error as { code?: unknown } | null)?.code;
  const text = scrub(textOf(error), address);
  const about = queue === undefined ? '' : ` for queue '${queue}'`;
  const where = whereBroker(address);
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || /ETIMEDOUT/.test(text)) {
    return new CeleryBrokerError(`Cannot reach the Celery ${where}${about}: ${text}`, 'unreachable', address, queue, error);
  }
  if (/ACCESS[-_]REFUSED|\b403\b/.test(text)) {
    return new CeleryBrokerError(`The Celery ${where} refused the login of user '${address.user}'${about}: check the user and password of broker_url`, 'access_refused', address, queue, error);
  }
  if (/ConnectionClose|NOT[-_]ALLOWED|\b530\b/.test(text)) {
    return new CeleryBrokerError(
      `The Celery ${where} refused to open vhost '${address.vhost}' for user '${address.user}'${about}: the vhost does not exist or the user has no access to it`,
      'vhost_refused',
      address,
      queue,
      error,
    );
  }
  return new CeleryBrokerError(`Cannot connect to the Celery ${where}${about}: ${text}`, 'broker_error', address, queue, error);
}

/** A failure of a broker operation on a queue (declare, publish, consume). */
export function queueError(address: BrokerAddress, queue: string, doing: string, error: unknown): CeleryBrokerError {
  if (error instanceof CeleryBrokerError) return error;
  const text = scrub(textOf(error), address);
  const problem = /PRECONDITION[-_]FAILED|\b406\b/.test(text) ? 'queue_mismatch' : 'broker_error';
  const hint = problem === 'queue_mismatch' ? ' (it exists with other settings; Celery declares a durable queue bound to a durable direct exchange of the same name)' : '';
  return new CeleryBrokerError(`Celery queue '${queue}' on ${whereBroker(address)}: ${doing} failed${hint}: ${text}`, problem, address, queue, error);
}
