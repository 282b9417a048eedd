/**
 * One custom action: its names, its input, the model it acts on once that is registered, and
 * its execution in the three modes. Core owns the execution so a headless app can invoke an
 * action exactly as the HTTP route does (`action.invoke(input, { user, now, … })`).
 */
import {
  ConfigurationError,
  MissingOperationContextError,
  RevisionMismatchError,
  ValidationError,
  type JobContext,
  type RevisionInfo,
} from '@specstar/interfaces';
import type { ResourceManager } from '../manager';
import type { JsonSchema } from '../model';
import { ActionInput } from './input';
import { checkActionPath, defaultJobName, labelOf, pathFromHandler } from './naming';
import type { JobLayout } from './payload';
import type {
  ActionAsyncMode,
  ActionContext,
  ActionInvokeOptions,
  ActionKind,
  ActionOutcome,
  ActionSummary,
  ActionUpdateMode,
  CreateActionHandler,
  CreateActionOptions,
  UpdateActionHandler,
  UpdateActionOptions,
  UpdateTarget,
} from './types';

/** Runs `fn` as `ctx.user` at `ctx.now` for every model of the registry (the action's own writes included). */
export type ScopeRunner = <R>(values: { user: string; now: Date }, fn: () => Promise<R>) => Promise<R>;

const ASYNC_MODES: ReadonlySet<unknown> = new Set(['job', 'background', undefined]);
const UPDATE_MODES: ReadonlySet<unknown> = new Set(['update', 'modify', undefined]);

/** A thrown non-Error (a string, a plain object) as an Error: Express reads some strings ('route') as routing commands. */
function asError(value: unknown, label: string): unknown {
  if (value instanceof Error) return value;
  let shown: string;
  try {
    shown = typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value) ?? value);
  } catch {
    shown = Object.prototype.toString.call(value);
  }
  return new Error(`The handler of action '${label}' threw a non-Error value: ${shown}`, { cause: value });
}

export class CustomAction implements ActionSummary {
  readonly path: string;
  /** `{name}` segments of the path; their values arrive in the input under these names. */
  readonly pathParams: readonly string[];
  readonly label: string;
  readonly handlerName: string;
  /** Effective mode: a job-mode create action without input runs synchronously (there is no payload to queue). */
  readonly asyncMode: ActionAsyncMode | undefined;
  /** Update actions: how the result is written. */
  readonly updateMode: ActionUpdateMode | undefined;
  readonly input: ActionInput;
  private readonly requestedJobName: string | undefined;
  private target: ResourceManager | undefined;
  private jobs: ResourceManager | undefined;
  private layout: JobLayout | undefined;

  constructor(
    readonly kind: ActionKind,
    /** The target model as given: a name or the schema it is registered with. */
    readonly targetRef: string | JsonSchema,
    options: CreateActionOptions | UpdateActionOptions,
    private readonly handler: CreateActionHandler<unknown> | UpdateActionHandler<unknown>,
    private readonly scope: ScopeRunner,
  ) {
    const where = `${kind}Action(${typeof targetRef === 'string' ? `'${targetRef}'` : 'schema'})`;
    if (typeof handler !== 'function') throw new ConfigurationError(`${where}: the handler must be a function`);
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(`${where}: options must be an object`);
    if (!ASYNC_MODES.has(options.asyncMode)) throw new ConfigurationError(`${where}: asyncMode must be 'job' or 'background', got ${JSON.stringify(options.asyncMode)}`);
    const mode = (options as UpdateActionOptions).mode;
    if (kind === 'create' && mode !== undefined) throw new ConfigurationError(`${where}: mode is an option of update actions`);
    if (!UPDATE_MODES.has(mode)) throw new ConfigurationError(`${where}: mode must be 'update' or 'modify', got ${JSON.stringify(mode)}`);
    if (options.label !== undefined && (typeof options.label !== 'string' || options.label === '')) throw new ConfigurationError(`${where}: label must be a non-empty string`);
    if (options.jobName !== undefined && (typeof options.jobName !== 'string' || options.jobName === '')) throw new ConfigurationError(`${where}: jobName must be a non-empty string`);

    this.handlerName = typeof handler.name === 'string' && handler.name !== '' ? handler.name : 'action';
    const checked = checkActionPath(options.path ?? pathFromHandler(this.handlerName), kind === 'create' ? ['model'] : ['model', 'resource_id'], where);
    this.path = checked.path;
    this.pathParams = checked.params;
    this.label = options.label ?? labelOf(this.path);
    this.updateMode = kind === 'update' ? (mode ?? 'update') : undefined;
    this.input = new ActionInput(options.input, where);
    this.requestedJobName = options.jobName;
    if (kind === 'create' && options.asyncMode === 'job' && options.input === undefined) {
      process.emitWarning(`Create action '${this.label}' declares no input, so job mode has no payload to queue: it runs synchronously`, { code: 'SPECSTAR_ACTION_SYNC_FALLBACK' });
      this.asyncMode = undefined;
    } else {
      this.asyncMode = options.asyncMode;
    }
  }

  /** The target model's name: known once registered (or when the action was declared by name). */
  get resourceName(): string | undefined {
    return this.target?.name ?? (typeof this.targetRef === 'string' ? this.targetRef : undefined);
  }

  /** Whether the target model is registered and the action (with its job model) set up. */
  get isBound(): boolean {
    return this.target !== undefined;
  }

  /** The job model's name (job mode, once bound). */
  get jobResourceName(): string | undefined {
    return this.jobs?.name;
  }

  /** The job model name this action asks for on `resourceName`. */
  jobNameFor(resourceName: string): string {
    return this.requestedJobName ?? defaultJobName(this.path, resourceName);
  }

  /** @internal Called by the registry once the target (and, in job mode, the job model) exist. */
  bind(target: ResourceManager, jobs?: ResourceManager, layout?: JobLayout): void {
    this.target = target;
    this.jobs = jobs;
    this.layout = layout;
  }

  /** The handler a job-mode action's job model runs: the action, as the job's creator, then the artifact. */
  jobHandler(jobs: () => ResourceManager, layout: JobLayout): (job: { info: RevisionInfo; data: unknown }, ctx: JobContext) => Promise<void> {
    return async (job, jobCtx) => {
      const target = this.requireTarget();
      const restored = (await jobs().restoreBinary(job.data)) as { payload?: unknown };
      const { input, resourceId } = layout.inputOf(restored.payload);
      const ctx: ActionContext = { user: job.info.created_by || 'system', now: new Date(), job: jobCtx };
      const info = await this.execute(target, input, resourceId, ctx, undefined, false);
      if (info !== null) jobCtx.setArtifact({ resource_id: info.resource_id, resource_name: target.name, revision_id: info.revision_id });
    };
  }

  /**
   * Runs the action for one request: input validated (defaults applied) before anything is
   * read, written or queued; update actions check the resource (404) and `ifMatch` first.
   */
  async invoke(input: unknown, options: ActionInvokeOptions = {}): Promise<ActionOutcome> {
    const target = this.requireTarget();
    const checked = this.input.check(input, this.path);
    const resolved = target.resolveContext({ user: options.user, now: options.now });
    if (resolved.user === undefined) throw new MissingOperationContextError(['user'], `action '${this.label}'`);
    const ctx: ActionContext = { user: resolved.user, now: resolved.now };
    const resourceId = this.kind === 'update' ? requireResourceId(options.resourceId) : undefined;

    if (this.asyncMode === undefined) {
      return { mode: 'sync', status: 200, body: await this.execute(target, checked, resourceId, ctx, options.ifMatch, true) };
    }
    // Async modes answer before the handler runs: what can fail now must fail now.
    if (resourceId !== undefined) await this.scope(ctx, () => loadTarget(target, resourceId, options.ifMatch));
    if (this.asyncMode === 'job') {
      const jobs = this.jobs;
      const layout = this.layout;
      if (!jobs || !layout) throw new ConfigurationError(`Action '${this.label}' has no job model`);
      const info = await jobs.create({ payload: layout.payloadOf(checked, resourceId) }, { user: ctx.user, now: ctx.now });
      const redirect = { job_resource_name: jobs.name, job_resource_id: info.resource_id, redirect_url: `/${jobs.name}/${info.resource_id}` };
      return { mode: 'job', status: 202, body: redirect };
    }
    const done = new Promise<void>((resolve) => {
      const run = (): void => {
        this.execute(target, checked, resourceId, ctx, options.ifMatch, true).then(
          () => resolve(),
          (error: unknown) => {
            this.report(error, options);
            resolve();
          },
        );
      };
      (options.runLater ?? setImmediate)(run);
    });
    return { mode: 'background', status: 202, body: { message: 'Task accepted' }, done };
  }

  /** Handler, then the write it asks for, as `ctx.user` at `ctx.now`. Null when the handler returns nothing. */
  private execute(target: ResourceManager, input: unknown, resourceId: string | undefined, ctx: ActionContext, ifMatch: string | undefined, wrapThrown: boolean): Promise<RevisionInfo | null> {
    const call = async <R>(fn: () => R | Promise<R>): Promise<R> => {
      try {
        return await fn();
      } catch (error) {
        throw wrapThrown ? asError(error, this.path) : error;
      }
    };
    const who = { user: ctx.user, now: ctx.now };
    return this.scope(who, async () => {
      if (this.kind === 'create') {
        const data = await call(() => (this.handler as CreateActionHandler<unknown>)(input, ctx));
        return data === null || data === undefined ? null : target.create(data, who);
      }
      const id = requireResourceId(resourceId);
      const current = await loadTarget(target, id, ifMatch);
      const data = await call(() => (this.handler as UpdateActionHandler<unknown>)(current, input, ctx));
      if (data === null || data === undefined) return null;
      const options = { ...who, expectRevisionId: ifMatch };
      return this.updateMode === 'modify' ? target.modify(id, { data }, options) : target.update(id, data, options);
    });
  }

  private report(error: unknown, options: ActionInvokeOptions): void {
    const summary: ActionSummary = { kind: this.kind, resourceName: this.resourceName, path: this.path, label: this.label, handlerName: this.handlerName };
    try {
      if (options.onBackgroundError) {
        options.onBackgroundError(error, summary);
        return;
      }
    } catch {
      // A failing reporter must not take the process down; fall back to the warning.
    }
    const message = error instanceof Error ? error.message : String(error);
    process.emitWarning(`Background ${this.kind} action '${this.handlerName}' failed: ${message}`, { code: 'SPECSTAR_BACKGROUND_ACTION_FAILED' });
  }

  private requireTarget(): ResourceManager {
    if (this.target === undefined) {
      throw new ConfigurationError(`Action '${this.label}' acts on model '${this.resourceName ?? '<schema>'}', which is not registered`);
    }
    return this.target;
  }
}

function requireResourceId(resourceId: string | undefined): string {
  if (typeof resourceId !== 'string' || resourceId === '') {
    throw new ValidationError('An update action needs the id of the resource to act on', { kind: 'input', issues: [{ path: 'resource_id', message: 'is required' }] });
  }
  return resourceId;
}

/** The resource as the handler sees it; 404 when unknown or deleted, RevisionMismatchError when not at `ifMatch`. */
async function loadTarget(target: ResourceManager, resourceId: string, ifMatch: string | undefined): Promise<UpdateTarget> {
  const { info, data } = await target.get(resourceId);
  if (ifMatch !== undefined && info.revision_id !== ifMatch) throw new RevisionMismatchError(resourceId, ifMatch, info.revision_id);
  const meta = await target.getMeta(resourceId);
  return { existing: data, info, meta };
}
