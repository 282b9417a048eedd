/**
 * Publishing job tasks to one queue: once (an app's create or rerun learns at once that the
 * broker is away) or patiently (a running consumer's retry or next run, which has nobody to
 * report to, keeps trying with backoff while the broker comes back).
 */
import type * as amqp from 'amqplib';
import { CeleryBrokerError } from './errors';
import { encodeTask, type OutgoingTask } from './protocol';
import type { BrokerLink } from './link';

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2000;

export class TaskPublisher {
  constructor(
    private readonly link: BrokerLink,
    readonly queue: string,
  ) {}

  /** One attempt; rejects with a CeleryBrokerError naming the broker and the queue. */
  publish(task: OutgoingTask): Promise<void> {
    const { content, options } = encodeTask(this.queue, task);
    return this.link.publish(this.queue, content, options);
  }

  /** The same message again (a held task due later than the hold limit), unchanged. */
  republish(message: amqp.Message): Promise<void> {
    const { properties } = message;
    const options: amqp.Options.Publish = {
      headers: properties.headers,
      correlationId: properties.correlationId,
      replyTo: properties.replyTo,
      contentType: properties.contentType,
      contentEncoding: properties.contentEncoding,
      deliveryMode: properties.deliveryMode ?? 2,
      priority: properties.priority,
    };
    return this.link.publish(this.queue, message.content, options);
  }

  /** Tries until it worked or `patienceMs` passed; rejects with the last error then (or at once when the factory is closed). */
  async publishPatiently(task: OutgoingTask, patienceMs: number): Promise<void> {
    const deadline = Date.now() + patienceMs;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      try {
        return await this.publish(task);
      } catch (error) {
        const closed = error instanceof CeleryBrokerError && error.problem === 'closed';
        if (closed || Date.now() + backoff > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
