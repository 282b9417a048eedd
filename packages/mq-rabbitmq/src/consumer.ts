/**
 * The consumer of one job model's main queue. Each delivery is claimed in storage, run by core to
 * its persisted outcome, followed up (a retry to `:retry`, a final failure to `:dead`) and only
 * then acknowledged: at-least-once. It re-attaches by itself after a lost channel or connection.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import { ConfigurationError, type QueueBinding } from '@specstar/interfaces';
import { aboutQueue } from './errors';
import type { BrokerLink } from './link';
import { decodeBody, failureHeaders, retryCountOf } from './messages';
import { describeError, type QueueSettings } from './options';
import type { Sender } from './sender';
import type { Session } from './session';
import type { Topology } from './topology';

/** How long an id whose ack was lost with its channel is remembered, to ack its redelivery unrun. */
const SETTLED_MEMORY_MS = 30 * 60_000;
const REATTACH_PAUSE_MS = 1000;
const REQUEUE_PAUSE_MS = 1000;

interface Attachment {
  session: Session;
  channel: Channel;
  tag: string;
}

export class Consumer<T> {
  private concurrency: number | undefined;
  private current: Attachment | undefined;
  private attaching: { session: Session; done: Promise<void> } | undefined;
  private unsubscribe: (() => void) | undefined;
  private reattachTimer: NodeJS.Timeout | undefined;
  /** Runs of this process by job id: a second delivery of a running job waits for it instead of running it again. */
  private readonly running = new Map<string, Promise<void>>();
  private readonly deliveries = new Set<Promise<void>>();
  /** Jobs whose outcome is stored and followed up but whose ack died with its channel. */
  private readonly settled = new Map<string, number>();

  constructor(
    private readonly binding: QueueBinding<T>,
    private readonly link: BrokerLink,
    private readonly topology: Topology,
    private readonly sender: Sender,
    private readonly settings: QueueSettings,
  ) {}

  private get queue(): string {
    return this.topology.names.main;
  }

  isRunning(resourceId: string): boolean {
    return this.running.has(resourceId);
  }

  /** Declares the queues and consumes; rejects (and undoes itself) when the broker stays away or refuses. */
  async start(concurrency: number): Promise<void> {
    if (this.concurrency !== undefined) return;
    this.concurrency = concurrency;
    this.link.hold();
    // Reconnections re-attach; the connection start() waits for is attached by start() itself.
    let starting = true;
    this.unsubscribe = this.link.onConnect((session) => {
      if (!starting) this.attachLater(session, 0);
    });
    const started = Date.now();
    try {
      await this.attach(await this.link.open(this.settings.waitForBrokerMs));
    } catch (error) {
      await this.stop();
      throw aboutQueue(error, this.queue, this.settings.endpoint, Date.now() - started);
    } finally {
      starting = false;
    }
  }

  private attach(session: Session): Promise<void> {
    if (this.concurrency === undefined || !session.isOpen) return Promise.resolve();
    if (this.current?.session === session) return Promise.resolve();
    if (this.attaching?.session === session) return this.attaching.done;
    const concurrency = this.concurrency;
    const done = (async () => {
      await this.topology.ensure(session);
      const channel = await session.channel();
      await channel.prefetch(concurrency);
      let closedBecause: string | undefined;
      channel.on('error', (error: Error) => (closedBecause = error.message));
      channel.on('close', () => this.channelClosed(channel, session, closedBecause));
      const { consumerTag } = await channel.consume(this.queue, (message) => this.onMessage(channel, message), { noAck: false });
      if (this.concurrency === undefined) {
        await channel.close().catch(() => undefined);
        return;
      }
      this.current = { session, channel, tag: consumerTag };
    })();
    const attempt = { session, done };
    this.attaching = attempt;
    void done.finally(() => {
      if (this.attaching === attempt) this.attaching = undefined;
    }).catch(() => undefined);
    return done;
  }

  /** Attaches in the background, trying again while the connection lives (a refused declare is reported each time). */
  private attachLater(session: Session, pauseMs: number): void {
    clearTimeout(this.reattachTimer);
    this.reattachTimer = setTimeout(() => {
      this.reattachTimer = undefined;
      this.attach(session).catch((error: unknown) => {
        this.binding.warn(`Queue '${this.queue}': could not resume consuming`, aboutQueue(error, this.queue, this.settings.endpoint, 0));
        if (session.isOpen && this.concurrency !== undefined) this.attachLater(session, Math.max(REATTACH_PAUSE_MS, pauseMs * 2));
      });
    }, pauseMs);
  }

  private channelClosed(channel: Channel, session: Session, because: string | undefined): void {
    if (this.current?.channel !== channel) return;
    this.current = undefined;
    if (this.concurrency === undefined) return;
    // amqplib closes the channels of a lost connection just before the connection itself: look
    // once that has been seen. A lost connection is the link's (it reconnects and calls attach);
    // when the connection lives on, the broker closed only this channel (e.g. its
    // consumer_timeout): consume again on it.
    setImmediate(() => {
      if (!session.isOpen || this.concurrency === undefined) return;
      const timedOut = because !== undefined && /acknowledgement .*timed out/i.test(because);
      const why = timedOut ? ' because a job ran longer than its consumer_timeout (the job goes on; its redelivery is acknowledged once it ends)' : because ? ` (${because})` : '';
      this.binding.warn(`Queue '${this.queue}': the broker closed the consumer channel${why}; consuming again`);
      this.attachLater(session, REATTACH_PAUSE_MS);
    });
  }

  private onMessage(channel: Channel, message: ConsumeMessage | null): void {
    if (message === null) {
      // The broker cancelled the consumer (its queue was deleted): declare and consume again.
      this.binding.warn(`Queue '${this.queue}': the broker cancelled the consumer (queue deleted?); declaring it again`);
      const session = this.current?.session;
      if (session) this.topology.forget(session, this.queue);
      void channel.close().catch(() => undefined);
      return;
    }
    if (this.concurrency === undefined) {
      // Arrived while stopping: back to the queue, unrun.
      this.settle(channel, message, 'requeue');
      return;
    }
    const delivery = this.deliver(channel, message).catch(async (error: unknown) => {
      this.binding.warn(`Queue '${this.queue}': a delivery failed; it goes back to the queue`, error);
      // A pause first, so a failure that repeats does not spin (the prefetch slot stays taken meanwhile).
      await new Promise((resolve) => setTimeout(resolve, REQUEUE_PAUSE_MS));
      this.settle(channel, message, 'requeue');
    });
    this.deliveries.add(delivery);
    void delivery.finally(() => this.deliveries.delete(delivery));
  }

  private async deliver(channel: Channel, message: ConsumeMessage): Promise<void> {
    const body = decodeBody(message.content);
    const retryCount = retryCountOf(message.properties.headers);
    if ('problem' in body) {
      await this.toDead(channel, message, null, retryCount, `Queue '${this.queue}': ${body.problem}`);
      return;
    }
    const id = body.id;
    const earlier = this.running.get(id);
    if (earlier) {
      // A redelivery of a job this process still runs (its channel died): that run settles it.
      await earlier;
      this.settled.delete(id);
      this.settle(channel, message, 'ack', id);
      return;
    }
    if (message.fields.redelivered && this.settled.delete(id)) {
      this.settle(channel, message, 'ack', id);
      return;
    }
    const run = this.run(channel, message, id, retryCount);
    this.running.set(id, run);
    try {
      await run;
    } finally {
      this.running.delete(id);
    }
  }

  private async run(channel: Channel, message: ConsumeMessage, id: string, retryCount: number): Promise<void> {
    const { binding } = this;
    let claimed;
    try {
      claimed = await binding.jobs.claim(id, { requirePending: false });
    } catch (error) {
      // Storage refused the claim: count it as a failed attempt (retry, then dead), like a handler error.
      const text = `Could not claim the job: ${describeError(error)}`;
      binding.warn(`Queue '${this.queue}': job '${id}' of '${binding.resourceName}': ${text}`);
      await binding.jobs.fail(id, text, retryCount + 1).catch(() => undefined);
      if (retryCount < this.settings.maxRetries) await this.sender.send(this.sender.retry, id, failureHeaders(retryCount + 1, text));
      else await this.sender.send(this.sender.dead, id, failureHeaders(retryCount, text));
      this.settle(channel, message, 'ack', id);
      return;
    }
    if (!claimed) {
      await this.toDead(channel, message, id, retryCount, `Queue '${this.queue}': job '${id}' does not exist in '${binding.resourceName}' (deleted or never created)`);
      return;
    }
    let outcome;
    try {
      outcome = await binding.run(claimed, { retryCount, limitRule: 'job' });
    } catch (error) {
      // Only core's follow-up publish of a delayed run fails here. A setting the broker refuses
      // (a delay queue declared elsewhere with other arguments) would fail every time: record it.
      if (!(error instanceof ConfigurationError)) throw error;
      const text = `Could not schedule the next run: ${describeError(error)}`;
      await binding.jobs.fail(id, text).catch(() => undefined);
      await this.toDead(channel, message, id, retryCount, `Queue '${this.queue}': job '${id}' of '${binding.resourceName}': ${text}`);
      return;
    }
    if (outcome.kind === 'interrupted') {
      // Stopped, not failed (invariant 45): back to the queue as it came, for the next consumer.
      this.settle(channel, message, 'requeue');
      return;
    }
    if (outcome.kind === 'retry') await this.sender.send(this.sender.retry, id, failureHeaders(outcome.retries, outcome.error));
    else if (outcome.kind === 'failed') await this.sender.send(this.sender.dead, id, failureHeaders(retryCount, outcome.error));
    this.settle(channel, message, 'ack', id);
  }

  /** Keeps a message no job can be run from: a copy in `:dead` with the reason, then ack. */
  private async toDead(channel: Channel, message: ConsumeMessage, id: string | null, retryCount: number, reason: string): Promise<void> {
    this.binding.warn(`${reason.replace(/\.$/, '')}; moved to '${this.topology.names.dead}'`);
    await this.sender.send(this.sender.dead, id ?? message.content, failureHeaders(retryCount, reason));
    this.settle(channel, message, 'ack');
  }

  /** Acks (or requeues) on the channel the message came by; if that channel is gone, remembers the id. */
  private settle(channel: Channel, message: ConsumeMessage, how: 'ack' | 'requeue', id?: string): void {
    try {
      if (how === 'ack') channel.ack(message);
      else channel.nack(message, false, true);
    } catch {
      // The channel closed: the broker redelivers the message. A stored outcome makes that redelivery an ack.
      if (how === 'ack' && id !== undefined) this.remember(id);
    }
  }

  private remember(id: string): void {
    const now = Date.now();
    for (const [known, at] of this.settled) if (now - at > SETTLED_MEMORY_MS) this.settled.delete(known);
    this.settled.set(id, now);
  }

  /** Cancels the consumer, waits for the jobs it runs, closes its channel. Idempotent; safe before start. */
  async stop(): Promise<void> {
    const wasStarted = this.concurrency !== undefined;
    this.concurrency = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    clearTimeout(this.reattachTimer);
    this.reattachTimer = undefined;
    const current = this.current;
    this.current = undefined;
    if (current) await current.channel.cancel(current.tag).catch(() => undefined);
    await this.attaching?.done.catch(() => undefined);
    while (this.deliveries.size > 0) await Promise.allSettled(this.deliveries);
    if (current) await current.channel.close().catch(() => undefined);
    if (wasStarted) this.link.release();
  }
}
