/**
 * The registry's record of custom actions. Declaring one before its model is registered is
 * fine: it is set up when the model arrives (`modelAdded`). Setting up a job-mode action
 * registers its job model (with the registry's default queue factory) and links it to the
 * target, so `startConsume({ customCreation })` finds it. Conflicts are startup errors.
 */
import { ConfigurationError, type JobHandler } from '@specstar/interfaces';
import type { ResourceManager } from '../manager';
import type { JsonSchema } from '../model';
import { CustomAction } from './action';
import { generatedNames } from './naming';
import { jobLayout } from './payload';

/** What the book needs from the registry. */
export interface ActionHost {
  readonly resourceManagers: ReadonlyMap<string, ResourceManager>;
  addModel(schema: JsonSchema, options: { name: string; jobHandler: JobHandler }): ResourceManager;
}

const describe = (action: CustomAction): string => `${action.kind} action '${action.path}' of '${action.resourceName ?? '<schema>'}'`;

export class ActionBook {
  private readonly recorded: CustomAction[] = [];
  private readonly listeners = new Set<() => void>();

  constructor(private readonly host: ActionHost) {}

  /** Every declared action, in declaration order (bound or still waiting for its model). */
  get list(): readonly CustomAction[] {
    return this.recorded;
  }

  /**
   * Calls `listener` after every change to the set of bound actions (one declared for a
   * registered model, or a model arriving for declared ones). A listener that throws (a router
   * that cannot serve the new action) makes the declaration or registration throw. Returns the
   * unsubscribe.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records an action and sets it up now when its model is registered. */
  record(action: CustomAction): void {
    for (const other of this.recorded) {
      if (other.kind === action.kind && other.path === action.path && this.sameTarget(other, action)) {
        throw new ConfigurationError(`The ${describe(action)} is declared twice; give one of them another path`);
      }
    }
    const target = this.find(action.targetRef);
    if (target) this.bind(action, target);
    this.recorded.push(action);
    if (!action.isBound) return;
    try {
      this.changed();
    } catch (error) {
      // Refused where it is declared: the action stays out of the book (its job model, if any, stays registered).
      this.recorded.pop();
      throw error;
    }
  }

  /** Sets up the actions waiting for this model. */
  modelAdded(manager: ResourceManager): void {
    let bound = false;
    for (const action of this.recorded) {
      if (!action.isBound && this.matches(action.targetRef, manager)) {
        this.bind(action, manager);
        bound = true;
      }
    }
    if (bound) this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }

  private find(ref: string | JsonSchema): ResourceManager | undefined {
    for (const manager of this.host.resourceManagers.values()) if (this.matches(ref, manager)) return manager;
    return undefined;
  }

  private matches(ref: string | JsonSchema, manager: ResourceManager): boolean {
    return typeof ref === 'string' ? manager.name === ref : manager.model.schema === ref;
  }

  private sameTarget(a: CustomAction, b: CustomAction): boolean {
    if (a.targetRef === b.targetRef) return true;
    return a.resourceName !== undefined && a.resourceName === (b.resourceName ?? this.find(b.targetRef)?.name);
  }

  private bind(action: CustomAction, target: ResourceManager): void {
    if (action.asyncMode !== 'job') {
      action.bind(target);
      return;
    }
    const jobName = action.jobNameFor(target.name);
    if (this.host.resourceManagers.has(jobName)) {
      const owner = this.recorded.find((other) => other.jobResourceName === jobName);
      const takenBy = owner ? `the job model of the ${describe(owner)}` : 'a registered model';
      throw new ConfigurationError(`The job model name '${jobName}' of the ${describe(action)} is already taken by ${takenBy}; give the action a distinct jobName`);
    }
    const layout = jobLayout(action.kind, action.input.schema, generatedNames(action.path, target.name));
    // The handler runs only once jobs are consumed, long after the job model exists.
    const holder: { jobs?: ResourceManager } = {};
    const handler = action.jobHandler(() => holder.jobs as ResourceManager, layout);
    const jobs = this.host.addModel(layout.schema, { name: jobName, jobHandler: handler });
    holder.jobs = jobs;
    if (action.kind === 'create') target.registerAsyncCreateJob(jobName, jobs);
    else target.registerAsyncUpdateJob(jobName, jobs);
    action.bind(target, jobs, layout);
  }
}
