/**
 * Publishing a job id: on the factory's connection, after the target queue is declared, and done
 * only when the broker confirms a queue holds it. While the broker is away it waits (across a
 * reconnection) up to `waitForBrokerSeconds`, then fails with a typed error naming the queue.
 */
import { aboutQueue } from './errors';
import type { BrokerLink } from './link';
import { encodeBody, type Headers } from './messages';
import type { QueueSettings } from './options';
import { UnroutableError, type Session } from './session';
import type { Topology } from './topology';

/** A confirm may take this long even when the caller allows no wait for a broker that is away. */
const MIN_CONFIRM_MS = 5000;
/** Pause between attempts after a publish failed on a connection that still looked open. */
const RETRY_PAUSE_MS = 100;

/** Which queue a publish goes to, declared on the session it is sent on. */
export type Target = (session: Session) => Promise<string>;

export class Sender {
  constructor(
    private readonly link: BrokerLink,
    private readonly topology: Topology,
    private readonly settings: QueueSettings,
  ) {}

  /** The main queue. */
  readonly main: Target = (session) => this.topology.ensure(session).then(() => this.topology.names.main);
  /** The retry queue (declared with main and dead). */
  readonly retry: Target = (session) => this.topology.ensure(session).then(() => this.topology.names.retry);
  /** The dead queue. */
  readonly dead: Target = (session) => this.topology.ensure(session).then(() => this.topology.names.dead);
  /** The delay queue of `seconds` (after the base queues, which it dead-letters into). */
  delay(seconds: number): Target {
    return (session) => this.topology.ensure(session).then(() => this.topology.ensureDelay(session, seconds));
  }

  /** Publishes a job id (or, for a message kept in `:dead`, the bytes it came with). */
  async send(target: Target, body: string | Buffer, headers?: Headers): Promise<void> {
    const content = typeof body === 'string' ? encodeBody(body) : body;
    const started = Date.now();
    const deadline = started + this.settings.waitForBrokerMs;
    let unroutable = 0;
    for (;;) {
      let queue = this.topology.names.main;
      try {
        const session = await this.link.open(Math.max(0, deadline - Date.now()));
        queue = await target(session);
        try {
          await session.publish(queue, content, headers, Math.max(MIN_CONFIRM_MS, deadline - Date.now()));
          return;
        } catch (error) {
          // The queue vanished since it was declared on this connection: declare it again, once or twice.
          if (error instanceof UnroutableError && unroutable++ < 2) {
            this.topology.forget(session, queue);
            continue;
          }
          throw error;
        }
      } catch (error) {
        const retryable = !(error instanceof UnroutableError) && this.link.problem === undefined && Date.now() + RETRY_PAUSE_MS < deadline && isTransient(error);
        if (!retryable) throw aboutQueue(error, queue, this.settings.endpoint, Date.now() - started);
        await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
      }
    }
  }
}

/** Errors of a connection or channel going away mid-publish (the next attempt may succeed). */
function isTransient(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return /closed|ECONNRESET|EPIPE|confirm/i.test(error.message) && !/PRECONDITION|ACCESS|NOT_ALLOWED/.test(error.message);
}
