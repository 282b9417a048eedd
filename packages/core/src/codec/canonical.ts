import { ValidationError } from '@specstar/interfaces';
import { isPlainObject } from '../value-predicates';
import { childPlan, type KnownOrder, pickBranch, type Plan } from './plan';

/**
 * Canonical key order for stable hashes: properties a schema declares come first in
 * declaration order, every other key follows sorted; where the schema says nothing, keys are
 * sorted. `undefined` members are omitted.
 *
 * A schema is compiled once into a {@link Plan} (plan.ts); `canonicalize` then checks in one
 * walk whether a value already has canonical order and copies only the objects that do not.
 */

export { ANY, type Plan } from './plan';

/** Deeper nesting is treated as a cycle. */
const MAX_DEPTH = 512;

/** Thrown inside the walk; the caller reports where with a slower, path-tracking pass. */
class NotEncodable extends Error {}

const objectToString = Object.prototype.toString;

export function isBytes(value: unknown): value is Uint8Array {
  // Realm-independent (jest runs tests in a separate context): no instanceof.
  return ArrayBuffer.isView(value) && (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] === 'Uint8Array';
}

/** A Buffer over the same memory (no copy), for drivers that take only Buffers. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function isDate(value: unknown): value is Date {
  return objectToString.call(value) === '[object Date]';
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** `mode` json: bytes become base64 text; msgpack: bytes stay bytes (packed as `bin`). */
export type CanonicalMode = 'json' | 'msgpack';

/**
 * The value with canonical key order (the same reference when it already has it). Dates
 * become ISO strings; in json mode bytes become base64. Anything that is not JSON data
 * (functions, symbols, bigints, NaN/Infinity, class instances, cycles) → ValidationError.
 */
export function canonicalize(value: unknown, plan: Plan, mode: CanonicalMode): unknown {
  try {
    return canon(value, plan, mode === 'json', 0);
  } catch (error) {
    if (error instanceof NotEncodable || error instanceof RangeError) throw notJsonError(value);
    throw error;
  }
}

function canon(value: unknown, plan: Plan, json: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new NotEncodable();
      return value;
    case 'object':
      break;
    case 'undefined':
      return value; // omitted by the parent (null inside arrays)
    default:
      throw new NotEncodable();
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) throw new NotEncodable();
  if (plan.branches !== null) plan = pickBranch(plan.branches, value);
  if (Array.isArray(value)) return canonArray(value, plan, json, depth);
  if (isPlainObject(value)) return canonObject(value, plan, json, depth);
  if (isBytes(value)) return json ? bytesToBase64(value) : value;
  if (isDate(value)) {
    if (Number.isNaN(value.getTime())) throw new NotEncodable();
    return value.toISOString();
  }
  throw new NotEncodable();
}

function canonArray(array: unknown[], plan: Plan, json: boolean, depth: number): unknown[] {
  let out: unknown[] | undefined;
  const prefix = plan.prefix;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let next = item;
    if (typeof item === 'object') {
      if (item !== null) next = canon(item, i < prefix.length ? (prefix[i] as Plan) : plan.items, json, depth + 1);
    } else if (item === undefined) {
      next = null; // as JSON.stringify does, so both encodings agree
    } else {
      checkScalar(item);
    }
    if (next !== item) out ??= array.slice(0, i);
    if (out) out.push(next);
  }
  return out ?? array;
}

function checkScalar(value: unknown): void {
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return;
  if (type === 'number' && Number.isFinite(value)) return;
  throw new NotEncodable();
}

/** Integer-like keys are always enumerated first, ascending, by every JS engine. */
function isIndexKey(key: string): boolean {
  const n = Number(key);
  return n >= 0 && n <= 0xfffffffe && Number.isInteger(n) && String(n) === key;
}


/**
 * Whether `obj` has exactly the key sequence last found canonical under `plan` and no member
 * that canonicalizes differently. Objects written from one literal share their key order, so
 * this usually settles an object with one string comparison per key instead of rank lookups.
 */
function inKnownOrder(obj: Record<string, unknown>, known: KnownOrder, json: boolean, depth: number): boolean {
  const { keys, plans } = known;
  let i = 0;
  for (const key in obj) {
    if (key !== keys[i]) return false;
    const value = obj[key];
    if (typeof value === 'object') {
      if (value !== null && canon(value, plans[i]!, json, depth + 1) !== value) return false;
    } else if (value === undefined) {
      return false;
    } else {
      checkScalar(value);
    }
    i++;
  }
  return i === keys.length;
}

function canonObject(obj: Record<string, unknown>, plan: Plan, json: boolean, depth: number): Record<string, unknown> {
  if (plan.knownOrder !== null && inKnownOrder(obj, plan.knownOrder, json, depth)) return obj;
  const index = plan.index;
  let inOrder = true;
  let dropUndefined = false;
  let lastRank = -1;
  let lastExtra: string | undefined;
  let replaced: Map<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) {
      // JSON.stringify omits undefined members itself; msgpack needs them removed.
      if (!json) dropUndefined = true;
      continue;
    }
    const rank = index.get(key);
    // Integer-like keys are placed by the engine, not by us: leave them out of the order check.
    const first = key.charCodeAt(0);
    if (!(first >= 48 && first <= 57 && isIndexKey(key))) {
      if (rank !== undefined) {
        if (lastExtra !== undefined || rank < lastRank) inOrder = false;
        lastRank = rank;
      } else {
        if (lastExtra !== undefined && key < lastExtra) inOrder = false;
        lastExtra = key;
      }
    }
    if (typeof value === 'object') {
      if (value !== null) {
        const next = canon(value, childPlan(plan, key, rank), json, depth + 1);
        if (next !== value) (replaced ??= new Map()).set(key, next);
      }
    } else {
      checkScalar(value);
    }
  }
  if (inOrder && !dropUndefined && replaced === undefined) {
    rememberOrder(obj, plan);
    return obj;
  }

  const keys = Object.keys(obj).filter((key) => obj[key] !== undefined);
  keys.sort((a, b) => {
    const ra = index.get(a);
    const rb = index.get(b);
    if (ra !== undefined) return rb !== undefined ? ra - rb : -1;
    if (rb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = replaced?.has(key) ? replaced.get(key) : obj[key];
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function rememberOrder(obj: Record<string, unknown>, plan: Plan): void {
  const keys: string[] = [];
  const plans: Plan[] = [];
  for (const key in obj) {
    keys.push(key);
    plans.push(childPlan(plan, key, plan.index.get(key)));
  }
  plan.knownOrder = { keys, plans };
}

/** Finds the first offending position for the error (slow path, runs only on failure). */
export function notJsonError(root: unknown): ValidationError {
  const ancestors = new Set<object>();
  const find = (value: unknown, path: string): { path: string; message: string } | undefined => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return undefined;
      case 'number':
        return Number.isFinite(value) ? undefined : { path, message: `${String(value)} is not a JSON number` };
      case 'object':
        break;
      default:
        return { path, message: `a ${typeof value} is not JSON data` };
    }
    if (value === null || isBytes(value)) return undefined;
    if (isDate(value)) return Number.isNaN(value.getTime()) ? { path, message: 'is an invalid Date' } : undefined;
    if (!Array.isArray(value) && !isPlainObject(value)) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return { path, message: `a ${name} instance is not JSON data` };
    }
    if (ancestors.has(value)) return { path, message: 'is a circular reference' };
    if (ancestors.size > MAX_DEPTH) return { path, message: `nesting deeper than ${MAX_DEPTH} levels` };
    ancestors.add(value);
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const found = find(child, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (found) return found;
    }
    ancestors.delete(value);
    return undefined;
  };
  const issue = find(root, '') ?? { path: '', message: 'is not JSON data' };
  return new ValidationError(`Data is not JSON-compatible at '${issue.path}': ${issue.message}`, {
    kind: 'type',
    issues: [issue],
  });
}

