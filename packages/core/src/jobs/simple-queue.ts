import {
  ConfigurationError,
  type ConsumeOptions,
  type IMessageQueue,
  type IMessageQueueFactory,
  type Job,
  type QueueBinding,
  type QueueCapabilities,
  type Resource,
} from '@specstar/interfaces';

export interface SimpleQueueOptions {
  /** Failures retried when a job sets no `max_retries` (default 3). */
  maxRetries?: number;
  /** Seconds an idle consumer waits before searching storage again (default 0.1); a job put in this process wakes it at once. */
  pollInterval?: number;
}

function checkOptions(options: SimpleQueueOptions): { maxRetries: number; pollMs: number } {
  const maxRetries = options.maxRetries ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0) throw new ConfigurationError(`maxRetries must be a non-negative integer, got ${String(maxRetries)}`);
  const poll = options.pollInterval ?? 0.1;
  if (typeof poll !== 'number' || !(poll > 0)) throw new ConfigurationError(`pollInterval must be a positive number of seconds, got ${String(poll)}`);
  return { maxRetries, pollMs: poll * 1000 };
}

/**
 * The in-process queue: storage is the queue. Consumers search the job model for `pending` jobs
 * (fewest retries, then oldest) and claim one by compare-and-set, so consumers in several
 * processes sharing a disk or PostgreSQL store never run the same job. Retries stay `pending`
 * in storage; delayed runs are released by core's scheduler.
 */
export class SimpleMessageQueue<T = unknown> implements IMessageQueue {
  readonly capabilities: QueueCapabilities = { pop: true, crossProcessClaim: true };
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly binding: QueueBinding<T>,
    readonly maxRetries: number,
    private readonly pollMs: number,
  ) {}

  put(): Promise<void> {
    // The job is already pending in storage; an idle consumer of this process starts it now.
    this.wake();
    return Promise.resolve();
  }

  async pop(): Promise<Resource<Job> | null> {
    return this.claimNext(1);
  }

  /** Claims the next pending job; candidates beyond the first cover claims lost to other consumers. */
  private async claimNext(slots: number): Promise<Resource<Job<T>> | null> {
    const ids = await this.binding.jobs.pendingIds(slots + 4);
    for (const id of ids) {
      const claimed = await this.binding.jobs.claim(id);
      if (claimed) return claimed;
    }
    return null;
  }

  start(options: ConsumeOptions = {}): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigurationError(`concurrency must be a positive integer, got ${String(concurrency)}`);
    if (!this.running) {
      this.running = true;
      this.loop = this.consume(concurrency);
    }
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    this.loop = undefined;
    await Promise.all(this.inFlight);
  }

  private async consume(concurrency: number): Promise<void> {
    while (this.running) {
      let claimed: Resource<Job<T>> | null = null;
      if (this.inFlight.size < concurrency) {
        try {
          claimed = await this.claimNext(concurrency - this.inFlight.size);
        } catch (error) {
          this.binding.warn(`Queue '${this.binding.resourceName}': searching for pending jobs failed`, error);
        }
      }
      // A claim that lands after stop() began still runs (stop waits for it): the job already
      // reads `processing`, and dropping it would leave it so until stale recovery fails it.
      if (claimed) {
        const run = this.binding.run(claimed).finally(() => {
          this.inFlight.delete(run);
          this.wake();
        });
        this.inFlight.add(run);
        continue;
      }
      await this.idle();
    }
  }

  /** Waits one poll interval, or less when a job is put or a run ends. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      // Not unref'd: a process that consumes stays alive until stopConsuming().
      const timer = setTimeout(done, this.pollMs);
      this.wakeUp = done;
    });
  }

  private wake(): void {
    this.wakeUp?.();
  }
}

/** Builds simple queues: `new SimpleMessageQueueFactory({ maxRetries: 3 })`. */
export class SimpleMessageQueueFactory implements IMessageQueueFactory {
  readonly maxRetries: number;
  private readonly pollMs: number;

  constructor(options: SimpleQueueOptions = {}) {
    const checked = checkOptions(options);
    this.maxRetries = checked.maxRetries;
    this.pollMs = checked.pollMs;
  }

  build<T = unknown>(binding: QueueBinding<T>): IMessageQueue {
    return new SimpleMessageQueue(binding, this.maxRetries, this.pollMs);
  }
}
