import { ConfigurationError, PermissionResult, type EventContext, type IPermissionChecker } from '@specstar/interfaces';
import { toActionSet, type ActionsInput } from '../event-builder';
import type { PermissionFn } from './types';

/** Allows everything (the registry default when no checker is configured). */
export class AllowAll implements IPermissionChecker {
  checkPermission(): PermissionResult {
    return PermissionResult.allow;
  }
}

/** Allows only the root user; denies everyone else (anonymous included). */
export class RootOnly implements IPermissionChecker {
  constructor(readonly rootUser: string = 'root') {
    if (typeof rootUser !== 'string' || rootUser === '') throw new ConfigurationError('RootOnly: rootUser must be a non-empty string');
  }

  checkPermission(ctx: EventContext): PermissionResult {
    return ctx.user === this.rootUser ? PermissionResult.allow : PermissionResult.deny;
  }
}

function checkChecker(checker: unknown, where: string): IPermissionChecker {
  if (typeof checker !== 'object' || checker === null || typeof (checker as IPermissionChecker).checkPermission !== 'function') {
    throw new ConfigurationError(`${where} must have a checkPermission(ctx) method`);
  }
  return checker as IPermissionChecker;
}

function checkFn(fn: unknown, where: string): PermissionFn {
  if (typeof fn !== 'function') throw new ConfigurationError(`${where} must be a function, got ${fn === null ? 'null' : typeof fn}`);
  return fn as PermissionFn;
}

/** Runs every checker: any deny → deny; else any allow → allow; else not_applicable. */
export class CompositePermissionChecker implements IPermissionChecker {
  readonly checkers: readonly IPermissionChecker[];

  constructor(checkers: readonly IPermissionChecker[]) {
    if (!Array.isArray(checkers)) throw new ConfigurationError('CompositePermissionChecker: checkers must be an array');
    this.checkers = checkers.map((c, i) => checkChecker(c, `CompositePermissionChecker: checkers[${i}]`));
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    let allowed = false;
    for (const checker of this.checkers) {
      const result = await checker.checkPermission(ctx);
      if (result === PermissionResult.deny) return PermissionResult.deny;
      if (result === PermissionResult.allow) allowed = true;
    }
    return allowed ? PermissionResult.allow : PermissionResult.not_applicable;
  }
}

/** Conditions in the order added; the first result other than not_applicable decides. */
export class ConditionalPermissionChecker implements IPermissionChecker {
  private readonly conditions: PermissionFn[] = [];

  addCondition(fn: PermissionFn): this {
    this.conditions.push(checkFn(fn, 'addCondition: fn'));
    return this;
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    for (const condition of this.conditions) {
      const result = await condition(ctx);
      if (result !== PermissionResult.not_applicable) return result;
    }
    return PermissionResult.not_applicable;
  }
}

/**
 * Handlers per action set. For every registered set that contains the context's action (in
 * registration order), its handlers run in registration order; the first result other than
 * not_applicable decides.
 */
export class ActionBasedPermissionChecker implements IPermissionChecker {
  // Keyed by flag set: registering the same set again appends to its list.
  private readonly handlers = new Map<number, PermissionFn[]>();

  /** `{ create: fn, read: [fn1, fn2], 64: fn }`: keys are action names or flag numbers. */
  static fromDict(handlers: Record<string, PermissionFn | readonly PermissionFn[]>): ActionBasedPermissionChecker {
    if (typeof handlers !== 'object' || handlers === null || Array.isArray(handlers)) {
      throw new ConfigurationError('ActionBasedPermissionChecker.fromDict: expected an object of action → handler(s)');
    }
    const checker = new ActionBasedPermissionChecker();
    for (const [key, value] of Object.entries(handlers)) {
      const action = /^[0-9]+$/.test(key) ? Number(key) : key;
      const fns = Array.isArray(value) ? (value as readonly PermissionFn[]) : [value as PermissionFn];
      for (const fn of fns) checker.registerActionHandler(action as ActionsInput, fn);
    }
    return checker;
  }

  registerActionHandler(actions: ActionsInput, fn: PermissionFn): this {
    const set = toActionSet(actions, 'registerActionHandler: actions');
    checkFn(fn, 'registerActionHandler: fn');
    const list = this.handlers.get(set);
    if (list) list.push(fn);
    else this.handlers.set(set, [fn]);
    return this;
  }

  async checkPermission(ctx: EventContext): Promise<PermissionResult> {
    for (const [set, fns] of this.handlers) {
      if ((set & ctx.action) === 0) continue;
      for (const fn of fns) {
        const result = await fn(ctx);
        if (result !== PermissionResult.not_applicable) return result;
      }
    }
    return PermissionResult.not_applicable;
  }
}
