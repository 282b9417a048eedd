import { AsyncLocalStorage } from 'node:async_hooks';
import { MissingOperationContextError, ValidationError } from '@specstar/interfaces';

/** What a `using()` scope or an explicit call can supply. */
export interface ScopeValues {
  user?: string;
  now?: Date;
  /** Only consulted by create. */
  resourceId?: string;
}

/**
 * One frame of the scope chain. `target` is the manager the scope belongs to, or null for a
 * registry-wide scope. Frames chain to their parent so nested scopes override only the fields
 * they supply.
 */
interface ScopeFrame extends ScopeValues {
  readonly target: object | null;
  readonly parent: ScopeFrame | undefined;
}

const NO_SCOPE: ScopeValues = Object.freeze({});

// Per async call chain, never global: concurrent requests each see their own scope.
const scopes = new AsyncLocalStorage<ScopeFrame>();

export function runInScope<R>(target: object | null, values: ScopeValues, fn: () => R): R {
  checkScopeValues(values);
  return scopes.run({ ...values, target, parent: scopes.getStore() }, fn);
}

/** The innermost value of each field visible to `target` (its own scopes and registry-wide ones). */
export function lookupScope(target: object): ScopeValues {
  let frame = scopes.getStore();
  if (frame === undefined) return NO_SCOPE; // the common case: no scope open, nothing to allocate
  const found: ScopeValues = {};
  for (; frame; frame = frame.parent) {
    if (frame.target !== null && frame.target !== target) continue;
    if (found.user === undefined && frame.user !== undefined) found.user = frame.user;
    if (found.now === undefined && frame.now !== undefined) found.now = frame.now;
    if (found.resourceId === undefined && frame.resourceId !== undefined) found.resourceId = frame.resourceId;
  }
  return found;
}

export function checkScopeValues(values: ScopeValues): void {
  if (values.user !== undefined && (typeof values.user !== 'string' || values.user.length === 0)) {
    throw new ValidationError('user must be a non-empty string', { kind: 'input', issues: [{ path: 'user', message: 'must be a non-empty string' }] });
  }
  if (values.now !== undefined && !(values.now instanceof Date && !Number.isNaN(values.now.getTime()))) {
    throw new ValidationError('now must be a valid Date', { kind: 'input', issues: [{ path: 'now', message: 'must be a valid Date' }] });
  }
}

export interface ContextDefaults {
  defaultUser?: string | (() => string);
  defaultNow?: () => Date;
  strict: boolean;
}

/**
 * The user and clock of one top-level operation, resolved once so every field the operation
 * writes carries the same values. In strict mode missing values fail before any event fires;
 * otherwise a missing clock falls back to the wall clock and a missing user fails where it is
 * first needed.
 */
export class OperationContext {
  private constructor(
    private readonly resolvedUser: string | undefined,
    readonly now: Date,
    readonly method: string,
    /** An explicit id for create, from the call or the innermost scope. */
    readonly resourceId: string | undefined,
  ) {}

  static resolve(target: object, method: string, explicit: ScopeValues | undefined, defaults: ContextDefaults): OperationContext {
    if (explicit) checkScopeValues(explicit);
    const scoped = lookupScope(target);
    let user = explicit?.user ?? scoped.user;
    if (user === undefined && defaults.defaultUser !== undefined) {
      user = typeof defaults.defaultUser === 'function' ? defaults.defaultUser() : defaults.defaultUser;
    }
    let now = explicit?.now ?? scoped.now ?? defaults.defaultNow?.();
    if (defaults.strict) {
      const missing: string[] = [];
      if (user === undefined) missing.push('user');
      if (now === undefined) missing.push('now');
      if (missing.length > 0) throw new MissingOperationContextError(missing, method);
    }
    now ??= new Date();
    if (user !== undefined && (typeof user !== 'string' || user.length === 0)) checkScopeValues({ user });
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) checkScopeValues({ now });
    return new OperationContext(user, now, method, explicit?.resourceId ?? scoped.resourceId);
  }

  /** The acting user; throws MissingOperationContextError at the first point of need. */
  get user(): string {
    if (this.resolvedUser === undefined) throw new MissingOperationContextError(['user'], this.method);
    return this.resolvedUser;
  }

  /** The user if known, for event contexts (UNSET when not resolvable). */
  get userIfKnown(): string | undefined {
    return this.resolvedUser;
  }
}
