import type { IMessageQueue, IMessageQueueFactory, QueueBinding } from '@specstar/interfaces';
import { BrokerLink } from './link';
import { queueNameFor, resolveSettings, type CeleryQueueOptions, type CelerySettings } from './options';
import { CeleryMessageQueue } from './queue';

/**
 * Builds Celery queues: `new CeleryMessageQueueFactory({ brokerUrl, queuePrefix, maxRetries,
 * retryDelaySeconds })`. Every job model it serves shares one AMQP connection, opened on first
 * use; options are checked here, so a bad one fails at startup.
 */
export class CeleryMessageQueueFactory implements IMessageQueueFactory {
  readonly settings: CelerySettings;
  private readonly link: BrokerLink;

  constructor(options: CeleryQueueOptions = {}) {
    this.settings = resolveSettings(options);
    this.link = new BrokerLink({ broker: this.settings.broker, connectTimeoutMs: this.settings.connectTimeoutMs });
  }

  get maxRetries(): number {
    return this.settings.maxRetries;
  }

  /** The queue (and exchange) name of a job model: `{queuePrefix}{resourceName}`. */
  queueName(resourceName: string): string {
    return queueNameFor(this.settings, resourceName);
  }

  build<T = unknown>(binding: QueueBinding<T>): IMessageQueue {
    return new CeleryMessageQueue(binding, this.settings, this.link);
  }

  /** Closes the shared connection; queues built by this factory cannot publish afterwards. */
  close(): Promise<void> {
    return this.link.close();
  }
}
