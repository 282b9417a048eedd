import {
  ConfigurationError,
  TaskStatus,
  type ConsumeOptions,
  type IMessageQueue,
  type QueueBinding,
  type QueueCapabilities,
} from '@specstar/interfaces';
import { CeleryConsumer } from './consumer';
import { newTask, taskNameOf, type IncomingTask, type OutgoingTask } from './protocol';
import { queueNameFor, type CelerySettings } from './options';
import { TaskPublisher } from './publisher';
import type { BrokerLink } from './link';

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Pause before a delivery whose job could not be read goes back to the queue (storage trouble). */
const STORAGE_TROUBLE_PAUSE_MS = 1000;

/**
 * The Celery queue of one job model: `{prefix}{resource name}`, task
 * `{queue}.process_job(resource_id, retry_count=0)`. Core runs the jobs; this class moves their
 * ids as Celery messages, applies Celery's retry rules (the count travels in the message, the
 * effective limit is the smaller of the job's and the queue's) and delays with `eta`.
 */
export class CeleryMessageQueue<T = unknown> implements IMessageQueue {
  /** Each message goes to one consumer and is acknowledged when it starts, so no two processes run one delivery. */
  readonly capabilities: QueueCapabilities = { delayedDelivery: true, crossProcessDelivery: true, crossProcessClaim: true };
  readonly maxRetries: number;
  readonly queueName: string;
  readonly taskName: string;
  private readonly publisher: TaskPublisher;
  private readonly consumer: CeleryConsumer;
  /** Jobs this queue's consumer is running: their schedule() calls come from inside a run. */
  private readonly inRun = new Map<string, number>();
  /** Jobs this queue claimed whose acknowledgement failed: the broker's next delivery is theirs to take back. */
  private readonly unacked = new Set<string>();
  private closed = false;

  constructor(
    private readonly binding: QueueBinding<T>,
    private readonly settings: CelerySettings,
    private readonly link: BrokerLink,
  ) {
    this.maxRetries = settings.maxRetries;
    this.queueName = queueNameFor(settings, binding.resourceName);
    this.taskName = taskNameOf(this.queueName);
    this.publisher = new TaskPublisher(link, this.queueName);
    link.acquire();
    this.consumer = new CeleryConsumer(link, this.queueName, settings.etaHoldMs, settings.prefetchMultiplier, {
      execute: (task, ack, requeue) => this.execute(task, ack, requeue),
      republish: (message) => this.publisher.republish(message),
      warn: (message, error) => binding.warn(message, error),
    });
  }

  /** Publishes the job's task to run now. A broker problem is thrown, and the job is marked failed with it (so it can be rerun). */
  put(resourceId: string): Promise<void> {
    return this.publishOrFail(newTask(resourceId), 'the job');
  }

  /** Publishes the job's task with `eta = dueAt`. */
  schedule(resourceId: string, dueAt: Date): Promise<void> {
    const task = newTask(resourceId, dueAt);
    // From inside a run (periodic interval, DelayRetry) nobody could handle an error: be patient.
    if (this.inRun.has(resourceId)) return this.publishFromRun(task, 'its next run');
    return this.publishOrFail(task, 'the delayed job');
  }

  private async publishOrFail(task: OutgoingTask, what: string): Promise<void> {
    try {
      await this.publisher.publish(task);
    } catch (error) {
      await this.failJob(task.jobId, `Could not enqueue ${what} on Celery queue '${this.queueName}': ${messageOf(error)}`);
      throw error;
    }
  }

  /** Publishes with patience; when the broker stays away the job reads failed with the reason instead of waiting forever unseen. */
  private async publishFromRun(task: OutgoingTask, what: string, retries?: number): Promise<void> {
    try {
      await this.publisher.publishPatiently(task, this.settings.publishPatienceMs);
    } catch (error) {
      const reason = `Could not publish ${what} on Celery queue '${this.queueName}': ${messageOf(error)}`;
      this.binding.warn(`Job '${task.jobId}': ${reason}; marked failed, rerun it once the broker is back`);
      await this.failJob(task.jobId, reason, retries);
    }
  }

  private async failJob(jobId: string, errmsg: string, retries?: number): Promise<void> {
    try {
      await this.binding.jobs.fail(jobId, errmsg, retries);
    } catch (error) {
      this.binding.warn(`Job '${jobId}' of '${this.binding.resourceName}': could not mark it failed`, error);
    }
  }

  /** One due delivery: claim, acknowledge (Celery's early ack), run, then publish a retry when one is due. */
  private async execute(task: IncomingTask, ack: () => boolean, requeue: () => void): Promise<void> {
    const { jobId } = task;
    let claimed;
    // A delivery the broker repeated because a consumer died before its ack reached it: the job
    // already ran (or is running) elsewhere, and early ack means at most once.
    let settled: string | undefined;
    const accept = ({ data }: { data: { status: TaskStatus } }): boolean => {
      if (!this.settledElsewhere(jobId, data.status)) return true;
      settled = data.status;
      return false;
    };
    try {
      claimed = await this.binding.jobs.claim(jobId, { requirePending: false, accept });
    } catch (error) {
      this.binding.warn(`Celery queue '${this.queueName}': could not read job '${jobId}'; its task goes back to the queue`, error);
      await new Promise((resolve) => setTimeout(resolve, STORAGE_TROUBLE_PAUSE_MS));
      requeue();
      return;
    }
    if (claimed === null) {
      ack();
      if (settled !== undefined) this.binding.warn(`Celery queue '${this.queueName}': task ${task.taskId} names job '${jobId}', which is already ${settled}; not run again`);
      else this.binding.warn(`Celery queue '${this.queueName}': task ${task.taskId} names job '${jobId}', which does not exist or was deleted; nothing to run`);
      return;
    }
    // The channel is gone: the broker delivers the task again and that claim wins.
    if (!ack()) {
      this.unacked.add(jobId);
      return;
    }
    this.unacked.delete(jobId);
    // amqplib's muxer writes frames to the socket on the next setImmediate: let it hand the ack to
    // the kernel before the job starts, so a process killed mid-job does not get the task
    // delivered again to another consumer (early ack: at most once).
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.inRun.set(jobId, (this.inRun.get(jobId) ?? 0) + 1);
    try {
      const outcome = await this.binding.run(claimed, { retryCount: task.retryCount, limitRule: 'min' });
      if (outcome.kind === 'retry') {
        const eta = new Date(Date.now() + this.settings.retryDelayMs);
        // Celery's Task.retry(): the same task id, one more retry in the header and in the args.
        const retry: OutgoingTask = { ...task, retryCount: outcome.retries, eta };
        await this.publishFromRun(retry, `retry ${outcome.retries}`, outcome.retries);
      } else if (outcome.kind === 'interrupted') {
        // Stopped, not failed: the task (acknowledged early) goes back as it came, for the next consumer.
        await this.publishFromRun({ ...task, eta: null }, 'the interrupted job');
      }
    } finally {
      const left = (this.inRun.get(jobId) ?? 1) - 1;
      if (left > 0) this.inRun.set(jobId, left);
      else this.inRun.delete(jobId);
    }
  }

  /** A job another consumer claimed (processing, not by us) or stale recovery failed: its task is not run again. */
  private settledElsewhere(jobId: string, status: TaskStatus): boolean {
    if (status === TaskStatus.FAILED) return true;
    return status === TaskStatus.PROCESSING && !this.inRun.has(jobId) && !this.unacked.has(jobId);
  }

  async start(options: ConsumeOptions = {}): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ConfigurationError(`concurrency must be a positive integer, got ${String(concurrency)}`);
    if (this.closed) throw new ConfigurationError(`Celery queue '${this.queueName}' is closed`);
    await this.consumer.start(concurrency);
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  async close(): Promise<void> {
    await this.stop();
    if (this.closed) return;
    this.closed = true;
    await this.link.release();
  }
}
