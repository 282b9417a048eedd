/** The public shapes of custom create and update actions. */
import type { JobContext, JobRedirectInfo, ResourceMeta, RevisionInfo } from '@specstar/interfaces';
import type { JsonSchema } from '../model';

export type ActionKind = 'create' | 'update';

/** `job`: a queued job runs the handler (202 JobRedirectInfo); `background`: after the response (202). Omitted: synchronous (200). */
export type ActionAsyncMode = 'job' | 'background';

/** How an update action writes the handler's result: a new revision, or an in-place edit of a draft. */
export type ActionUpdateMode = 'update' | 'modify';

/** What every handler gets beside its input. */
export interface ActionContext {
  /** Who asked: the request's user (job mode: the job's creator). Writes the action causes are stamped with it. */
  readonly user: string;
  readonly now: Date;
  /** Job mode only: the running job's context (log, artifact, abort signal). */
  readonly job?: JobContext;
}

/** The resource an update action works on, as it is when the handler runs. */
export interface UpdateTarget<D = unknown> {
  existing: D;
  info: RevisionInfo;
  meta: ResourceMeta;
}

type Result<D> = D | null | undefined | Promise<D | null | undefined>;

// Method syntax makes the parameters bivariant, so a handler may annotate its input with a
// narrower type (`(input: { topic: string }) => …`) than the declared default.
/** Returns the data to create, or null/undefined to write nothing. */
export type CreateActionHandler<I = Record<string, unknown>, D = unknown> = { handle(input: I, ctx: ActionContext): Result<D> }['handle'];

/** Returns the new data of the resource, or null/undefined to write nothing. */
export type UpdateActionHandler<I = Record<string, unknown>, D = unknown> = { handle(target: UpdateTarget<D>, input: I, ctx: ActionContext): Result<D> }['handle'];

export interface CreateActionOptions {
  /** Route segment(s) after `/{model}/`; may hold `{name}` templates. Default: the handler's name with `_` → `-`. */
  path?: string;
  /** Display label (OpenAPI, admin UIs). Default: the path title-cased. */
  label?: string;
  asyncMode?: ActionAsyncMode;
  /** Job mode: the job model's name. Default: `{clean(path)}-job`. */
  jobName?: string;
  /**
   * JSON Schema (or TypeBox) of the input: body fields, query and path parameters arrive in one
   * object validated against it. Binary fields (`binary()`) take uploaded files. Without it the
   * action takes no input and its handler gets `{}`.
   */
  input?: JsonSchema;
}

export interface UpdateActionOptions extends CreateActionOptions {
  /** Default `update` (a new revision); `modify` edits the current draft in place. */
  mode?: ActionUpdateMode;
}

/** The 202 body of a background action. */
export interface BackgroundTaskAccepted {
  message: 'Task accepted';
}

export interface ActionInvokeOptions {
  user?: string;
  now?: Date;
  /** Update actions: the resource to act on. */
  resourceId?: string;
  /** Update actions: the revision id the resource must still be at (If-Match); otherwise RevisionMismatchError, and nothing runs. */
  ifMatch?: string;
  /** Background mode: schedules the task (default: setImmediate). The HTTP layer runs it once the response is sent. */
  runLater?: (task: () => void) => void;
  /** Background mode: where a failure of the task is reported (default: a process warning). */
  onBackgroundError?: (error: unknown, action: ActionSummary) => void;
}

export type ActionOutcome =
  | { mode: 'sync'; status: 200; body: RevisionInfo | null }
  | { mode: 'job'; status: 202; body: JobRedirectInfo }
  /** `done` settles (never rejects) once the background task has run. */
  | { mode: 'background'; status: 202; body: BackgroundTaskAccepted; done: Promise<void> };

/** What identifies an action in logs and listings. */
export interface ActionSummary {
  kind: ActionKind;
  /** Target model name (undefined while the model is not registered yet). */
  resourceName: string | undefined;
  path: string;
  label: string;
  /** The handler's function name. */
  handlerName: string;
}
