/**
 * One open AMQP connection and the channels every queue of a factory shares on it: a confirm
 * channel for publishes, and a channel for declarations that a refused declare (406) may close
 * without harming anything else. A new connection is a new Session.
 */
import { inspect } from 'node:util';
import type { Channel, ChannelModel, ConfirmChannel, Message } from 'amqplib';
import type { Headers } from './messages';

/** A publish the broker returned: no queue by that name (someone deleted it meanwhile). */
export class UnroutableError extends Error {
  constructor(readonly queue: string) {
    super(`no queue '${queue}' on the broker`);
  }
}

/** The broker did not confirm in time (blocked by a resource alarm, or the link is dying). */
export class ConfirmTimeoutError extends Error {}

/** Publishes on a confirm channel with `mandatory`, so a message is only "sent" once a queue holds it. */
class Publisher {
  /** Publishes awaiting their confirm, per routing key and body, oldest first (returns come in order). */
  private readonly waiting = new Map<string, Array<{ returned: boolean }>>();

  constructor(readonly channel: ConfirmChannel) {
    channel.on('return', (message: Message) => {
      const entries = this.waiting.get(Publisher.key(message.fields.routingKey, message.content));
      const entry = entries?.find((candidate) => !candidate.returned);
      if (entry) entry.returned = true;
    });
  }

  private static key(queue: string, body: Buffer): string {
    return `${queue}\u0000${body.toString('latin1')}`;
  }

  publish(queue: string, body: Buffer, headers: Headers | undefined, timeoutMs: number): Promise<void> {
    const key = Publisher.key(queue, body);
    const entry = { returned: false };
    const entries = this.waiting.get(key) ?? [];
    entries.push(entry);
    this.waiting.set(key, entries);
    const forget = (): void => {
      const at = entries.indexOf(entry);
      if (at >= 0) entries.splice(at, 1);
      if (entries.length === 0 && this.waiting.get(key) === entries) this.waiting.delete(key);
    };
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const settle = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        forget();
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(() => settle(new ConfirmTimeoutError(`the broker did not confirm the message within ${(timeoutMs / 1000).toFixed(1)} s`)), Math.max(timeoutMs, 1));
      try {
        // Persistent, to the default exchange, no content type; headers only on retry and dead publishes.
        this.channel.sendToQueue(queue, body, { persistent: true, mandatory: true, ...(headers && { headers }) }, (error: unknown) => {
          if (error) settle(error instanceof Error ? error : new Error(inspect(error)));
          else if (entry.returned) settle(new UnroutableError(queue));
          else settle();
        });
      } catch (error) {
        settle(error instanceof Error ? error : new Error(inspect(error)));
      }
    });
  }
}

/** Swallows a channel's `error` event: amqplib re-throws it when nobody listens, which kills the connection. */
function guard<C extends Channel>(channel: C): C {
  channel.on('error', () => undefined);
  return channel;
}

export class Session {
  private closed = false;
  private publisherChannel: Promise<Publisher> | undefined;
  private declareChannel: Promise<Channel> | undefined;
  /** Declarations run one at a time, so a refused one cannot close the channel under another. */
  private declaring: Promise<unknown> = Promise.resolve();
  private readonly closeListeners = new Set<() => void>();

  constructor(
    readonly model: ChannelModel,
    readonly generation: number,
  ) {
    model.on('close', () => this.markClosed());
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  private markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const listener of this.closeListeners) listener();
    this.closeListeners.clear();
  }

  /** Called once when the connection closes (at once when it already has). */
  onClose(listener: () => void): () => void {
    if (this.closed) {
      listener();
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** A new channel of this connection (consumers and pop use their own). */
  async channel(): Promise<Channel> {
    return guard(await this.model.createChannel());
  }

  /** The channel-backed thing held in `slot`, or a new one that leaves the slot when its channel closes. */
  private reusable<T>(slot: { get(): Promise<T> | undefined; set(value: Promise<T> | undefined): void }, open: () => Promise<T>, channelOf: (value: T) => Channel): Promise<T> {
    const current = slot.get();
    if (current) return current;
    const next: Promise<T> = open().then((value) => {
      channelOf(value).on('close', () => {
        if (slot.get() === next) slot.set(undefined);
      });
      return value;
    });
    next.catch(() => {
      if (slot.get() === next) slot.set(undefined);
    });
    slot.set(next);
    return next;
  }

  publish(queue: string, body: Buffer, headers: Headers | undefined, timeoutMs: number): Promise<void> {
    const publisher = this.reusable(
      { get: () => this.publisherChannel, set: (value) => void (this.publisherChannel = value) },
      async () => new Publisher(guard(await this.model.createConfirmChannel())),
      (ready) => ready.channel,
    );
    return publisher.then((ready) => ready.publish(queue, body, headers, timeoutMs));
  }

  /** Runs a declaration on the shared declare channel, after the ones before it. */
  declare<T>(operation: (channel: Channel) => Promise<T>): Promise<T> {
    const run = this.declaring.then(async () => {
      const channel = await this.reusable({ get: () => this.declareChannel, set: (value) => void (this.declareChannel = value) }, () => this.channel(), (same) => same);
      return operation(channel);
    });
    this.declaring = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.model.close();
    } catch {
      // Already closing or closed by the broker: nothing left to release.
    }
    this.markClosed();
  }
}
