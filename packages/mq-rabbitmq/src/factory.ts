/**
 * `new RabbitMQMessageQueueFactory(options)`: builds the queue of each job model, all on one
 * connection. Building needs no broker; the connection opens on first use and closes when the last
 * queue closes (it opens again if another queue is used), or for good with close().
 */
import type { IMessageQueue, IMessageQueueFactory, QueueBinding } from '@specstar/interfaces';
import { BrokerLink } from './link';
import { resolveOptions, type QueueSettings, type RabbitMQQueueOptions } from './options';
import { RabbitMQMessageQueue } from './queue';

export class RabbitMQMessageQueueFactory implements IMessageQueueFactory {
  readonly settings: QueueSettings;
  private readonly link: BrokerLink;
  private readonly open = new Set<{ close(): Promise<void> }>();

  constructor(options: RabbitMQQueueOptions = {}) {
    this.settings = resolveOptions(options);
    this.link = new BrokerLink(this.settings);
  }

  get amqpUrl(): string {
    return this.settings.endpoint.redacted;
  }

  get queuePrefix(): string {
    return this.settings.queuePrefix;
  }

  get maxRetries(): number {
    return this.settings.maxRetries;
  }

  get retryDelaySeconds(): number {
    return this.settings.retryDelayMs / 1000;
  }

  get amqpHeartbeatSeconds(): number {
    return this.settings.heartbeatSeconds;
  }

  build<T = unknown>(binding: QueueBinding<T>): IMessageQueue {
    const queue = new RabbitMQMessageQueue<T>(binding, this.link, this.settings, (closed) => this.closed(closed));
    this.open.add(queue);
    return queue;
  }

  private async closed(queue: { close(): Promise<void> }): Promise<void> {
    this.open.delete(queue);
    if (this.open.size === 0) await this.link.disconnect();
  }

  /** Stops every queue's consumer and closes the connection for good. */
  async close(): Promise<void> {
    await Promise.all([...this.open].map((queue) => queue.close()));
    await this.link.close();
  }
}
