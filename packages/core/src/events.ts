import {
  ResourceAction,
  type EventContext,
  type EventPhase,
  type IEventHandler,
  type SingleActionName,
} from '@specstar/interfaces';

const PHASE_CLASS: Record<EventPhase, string> = {
  before: 'Before',
  after: 'After',
  on_success: 'OnSuccess',
  on_failure: 'OnFailure',
};

const ACTION_CLASS: Record<SingleActionName, string> = {
  create: 'Create',
  get: 'Get',
  get_resource_revision: 'GetResourceRevision',
  list_revisions: 'ListRevisions',
  get_meta: 'GetMeta',
  search_resources: 'SearchResources',
  update: 'Update',
  patch: 'Patch',
  switch: 'Switch',
  delete: 'Delete',
  permanently_delete: 'PermanentlyDelete',
  restore: 'Restore',
  dump: 'Dump',
  load: 'Load',
  migrate: 'Migrate',
  modify: 'Modify',
};

export interface EventedCall {
  action: SingleActionName;
  resourceName: string;
  user: string | undefined;
  now: Date | undefined;
  /** Action-specific fields of every phase (resource_id, data, …). */
  fields: Record<string, unknown>;
  /** Name of the field that carries the result in the on_success context. */
  resultField?: string;
}

function makeContext(call: EventedCall, phase: EventPhase, fields: Record<string, unknown>): EventContext {
  const ctx: EventContext = {
    context_type: PHASE_CLASS[phase] + ACTION_CLASS[call.action],
    phase,
    action: ResourceAction[call.action],
    action_name: call.action,
    resource_name: call.resourceName,
    ...fields,
  };
  if (call.user !== undefined) ctx.user = call.user;
  if (call.now !== undefined) ctx.now = call.now;
  return ctx;
}

async function dispatch(handlers: readonly IEventHandler[], ctx: EventContext): Promise<void> {
  for (const handler of handlers) {
    if (handler.isSupported(ctx)) await handler.handleEvent(ctx);
  }
}

/**
 * Runs an operation inside the event protocol: before (errors propagate with no further
 * events), the operation, on_success (an error there counts as a failure), on_failure, and
 * always after. `run` receives the before-context so handlers that mutate `ctx.data` change
 * what is persisted.
 */
export function runEvented<R>(
  handlers: readonly IEventHandler[],
  call: EventedCall,
  run: (before: EventContext | undefined) => Promise<R>,
): Promise<R> {
  // No handlers: no contexts, no extra promise layer (this is every operation's hot path).
  if (handlers.length === 0) return run(undefined);
  return runWithHandlers(handlers, call, run);
}

async function runWithHandlers<R>(
  handlers: readonly IEventHandler[],
  call: EventedCall,
  run: (before: EventContext | undefined) => Promise<R>,
): Promise<R> {
  const before = makeContext(call, 'before', call.fields);
  await dispatch(handlers, before);
  // Later phases see what the before-handlers left in the shared fields.
  const fields: Record<string, unknown> = {};
  for (const key of Object.keys(call.fields)) fields[key] = before[key];
  try {
    let result: R;
    try {
      result = await run(before);
      const success = makeContext(call, 'on_success', fields);
      if (call.resultField) success[call.resultField] = result;
      await dispatch(handlers, success);
    } catch (error) {
      const failure = makeContext(call, 'on_failure', fields);
      failure.error = error instanceof Error ? error.message : String(error);
      failure.stack_trace = error instanceof Error ? (error.stack ?? null) : null;
      await dispatch(handlers, failure);
      throw error;
    }
    return result;
  } finally {
    await dispatch(handlers, makeContext(call, 'after', fields));
  }
}
