/**
 * The one long-lived connection of a factory. It connects on first use, reconnects with backoff
 * when the broker goes away (at once and for as long as a consumer holds it; otherwise on the next
 * use), and tells its listeners about every new connection so they re-declare and re-consume.
 * Callers wait for it a bounded time; a refused login or vhost fails them at once.
 */
import { connect } from 'amqplib';
import { BrokerAccessError, BrokerUnavailableError, connectError } from './errors';
import type { QueueSettings } from './options';
import { Session } from './session';

const FIRST_DELAY_MS = 100;
const CONNECT_TIMEOUT_MS = 10_000;

interface Waiter {
  resolve(session: Session): void;
  reject(error: Error): void;
  /** The wait has run out; it ends with the next failed attempt (or now, when none is running). */
  expired: boolean;
  timer: NodeJS.Timeout;
}

export class BrokerLink {
  private session: Session | undefined;
  private attempting = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError: BrokerUnavailableError | BrokerAccessError | undefined;
  private lastWarned: string | undefined;
  private lostAt: number | undefined;
  private generation = 0;
  private holders = 0;
  private closed = false;
  private readonly waiters = new Set<Waiter>();
  private readonly listeners = new Set<(session: Session) => void>();

  constructor(private readonly settings: QueueSettings) {}

  /** The error of the last failed attempt, if the link is not connected. */
  get problem(): BrokerUnavailableError | BrokerAccessError | undefined {
    return this.session?.isOpen ? undefined : this.lastError;
  }

  /**
   * The open connection. When there is none it connects (or waits for the reconnection under
   * way) for up to `waitMs`, at least one attempt; then rejects with the last attempt's error.
   */
  open(waitMs: number): Promise<Session> {
    if (this.closed) return Promise.reject(new BrokerUnavailableError(this.settings.endpoint, `The RabbitMQ queue factory for ${this.settings.endpoint.where} is closed`));
    if (this.session?.isOpen) return Promise.resolve(this.session);
    return new Promise<Session>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        expired: false,
        timer: setTimeout(() => {
          waiter.expired = true;
          if (!this.attempting && this.lastError) this.endWaiter(waiter, this.lastError);
        }, waitMs),
      };
      this.waiters.add(waiter);
      this.wake();
    });
  }

  /** A consumer keeps the link reconnecting (and the process alive) until it lets go. */
  hold(): void {
    this.holders++;
    this.wake();
  }

  release(): void {
    this.holders = Math.max(0, this.holders - 1);
    if (this.holders === 0 && this.waiters.size === 0) this.stopRetrying();
  }

  /** Called with every new connection after the first one a listener saw (reconnections). */
  onConnect(listener: (session: Session) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private endWaiter(waiter: Waiter, outcome: Session | Error): void {
    if (!this.waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    if (outcome instanceof Session) waiter.resolve(outcome);
    else waiter.reject(outcome);
  }

  /** Starts an attempt now unless one is running or waiting for its backoff. */
  private wake(): void {
    if (this.closed || this.attempting || this.retryTimer || this.session?.isOpen) return;
    void this.connectOnce();
  }

  private stopRetrying(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private async connectOnce(): Promise<void> {
    this.attempting = true;
    const { endpoint, heartbeatSeconds, connectionName } = this.settings;
    let model;
    try {
      model = await connect(
        {
          protocol: endpoint.protocol,
          hostname: endpoint.hostname,
          port: endpoint.port,
          username: endpoint.username,
          password: endpoint.password,
          vhost: endpoint.vhost,
          heartbeat: heartbeatSeconds,
          ...(endpoint.frameMax !== undefined && { frameMax: endpoint.frameMax }),
          ...(endpoint.channelMax !== undefined && { channelMax: endpoint.channelMax }),
        },
        // noDelay: publishes, acks and confirms are small frames; Nagle's algorithm would hold
        // each behind the previous one's TCP ack. keepAlive: notice a vanished peer even with heartbeats off.
        { timeout: CONNECT_TIMEOUT_MS, noDelay: true, keepAlive: true, keepAliveDelay: 30_000, clientProperties: { connection_name: connectionName } },
      );
    } catch (error) {
      this.attempting = false;
      this.failed(connectError(error, endpoint));
      return;
    }
    this.attempting = false;
    if (this.closed) {
      await model.close().catch(() => undefined);
      return;
    }
    // Without a listener amqplib re-throws connection errors; the close event does the work.
    model.on('error', () => undefined);
    model.on('blocked', (reason: string) => this.settings.warn(`RabbitMQ at ${endpoint.where} blocks publishing: ${reason}`));
    model.on('unblocked', () => this.settings.warn(`RabbitMQ at ${endpoint.where} accepts publishes again`));
    const session = new Session(model, ++this.generation);
    this.session = session;
    this.attempt = 0;
    this.lastError = undefined;
    this.lastWarned = undefined;
    if (this.lostAt !== undefined) {
      this.settings.warn(`RabbitMQ at ${endpoint.where}: reconnected after ${((Date.now() - this.lostAt) / 1000).toFixed(1)} s`);
      this.lostAt = undefined;
    }
    session.onClose(() => this.lost(session));
    for (const waiter of this.waiters) this.endWaiter(waiter, session);
    for (const listener of this.listeners) listener(session);
  }

  private failed(error: BrokerUnavailableError | BrokerAccessError): void {
    this.lastError = error;
    for (const waiter of this.waiters) {
      if (waiter.expired || error instanceof BrokerAccessError) this.endWaiter(waiter, error);
    }
    if (this.holders > 0 && error.message !== this.lastWarned) {
      this.settings.warn(`${error.message}; retrying`);
      this.lastWarned = error.message;
    }
    if (this.waiters.size === 0 && this.holders === 0) return;
    this.attempt++;
    const base = Math.min(this.settings.reconnectMaxDelayMs, FIRST_DELAY_MS * 2 ** (this.attempt - 1));
    const delay = Math.round(base * (0.8 + Math.random() * 0.2));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.wake();
    }, delay);
    // A consumer keeps the process alive while it waits for the broker; a lone publisher does not.
    if (this.holders === 0) this.retryTimer.unref();
  }

  private lost(session: Session): void {
    if (this.session !== session) return;
    this.session = undefined;
    if (this.closed) return;
    this.lostAt = Date.now();
    const eager = this.holders > 0 || this.waiters.size > 0;
    this.settings.warn(`RabbitMQ at ${this.settings.endpoint.where}: connection lost; ${eager ? 'reconnecting' : 'it reconnects on next use'}`);
    if (eager) this.wake();
  }

  /** Closes the connection; the link connects again on next use (see close() for the final one). */
  async disconnect(): Promise<void> {
    this.stopRetrying();
    const session = this.session;
    this.session = undefined;
    await session?.close();
  }

  /** Closes for good: waiters fail, nothing reconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const error = new BrokerUnavailableError(this.settings.endpoint, `The RabbitMQ queue factory for ${this.settings.endpoint.where} was closed`);
    for (const waiter of this.waiters) this.endWaiter(waiter, error);
    this.listeners.clear();
    await this.disconnect();
  }
}
