/**
 * One AMQP connection per factory, opened on first use (so an app starts without the broker)
 * and opened again after it drops. Publishes go through one confirm channel: a publish resolves
 * once the broker has taken the message. Each queue is declared the way Celery (kombu) declares
 * it, once per connection: a durable direct exchange named after the queue, the durable queue
 * without arguments, and a binding with the queue name as routing key.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import * as amqp from 'amqplib';
import { CeleryBrokerError, connectError, queueError } from './errors';
import type { BrokerAddress } from './broker-url';

export interface LinkSettings {
  broker: BrokerAddress;
  connectTimeoutMs: number;
}

/** Emits `lost` (error) when an open connection drops; consumers subscribe again. */
export class BrokerLink extends EventEmitter {
  private model: amqp.ChannelModel | undefined;
  private opening: Promise<amqp.ChannelModel> | undefined;
  private publisher: Promise<amqp.ConfirmChannel> | undefined;
  /** Message ids the broker returned as unroutable (the queue is gone), seen before their confirm. */
  private readonly returned = new Set<string>();
  private readonly declared = new Map<string, Promise<void>>();
  private closed = false;
  private users = 0;
  /** Why the broker blocks publishers (a resource alarm), while it does. */
  private blockedBecause: string | undefined;

  constructor(readonly settings: LinkSettings) {
    super();
  }

  get broker(): BrokerAddress {
    return this.settings.broker;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A queue that uses the link; the connection closes when the last one lets go. */
  acquire(): void {
    this.users++;
  }

  async release(): Promise<void> {
    this.users = Math.max(0, this.users - 1);
    if (this.users === 0) await this.disconnect();
  }

  /** The open connection, or one attempt to open it (shared by concurrent callers). */
  connection(queue?: string): Promise<amqp.ChannelModel> {
    if (this.closed) return Promise.reject(new CeleryBrokerError(`The Celery queue factory for ${this.broker.redacted} is closed`, 'closed', this.broker, queue));
    if (this.model) return Promise.resolve(this.model);
    this.opening ??= this.open(queue).finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async open(queue?: string): Promise<amqp.ChannelModel> {
    let model: amqp.ChannelModel;
    try {
      model = await amqp.connect(this.broker.url, {
        timeout: this.settings.connectTimeoutMs,
        // Small frames (a publish, an ack) go out at once; with Nagle each waits ~40 ms for the peer's delayed ACK.
        noDelay: true,
        clientProperties: { connection_name: `specstar mq-celery pid ${process.pid}` },
      });
    } catch (error) {
      throw connectError(this.broker, error, queue);
    }
    // Without a listener an 'error' event would be thrown; 'close' says what matters.
    model.on('error', () => undefined);
    model.on('blocked', (reason: string) => (this.blockedBecause = reason));
    model.on('unblocked', () => (this.blockedBecause = undefined));
    model.on('close', (error?: Error) => {
      if (this.model !== model) return;
      this.forget();
      if (!this.closed) this.emit('lost', error ?? new Error('connection closed'));
    });
    if (this.closed) {
      await model.close().catch(() => undefined);
      throw new CeleryBrokerError(`The Celery queue factory for ${this.broker.redacted} is closed`, 'closed', this.broker, queue);
    }
    this.model = model;
    return model;
  }

  private forget(): void {
    this.blockedBecause = undefined;
    this.model = undefined;
    this.publisher = undefined;
    this.declared.clear();
  }

  /** A new channel on the connection, its errors observed (they arrive as 'close' too). */
  async channel(queue: string): Promise<amqp.Channel> {
    const model = await this.connection(queue);
    try {
      const channel = await model.createChannel();
      channel.on('error', () => undefined);
      return channel;
    } catch (error) {
      throw queueError(this.broker, queue, 'opening a channel', error);
    }
  }

  /** The queue was deleted under us: declare it again on next use. */
  forgetDeclared(queue: string): void {
    this.declared.delete(queue);
  }

  /** Declares `queue` as Celery does, once per connection; a mismatch is a CeleryBrokerError naming the queue. */
  declare(queue: string): Promise<void> {
    let done = this.declared.get(queue);
    if (!done) {
      done = this.declareNow(queue);
      this.declared.set(queue, done);
      done.catch(() => this.declared.delete(queue));
    }
    return done;
  }

  private async declareNow(queue: string): Promise<void> {
    // A throw-away channel: a refused declaration closes the channel it was made on.
    const channel = await this.channel(queue);
    try {
      await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
      await channel.assertQueue(queue, { durable: true, exclusive: false, autoDelete: false });
      await channel.bindQueue(queue, queue, queue);
    } catch (error) {
      throw queueError(this.broker, queue, 'declaring the queue', error);
    } finally {
      await channel.close().catch(() => undefined);
    }
  }

  private confirmChannel(queue: string): Promise<amqp.ConfirmChannel> {
    this.publisher ??= (async () => {
      const model = await this.connection(queue);
      const channel = await model.createConfirmChannel();
      channel.on('error', () => undefined);
      channel.on('return', (message: amqp.Message) => {
        if (typeof message.properties.messageId === 'string') this.returned.add(message.properties.messageId);
      });
      channel.on('close', () => {
        if (this.model === model) this.publisher = undefined;
      });
      return channel;
    })().catch((error: unknown) => {
      this.publisher = undefined;
      throw queueError(this.broker, queue, 'opening the publish channel', error);
    });
    return this.publisher;
  }

  /**
   * Publishes to `queue` the way Celery 5 does (default exchange, routing key = queue name) and
   * resolves once the broker confirmed it. Mandatory: a queue deleted meanwhile is declared again
   * and the message sent once more, never dropped unseen. The caller decides about other failures.
   */
  async publish(queue: string, content: Buffer, options: amqp.Options.Publish): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      await this.declare(queue);
      const channel = await this.confirmChannel(queue);
      const messageId = randomUUID();
      let timer: NodeJS.Timeout | undefined;
      try {
        await new Promise<void>((resolve, reject) => {
          // A broker that blocks publishers (a resource alarm) or a dead socket never confirms.
          timer = setTimeout(() => reject(new Error(this.unconfirmedReason())), this.settings.connectTimeoutMs);
          channel.publish('', queue, content, { ...options, messageId, mandatory: true }, (error: unknown) =>
            error ? reject(error instanceof Error ? error : new Error(`the broker refused it: ${JSON.stringify(error)}`)) : resolve(),
          );
        });
      } catch (error) {
        // A connection that had just dropped: one more try opens a new one.
        if (attempt < 2 && /closed/i.test(error instanceof Error ? error.message : '')) {
          await this.forgetChannel(channel);
          continue;
        }
        throw queueError(this.broker, queue, 'publishing a task', error);
      } finally {
        clearTimeout(timer);
      }
      // The broker returns an unroutable message before it confirms it.
      if (!this.returned.delete(messageId)) return;
      this.forgetDeclared(queue);
      if (attempt >= 2) throw queueError(this.broker, queue, 'publishing a task', new Error('the broker returned it as unroutable twice (the queue keeps disappearing)'));
    }
  }

  /** A publish channel that failed: the next publish opens another, on a new connection if this one went down meanwhile. */
  private async forgetChannel(channel: amqp.ConfirmChannel): Promise<void> {
    if ((await this.publisher?.catch(() => undefined)) === channel) this.publisher = undefined;
    // The connection's own close event, when it died, comes right after the channel's.
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private unconfirmedReason(): string {
    const seconds = this.settings.connectTimeoutMs / 1000;
    const blocked = this.blockedBecause === undefined ? '' : ` (the broker blocks publishers: ${this.blockedBecause})`;
    return `the broker did not confirm it within ${seconds} s${blocked}`;
  }

  private async disconnect(): Promise<void> {
    const model = this.model;
    this.forget();
    if (model) await model.close().catch(() => undefined);
  }

  /** Closes the connection; the link is not used afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    await this.opening?.catch(() => undefined);
    await this.disconnect();
  }
}
