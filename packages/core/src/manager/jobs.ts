import { ConfigurationError, NotSupportedError, type IMessageQueue, type RevisionInfo } from '@specstar/interfaces';
import { gracePeriodMs, type JobFacility, type StartConsumeOptions, type StopConsumingOptions } from '../jobs/facility';
import type { WriteContext } from './types';
import { ManagerWrites } from './writes';

/** Which async-action job models to consume: all of them or the named ones. */
export type ChildJobSelection = 'all' | readonly string[];

export interface ConsumeSelection extends StartConsumeOptions {
  /** Start the consumers of this model's async create-action job models instead of its own. */
  customCreation?: ChildJobSelection;
  /** Start the consumers of this model's async update-action job models instead of its own. */
  customUpdate?: ChildJobSelection;
}

/** What a manager must offer to be a registered async-action job model. */
interface ChildJobManager {
  readonly name: string;
  startConsume(options?: StartConsumeOptions): Promise<void>;
  stopConsuming(options?: StopConsumingOptions): Promise<void>;
}

function pick(kind: string, registered: ReadonlyMap<string, ChildJobManager>, selection: ChildJobSelection): ChildJobManager[] {
  if (selection === 'all') return [...registered.values()];
  return selection.map((name) => {
    const child = registered.get(name);
    if (!child) throw new ConfigurationError(`No async ${kind} job named '${name}'; available: ${[...registered.keys()].join(', ') || 'none'}`);
    return child;
  });
}

/**
 * The job layer of a manager: a job model with a queue consumes, reruns and keeps logs; any
 * model can be the target of async create/update actions whose job models it starts.
 */
export class ManagerJobs<T = unknown> extends ManagerWrites<T> {
  private jobFacility: JobFacility | undefined;
  private readonly asyncCreateJobs = new Map<string, ChildJobManager>();
  private readonly asyncUpdateJobs = new Map<string, ChildJobManager>();
  private readonly startedChildren = new Set<ChildJobManager>();

  /** @internal Set by the registry when a job model gets a queue. */
  attachJobs(facility: JobFacility): void {
    this.jobFacility = facility;
  }

  /** @internal The job machinery, when this model has a queue. */
  get jobs(): JobFacility | undefined {
    return this.jobFacility;
  }

  /** Whether the model was built with jobSchema(). */
  get isJobModel(): boolean {
    return this.model.isJob;
  }

  /** The queue of a job model registered with a handler; undefined otherwise. */
  get messageQueue(): IMessageQueue | undefined {
    return this.jobFacility?.queue;
  }

  private requireJobs(): JobFacility {
    if (!this.jobFacility) throw new NotSupportedError(`Message queue is not configured for model '${this.name}'`);
    return this.jobFacility;
  }

  /**
   * Starts consuming; resolves once started and never blocks the caller. With `customCreation` /
   * `customUpdate` it starts the named (or all) async-action job models of this model instead.
   */
  async startConsume(options: ConsumeSelection = {}): Promise<void> {
    const { customCreation, customUpdate, ...settings } = options;
    if (customCreation === undefined && customUpdate === undefined) return this.requireJobs().startConsume(settings);
    const children = [
      ...(customCreation === undefined ? [] : pick('create', this.asyncCreateJobs, customCreation)),
      ...(customUpdate === undefined ? [] : pick('update', this.asyncUpdateJobs, customUpdate)),
    ];
    for (const child of children) {
      await child.startConsume(settings);
      this.startedChildren.add(child);
    }
  }

  /**
   * Stops this model's consumer and the child consumers it started; idempotent. Running jobs get
   * `gracePeriod` seconds (default 30), then their `ctx.signal` aborts (see StopConsumingOptions).
   */
  async stopConsuming(options?: StopConsumingOptions): Promise<void> {
    gracePeriodMs(options?.gracePeriod); // a bad value stops nothing
    const children = [...this.startedChildren];
    this.startedChildren.clear();
    await Promise.all([this.jobFacility?.stopConsuming(options), ...children.map((child) => child.stopConsuming(options))]);
  }

  /** The log of the job's latest run, or null (never run, or no blob store). */
  async getLogs(resourceId: string): Promise<string | null> {
    return this.jobFacility ? this.jobFacility.getLogs(resourceId) : null;
  }

  /** Marks `processing` jobs with a heartbeat older than the timeout (0: all) `failed`; their ids. */
  recoverStaleJobs(heartbeatTimeoutSeconds: number): Promise<string[]> {
    return this.requireJobs().recoverStaleJobs(heartbeatTimeoutSeconds);
  }

  /** Runs a completed or failed job again: `pending`, retries 0, no error, no artifact. */
  rerun(resourceId: string, context?: WriteContext): Promise<RevisionInfo> {
    return this.requireJobs().rerun(resourceId, context);
  }

  registerAsyncCreateJob(name: string, jobManager: ChildJobManager): void {
    register('create', this.name, this.asyncCreateJobs, name, jobManager);
  }

  registerAsyncUpdateJob(name: string, jobManager: ChildJobManager): void {
    register('update', this.name, this.asyncUpdateJobs, name, jobManager);
  }

  get asyncCreateJobNames(): string[] {
    return [...this.asyncCreateJobs.keys()];
  }

  get asyncUpdateJobNames(): string[] {
    return [...this.asyncUpdateJobs.keys()];
  }
}

function register(kind: string, target: string, into: Map<string, ChildJobManager>, name: string, jobManager: ChildJobManager): void {
  if (into.has(name)) throw new ConfigurationError(`Async ${kind} job '${name}' is already registered on '${target}'`);
  into.set(name, jobManager);
}
