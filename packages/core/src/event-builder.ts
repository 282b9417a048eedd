import {
  ConfigurationError,
  ResourceAction,
  ValidationError,
  type EventContext,
  type EventPhase,
  type IEventHandler,
  type ResourceActionName,
} from '@specstar/interfaces';

/** A function run for the events a builder handler matches. */
export type EventHandlerFn = (ctx: EventContext) => void | Promise<void>;

/** One action flag, an OR-ed flag set, an action name (`'create'`, `'write'`, …), or a list of them. */
export type ActionsInput = number | ResourceActionName | ReadonlyArray<number | ResourceActionName>;

const PHASES: ReadonlySet<string> = new Set<EventPhase>(['before', 'after', 'on_success', 'on_failure']);

/**
 * Turns flags and action names into one flag set. Anything else is an error naming `parameter`:
 * a ConfigurationError for setup code, a ValidationError (kind `input`) when `asInput` (rule data).
 */
export function toActionSet(actions: ActionsInput, parameter = 'actions', asInput = false): number {
  const fail = (message: string): Error =>
    asInput ? new ValidationError(message, { kind: 'input', issues: [{ path: parameter, message }] }) : new ConfigurationError(message);
  const list = Array.isArray(actions) ? (actions as ReadonlyArray<unknown>) : [actions];
  if (list.length === 0) throw fail(`${parameter} must name at least one action`);
  let set = 0;
  for (const action of list) {
    if (typeof action === 'number') {
      if (!Number.isInteger(action) || action < 1 || action > ResourceAction.full) {
        throw fail(`${parameter}: ${action} is not a ResourceAction flag set (1..${ResourceAction.full})`);
      }
      set |= action;
    } else if (typeof action === 'string' && Object.prototype.hasOwnProperty.call(ResourceAction, action)) {
      set |= ResourceAction[action as ResourceActionName];
    } else {
      throw fail(`${parameter}: unknown action ${JSON.stringify(action)}`);
    }
  }
  return set;
}

/** Runs `fn` for contexts of one phase whose action is in the set. */
export class PhaseActionHandler implements IEventHandler {
  constructor(
    readonly phase: EventPhase,
    readonly actions: number,
    readonly fn: EventHandlerFn,
  ) {}

  isSupported(ctx: EventContext): boolean {
    return ctx.phase === this.phase && (ctx.action & this.actions) !== 0;
  }

  handleEvent(ctx: EventContext): void | Promise<void> {
    return this.fn(ctx);
  }
}

/**
 * The event handler builder:
 * `on(audit).before('create').do(notify).onSuccess(['update', 'modify'])`.
 * `do()` queues functions; each phase call registers one handler per queued function and clears
 * the queue. The builder *is* the list of handlers (an Array subclass), so it can be passed
 * wherever a handler list is accepted, or spread into one.
 */
export class EventHandlerBuilder extends Array<IEventHandler> {
  // Array methods that build new arrays (map, filter, slice) return plain arrays.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  #pending: EventHandlerFn[] = [];

  constructor(...handlers: IEventHandler[]) {
    super();
    // `new Array(n)` semantics are not wanted: always a list of the given handlers.
    for (const handler of handlers) this.push(handler);
  }

  /** The registered handlers as a plain array. */
  get handlers(): IEventHandler[] {
    return [...this];
  }

  /** Queues one function or several for the next phase call. */
  do(fn: EventHandlerFn | readonly EventHandlerFn[]): this {
    const fns = Array.isArray(fn) ? (fn as readonly unknown[]) : [fn];
    fns.forEach((f, i) => {
      if (typeof f !== 'function') {
        throw new ConfigurationError(`do(): ${Array.isArray(fn) ? `fn[${i}]` : 'fn'} must be a function, got ${f === null ? 'null' : typeof f}`);
      }
    });
    this.#pending.push(...(fns as EventHandlerFn[]));
    return this;
  }

  before(actions: ActionsInput): this {
    return this.phase('before', actions);
  }

  after(actions: ActionsInput): this {
    return this.phase('after', actions);
  }

  onSuccess(actions: ActionsInput): this {
    return this.phase('on_success', actions);
  }

  onFailure(actions: ActionsInput): this {
    return this.phase('on_failure', actions);
  }

  /** Registers the queued functions for `phase` (a phase name as in EventContext.phase). */
  phase(phase: EventPhase, actions: ActionsInput): this {
    if (typeof phase !== 'string' || !PHASES.has(phase)) {
      throw new ConfigurationError(`Unknown event phase ${JSON.stringify(phase)}: use before, after, on_success or on_failure`);
    }
    if (this.#pending.length === 0) throw new ConfigurationError(`${phase}(): no function to register; call do(fn) first`);
    const set = toActionSet(actions);
    for (const fn of this.#pending) this.push(new PhaseActionHandler(phase, set, fn));
    this.#pending = [];
    return this;
  }
}

/** Starts a builder with queued functions: `on(fn).before('create')`. */
export function on(fn: EventHandlerFn | readonly EventHandlerFn[]): EventHandlerBuilder {
  return new EventHandlerBuilder().do(fn);
}
