/**
 * The RabbitMQ queue of one job model: put and schedule publish the job id (main queue, or the
 * `:periodic:{N}s` TTL queue that dead-letters into it), pop takes one message with basic.get, and
 * start/stop run the consumer.
 */
import {
  ConfigurationError,
  type ConsumeOptions,
  type IMessageQueue,
  type Job,
  type QueueBinding,
  type QueueCapabilities,
  type Resource,
} from '@specstar/interfaces';
import type { Channel } from 'amqplib';
import { Consumer } from './consumer';
import { aboutQueue } from './errors';
import type { BrokerLink } from './link';
import { decodeBody, failureHeaders, retryCountOf } from './messages';
import { queueNames, type QueueNames } from './names';
import { describeError, type QueueSettings } from './options';
import { Sender } from './sender';
import type { Session } from './session';
import { Topology } from './topology';

export class RabbitMQMessageQueue<T = unknown> implements IMessageQueue {
  /** Delayed runs ride TTL queues; the broker hands each message to one consumer of any process. */
  readonly capabilities: QueueCapabilities = { pop: true, delayedDelivery: true, crossProcessClaim: true, crossProcessDelivery: true };
  readonly maxRetries: number;
  readonly names: QueueNames;
  private readonly topology: Topology;
  private readonly sender: Sender;
  private readonly consumer: Consumer<T>;
  private readonly popChannels = new WeakMap<Session, Promise<Channel>>();
  private closed = false;

  private readonly binding: QueueBinding<T>;

  constructor(
    binding: QueueBinding<T>,
    private readonly link: BrokerLink,
    private readonly settings: QueueSettings,
    private readonly onClose: (queue: RabbitMQMessageQueue<T>) => Promise<void>,
  ) {
    // Warnings about jobs and messages go where the connection's go when the caller chose a place.
    this.binding = settings.customWarn ? { ...binding, warn: settings.warn } : binding;
    this.maxRetries = settings.maxRetries;
    this.names = queueNames(settings.queuePrefix, binding.resourceName);
    this.topology = new Topology(this.names, settings.retryDelayMs, settings.endpoint);
    this.sender = new Sender(link, this.topology, settings);
    this.consumer = new Consumer(this.binding, link, this.topology, this.sender, settings);
  }

  /**
   * Publishes the id to the main queue (declaring main, dead and retry first on this connection).
   * When that fails the job is stored `failed` with the reason, so it can be rerun, and the
   * typed error is raised: no job is left `pending` without a message.
   */
  async put(resourceId: string): Promise<void> {
    await this.publishOrFail(resourceId, this.sender.main);
  }

  /** A run at `dueAt`: through `{main}:periodic:{N}s`, N the whole seconds until then (at once when due). */
  async schedule(resourceId: string, dueAt: Date): Promise<void> {
    const seconds = Math.ceil((dueAt.getTime() - Date.now()) / 1000);
    await this.publishOrFail(resourceId, seconds > 0 ? this.sender.delay(seconds) : this.sender.main);
  }

  private async publishOrFail(resourceId: string, target: Parameters<Sender['send']>[0]): Promise<void> {
    try {
      await this.sender.send(target, resourceId);
    } catch (error) {
      // A job this consumer runs is settled by its delivery (nack: it runs again); any other is marked.
      if (!this.consumer.isRunning(resourceId)) {
        const reason = `Not queued: ${describeError(error)}. Rerun the job once the broker is reachable.`;
        await this.binding.jobs.fail(resourceId, reason).catch((again: unknown) => this.binding.warn(`Job '${resourceId}' of '${this.binding.resourceName}': could not record that it was not queued`, again));
      }
      throw error;
    }
  }

  /** Takes the next message with basic.get and claims its job (acked once claimed); null when the queue is empty. */
  async pop(): Promise<Resource<Job> | null> {
    const started = Date.now();
    let channel: Channel;
    try {
      const session = await this.link.open(this.settings.waitForBrokerMs);
      await this.topology.ensure(session);
      channel = await this.popChannel(session);
    } catch (error) {
      throw aboutQueue(error, this.names.main, this.settings.endpoint, Date.now() - started);
    }
    for (;;) {
      const message = await channel.get(this.names.main, { noAck: false }).catch((error: unknown) => {
        throw aboutQueue(error, this.names.main, this.settings.endpoint, Date.now() - started);
      });
      if (message === false) return null;
      const body = decodeBody(message.content);
      const retryCount = retryCountOf(message.properties.headers);
      const claimed = 'id' in body ? await this.claimOrRequeue(channel, message, body.id) : null;
      if (claimed) {
        channel.ack(message);
        return claimed;
      }
      const reason = 'id' in body ? `Queue '${this.names.main}': job '${body.id}' does not exist in '${this.binding.resourceName}' (deleted or never created)` : `Queue '${this.names.main}': ${body.problem}`;
      this.binding.warn(`${reason}; moved to '${this.names.dead}'`);
      await this.sender.send(this.sender.dead, 'id' in body ? body.id : message.content, failureHeaders(retryCount, reason));
      channel.ack(message);
    }
  }

  private async claimOrRequeue(channel: Channel, message: Parameters<Channel['ack']>[0], id: string): Promise<Resource<Job<T>> | null> {
    try {
      return await this.binding.jobs.claim(id, { requirePending: false });
    } catch (error) {
      channel.nack(message, false, true);
      throw error;
    }
  }

  private popChannel(session: Session): Promise<Channel> {
    let channel = this.popChannels.get(session);
    if (!channel) {
      channel = session.channel();
      const held = channel;
      this.popChannels.set(session, held);
      held.then((open) => open.on('close', () => this.popChannels.get(session) === held && this.popChannels.delete(session))).catch(() => this.popChannels.delete(session));
    }
    return channel;
  }

  async start(options: ConsumeOptions = {}): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 65_535) {
      throw new ConfigurationError(`concurrency must be an integer from 1 to 65535, got ${String(concurrency)}`);
    }
    if (this.closed) throw new ConfigurationError(`Queue '${this.names.main}' is closed`);
    await this.consumer.start(concurrency);
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.consumer.stop();
    await this.onClose(this);
  }
}
