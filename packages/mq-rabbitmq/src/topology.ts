/**
 * The queues of one job model, declared once per connection: main, `:dead` and `:retry` together
 * (on start() or the first publish, whichever comes first), each `:periodic:{N}s` queue on its
 * first use. A queue that exists with other arguments is a QueueArgumentMismatchError naming it.
 */
import { mismatchOf } from './errors';
import type { AmqpEndpoint } from './endpoint';
import { ttlQueueArguments, type QueueArguments, type QueueNames } from './names';
import type { Session } from './session';

export class Topology {
  private readonly base = new WeakMap<Session, Promise<void>>();
  private readonly delays = new WeakMap<Session, Map<number, Promise<string>>>();

  constructor(
    readonly names: QueueNames,
    private readonly retryDelayMs: number,
    private readonly endpoint: AmqpEndpoint,
  ) {}

  private declareQueue(session: Session, queue: string, args?: QueueArguments): Promise<void> {
    return session.declare(async (channel) => {
      try {
        await channel.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false, ...(args && { arguments: args }) });
      } catch (error) {
        throw mismatchOf(error, this.endpoint.where) ?? error;
      }
    });
  }

  /** Main, dead and retry, in the order Python declares them; once per connection. */
  ensure(session: Session): Promise<void> {
    let declared = this.base.get(session);
    if (!declared) {
      const { main, dead, retry } = this.names;
      declared = (async () => {
        await this.declareQueue(session, main);
        await this.declareQueue(session, dead);
        await this.declareQueue(session, retry, ttlQueueArguments(main, this.retryDelayMs));
      })();
      this.base.set(session, declared);
      // A failure is not remembered: the next use declares again (and reports again).
      declared.catch(() => this.base.delete(session));
    }
    return declared;
  }

  /** The `:periodic:{N}s` queue for a delay of `seconds`, declared on first use. */
  ensureDelay(session: Session, seconds: number): Promise<string> {
    let known = this.delays.get(session);
    if (!known) {
      known = new Map();
      this.delays.set(session, known);
    }
    let declared = known.get(seconds);
    if (!declared) {
      const queue = this.names.periodic(seconds);
      declared = this.declareQueue(session, queue, ttlQueueArguments(this.names.main, seconds * 1000)).then(() => queue);
      known.set(seconds, declared);
      declared.catch(() => known.delete(seconds));
    }
    return declared;
  }

  /** A publish found a queue missing (deleted meanwhile): declare again on next use. */
  forget(session: Session, queue: string): void {
    const { main, dead, retry } = this.names;
    if (queue === main || queue === dead || queue === retry) this.base.delete(session);
    const delays = this.delays.get(session);
    for (const seconds of delays?.keys() ?? []) {
      if (this.names.periodic(seconds) === queue) delays?.delete(seconds);
    }
  }
}
