/**
 * The consuming side of one Celery queue, with Celery's worker rules:
 * - early acknowledgement: a task's message is acknowledged when the task starts, so a worker
 *   killed mid-task does not get it back (at-most-once; stale recovery fails the job);
 * - up to concurrency × prefetch multiplier messages are reserved beyond the running ones (Celery's
 *   worker_prefetch_multiplier, default 4); reserved but not started, a message stays
 *   unacknowledged and goes back to the queue when the consumer stops or dies;
 * - a message whose `eta` is later is held, unacknowledged, until it is due (a restart gets it
 *   back from the broker); the channel's prefetch grows by one per held message so held ones
 *   never take a running slot. One held longer than `etaHoldMs` is published again (confirmed)
 *   and then acknowledged, which keeps it inside the broker's `consumer_timeout`.
 * The channel's prefetch is channel-wide (`global`), the only kind RabbitMQ lets change under a
 * running consumer.
 */
import type * as amqp from 'amqplib';
import { decodeTask, type IncomingTask } from './protocol';
import type { BrokerLink } from './link';

export interface ConsumerHooks {
  /**
   * Runs a due task. `ack()` acknowledges its message and says whether that was possible (false:
   * the channel is gone and the broker will deliver it again); `requeue()` gives it back. Never rejects.
   */
  execute(task: IncomingTask, ack: () => boolean, requeue: () => void): Promise<void>;
  /** Publishes a held message again, unchanged, and resolves once the broker confirmed it. */
  republish(message: amqp.Message): Promise<void>;
  warn(message: string, error?: unknown): void;
}

interface Delivery {
  channel: amqp.Channel;
  message: amqp.Message;
  task: IncomingTask;
}

const RESUBSCRIBE_FIRST_MS = 200;
const RESUBSCRIBE_MAX_MS = 5000;
/** How long stop() waits for the broker to answer a cancel or a close (a dead socket never does). */
const BROKER_ANSWER_MS = 5000;

export class CeleryConsumer {
  private active = false;
  private concurrency = 1;
  /** Messages reserved (delivered, not started) beyond the running ones: concurrency × prefetch multiplier. */
  private reserve = 1;
  private channel: amqp.Channel | undefined;
  private consumerTag: string | undefined;
  private readonly held = new Map<amqp.Message, { delivery: Delivery; timer: NodeJS.Timeout }>();
  private readonly ready: Delivery[] = [];
  private readonly running = new Set<Promise<void>>();
  private resubscribing: Promise<void> | undefined;
  private wakeResubscribe: (() => void) | undefined;
  private prefetch = { sent: 0, sending: false };

  constructor(
    private readonly link: BrokerLink,
    private readonly queue: string,
    private readonly etaHoldMs: number,
    private readonly prefetchMultiplier: number,
    private readonly hooks: ConsumerHooks,
  ) {}

  /** Subscribes; rejects (and stays stopped) when the broker cannot be reached or refuses. */
  async start(concurrency: number): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.concurrency = concurrency;
    this.reserve = concurrency * this.prefetchMultiplier;
    try {
      await this.subscribe();
    } catch (error) {
      this.active = false;
      throw error;
    }
  }

  private async subscribe(): Promise<void> {
    await this.link.declare(this.queue);
    const channel = await this.link.channel(this.queue);
    // Deliveries can arrive before consume() resolves: the channel is current from here on.
    this.channel = channel;
    this.prefetch = { sent: this.reserve, sending: false };
    channel.on('close', () => this.channelClosed(channel));
    try {
      await channel.prefetch(this.reserve, true);
      const { consumerTag } = await channel.consume(this.queue, (message) => this.receive(channel, message), { noAck: false });
      this.consumerTag = consumerTag;
    } catch (error) {
      await this.drop(channel);
      throw error;
    }
    if (!this.active) await this.drop(channel);
  }

  /** Closes a channel this consumer no longer wants, without treating it as a loss. */
  private async drop(channel: amqp.Channel): Promise<void> {
    if (channel === this.channel) {
      this.channel = undefined;
      this.consumerTag = undefined;
    }
    await bounded(channel.close());
  }

  private receive(channel: amqp.Channel, message: amqp.ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (the queue was deleted): subscribe again, which declares it.
      this.link.forgetDeclared(this.queue);
      if (channel === this.channel) void channel.close().catch(() => undefined);
      return;
    }
    if (channel !== this.channel || !this.active) {
      give(channel, message);
      return;
    }
    const decoded = decodeTask(this.queue, message);
    if (decoded.kind === 'invalid') {
      this.hooks.warn(`Celery queue '${this.queue}': dropped a message that is not a SpecStar job task (${decoded.reason})`);
      settle(() => channel.reject(message, false));
      return;
    }
    if (decoded.kind === 'stop') {
      settle(() => channel.ack(message));
      return;
    }
    const { task } = decoded;
    const now = Date.now();
    if (task.expires !== null && task.expires.getTime() <= now) {
      this.hooks.warn(`Celery queue '${this.queue}': task ${task.taskId} for job '${task.jobId}' expired at ${task.expires.toISOString()}; not run`);
      settle(() => channel.ack(message));
      return;
    }
    const delivery = { channel, message, task };
    if (task.eta !== null && task.eta.getTime() > now) {
      this.hold(delivery, task.eta.getTime() - now);
      return;
    }
    this.ready.push(delivery);
    this.pump();
  }

  private hold(delivery: Delivery, waitMs: number): void {
    const tooFar = waitMs > this.etaHoldMs;
    const timer = setTimeout(() => (tooFar ? void this.holdAgain(delivery) : this.release(delivery)), tooFar ? this.etaHoldMs : waitMs);
    timer.unref();
    this.held.set(delivery.message, { delivery, timer });
    this.adjustPrefetch();
  }

  private release(delivery: Delivery): void {
    const entry = this.held.get(delivery.message);
    if (!entry) return;
    // Timers run on the loop's clock, which may trail the wall clock the eta was written in.
    const early = (delivery.task.eta?.getTime() ?? 0) - Date.now();
    if (early > 0) {
      entry.timer = setTimeout(() => this.release(delivery), early + 1);
      entry.timer.unref();
      return;
    }
    this.held.delete(delivery.message);
    this.ready.push(delivery);
    this.adjustPrefetch();
    this.pump();
  }

  /** A message due later than the hold limit: publish it again, then acknowledge this copy. */
  private async holdAgain(delivery: Delivery): Promise<void> {
    if (!this.held.has(delivery.message)) return;
    try {
      await this.hooks.republish(delivery.message);
      if (this.held.delete(delivery.message)) settle(() => delivery.channel.ack(delivery.message));
    } catch (error) {
      this.hooks.warn(`Celery queue '${this.queue}': could not publish again the task for job '${delivery.task.jobId}' due ${delivery.task.eta?.toISOString()}; it goes back to the queue`, error);
      if (this.held.delete(delivery.message)) give(delivery.channel, delivery.message);
    }
    this.adjustPrefetch();
  }

  /** Keeps the channel's prefetch at the reserve + held messages; one update in flight at a time. */
  private adjustPrefetch(): void {
    const channel = this.channel;
    const wanted = this.reserve + this.held.size;
    if (!channel || this.prefetch.sending || wanted === this.prefetch.sent) return;
    const state = this.prefetch;
    state.sending = true;
    state.sent = wanted;
    channel
      .prefetch(wanted, true)
      .catch(() => undefined) // a closed channel: the next subscribe sets it afresh
      .finally(() => {
        state.sending = false;
        if (state === this.prefetch) this.adjustPrefetch();
      });
  }

  private pump(): void {
    while (this.active && this.running.size < this.concurrency && this.ready.length > 0) {
      const delivery = this.ready.shift()!;
      if (delivery.channel !== this.channel) continue; // its channel died: the broker has it again
      const { channel, message } = delivery;
      const ack = (): boolean => channel === this.channel && settle(() => channel.ack(message));
      const requeue = (): void => give(channel, message);
      const run: Promise<void> = this.hooks
        .execute(delivery.task, ack, requeue)
        .catch((error: unknown) => this.hooks.warn(`Celery queue '${this.queue}': running job '${delivery.task.jobId}' failed`, error))
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  private channelClosed(channel: amqp.Channel): void {
    if (channel !== this.channel) return;
    this.channel = undefined;
    this.consumerTag = undefined;
    // Unacknowledged messages went back to the queue with the channel.
    for (const { timer } of this.held.values()) clearTimeout(timer);
    this.held.clear();
    this.ready.length = 0;
    if (!this.active || this.link.isClosed) return;
    this.hooks.warn(`Celery queue '${this.queue}': lost its channel to ${this.link.broker.redacted}; subscribing again (held and reserved tasks went back to the queue)`);
    this.resubscribe();
  }

  /** Subscribes again with backoff until it works or the consumer stops. */
  private resubscribe(): void {
    if (this.resubscribing) return;
    this.resubscribing = (async () => {
      let delay = RESUBSCRIBE_FIRST_MS;
      let warned = false;
      while (this.active) {
        try {
          await this.subscribe();
          this.hooks.warn(`Celery queue '${this.queue}': consuming again from ${this.link.broker.redacted}`);
          return;
        } catch (error) {
          if (this.link.isClosed) return; // the factory was closed: nothing to come back to
          if (!warned) this.hooks.warn(`Celery queue '${this.queue}': cannot subscribe yet, trying again until the broker answers`, error);
          warned = true;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, delay);
            this.wakeResubscribe = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wakeResubscribe = undefined;
          delay = Math.min(delay * 2, RESUBSCRIBE_MAX_MS);
        }
      }
    })().finally(() => (this.resubscribing = undefined));
  }

  /** Stops receiving, gives back held and reserved messages, and waits for running tasks. Idempotent. */
  async stop(): Promise<void> {
    this.active = false;
    this.wakeResubscribe?.();
    await this.resubscribing;
    const channel = this.channel;
    if (channel && this.consumerTag !== undefined) await bounded(channel.cancel(this.consumerTag));
    for (const { delivery, timer } of this.held.values()) {
      clearTimeout(timer);
      give(delivery.channel, delivery.message);
    }
    this.held.clear();
    for (const delivery of this.ready.splice(0)) give(delivery.channel, delivery.message);
    while (this.running.size > 0) await Promise.all(this.running);
    // Tasks acknowledge on this channel when they start, so it closes after them.
    if (channel && channel === this.channel) {
      this.channel = undefined;
      this.consumerTag = undefined;
      await bounded(channel.close());
    }
  }
}

/** Waits for a broker round trip, at most BROKER_ANSWER_MS; its failure does not matter here. */
async function bounded(operation: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([operation.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, BROKER_ANSWER_MS)))]);
  clearTimeout(timer);
}

/** Runs an ack/nack on a channel that may be closed; false when it was. */
function settle(action: () => void): boolean {
  try {
    action();
    return true;
  } catch {
    return false;
  }
}

/** Gives a message back to the queue (a closed channel has already done so). */
function give(channel: amqp.Channel, message: amqp.Message): void {
  settle(() => channel.nack(message, false, true));
}
