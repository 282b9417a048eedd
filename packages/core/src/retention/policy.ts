import { ConfigurationError, ValidationError } from '@specstar/interfaces';

/**
 * Which revisions of a resource survive a prune. A revision is kept when any rule keeps it: it is
 * among the `keepLast` newest (store order), or it was created less than `keepNewerThan` ago.
 * The current revision, revisions pinned by a revision ref and revisions a running dump may still
 * read are kept whatever the policy says.
 */
export interface RetentionPolicy {
  /** Keep the newest N revisions (an integer >= 1). */
  keepLast?: number;
  /** Keep revisions younger than this: milliseconds (> 0) or '<n><unit>' with unit s, m, h, d or w ('30d'). */
  keepNewerThan?: number | string;
}

/** A checked policy: durations in milliseconds. */
export interface CheckedRetention {
  keepLast?: number;
  keepNewerThanMs?: number;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+)(s|m|h|d|w)$/;

function durationMs(value: number | string, field: string, fail: (message: string) => Error): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) throw fail(`${field} must be a positive number of milliseconds or a duration like '30d', got ${value}`);
    return value;
  }
  const match = typeof value === 'string' ? DURATION.exec(value.trim()) : null;
  const ms = match ? Number(match[1]) * UNIT_MS[match[2]!]! : 0;
  if (ms <= 0) throw fail(`${field} must be a duration like '12h', '30d' or '2w' (units s, m, h, d, w) greater than zero, got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Checks a policy; one that would keep nothing (no rule, keepLast 0, a zero duration) is refused
 * with an error naming the field. `where` prefixes field names (e.g. "Model 'post': retention").
 */
export function checkRetention(policy: unknown, where: string, fail: (message: string) => Error): CheckedRetention {
  if (typeof policy !== 'object' || policy === null || Array.isArray(policy)) throw fail(`${where} must be an object { keepLast?, keepNewerThan? }`);
  const { keepLast, keepNewerThan, ...rest } = policy as RetentionPolicy & Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw fail(`${where}.${unknown[0]} is not a retention option (use keepLast and/or keepNewerThan)`);
  if (keepLast === undefined && keepNewerThan === undefined) {
    throw fail(`${where} would keep nothing: set keepLast (>= 1) and/or keepNewerThan (a duration)`);
  }
  const checked: CheckedRetention = {};
  if (keepLast !== undefined) {
    if (typeof keepLast !== 'number' || !Number.isInteger(keepLast) || keepLast < 1) {
      throw fail(`${where}.keepLast must be an integer >= 1 (a policy must keep something), got ${JSON.stringify(keepLast)}`);
    }
    checked.keepLast = keepLast;
  }
  if (keepNewerThan !== undefined) checked.keepNewerThanMs = durationMs(keepNewerThan, `${where}.keepNewerThan`, fail);
  return checked;
}

/** Startup check of `addModel(…, { retention })`. */
export function checkModelRetention(model: string, policy: unknown): CheckedRetention {
  return checkRetention(policy, `Model '${model}': retention`, (message) => new ConfigurationError(message));
}

/** Call-time check of a policy passed to prune (bad input: a 4xx naming the field). */
export function checkPruneRetention(policy: unknown): CheckedRetention {
  return checkRetention(policy, 'retention', (message) => new ValidationError(message, { kind: 'input', issues: [] }));
}
