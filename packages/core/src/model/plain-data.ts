import { isBytes, isDate, notJsonError } from '../codec/canonical';
import { isPlainObject } from '../value-predicates';

/** Plain-data copying: a caller's value as JSON data, copied only where it must be. */

export const MAX_DEPTH = 512;

export class NotPlain extends Error {}

/**
 * The value as JSON data: Dates become ISO strings, bytes stay bytes, everything else must be
 * JSON (no functions, class instances, cycles, NaN/Infinity). Returns the same reference when
 * nothing changes unless `copy` asks for fresh containers (ajv writes defaults into them).
 */
export function plainData(value: unknown, copy: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new NotPlain();
      return value;
    case 'object':
      break;
    default:
      throw new NotPlain();
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) throw new NotPlain();
  if (Array.isArray(value)) {
    // oxlint-disable-next-line unicorn/no-new-array -- preallocated on the hot path; every index is written below.
    let out: unknown[] | undefined = copy ? new Array<unknown>(value.length) : undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = plainData(item, copy, depth + 1);
      if (!out && next !== item) out = value.slice(0, i);
      if (out) out[i] = next;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    const record = value;
    let out: Record<string, unknown> | undefined = copy ? {} : undefined;
    let index = 0;
    for (const key in record) {
      const item = record[key];
      const next = plainData(item, copy, depth + 1);
      if (!out && next !== item) {
        out = {};
        let i = 0;
        for (const k in record) {
          if (i++ === index) break;
          assign(out, k, record[k]);
        }
      }
      if (out) assign(out, key, next);
      index++;
    }
    return out ?? value;
  }
  if (isBytes(value)) return value;
  if (isDate(value)) {
    if (Number.isNaN(value.getTime())) throw new NotPlain();
    return value.toISOString();
  }
  throw new NotPlain();
}

export function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A copy of the object's own keys (nested containers shared); `__proto__` stays a plain key. */
export function shallowCopy(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) assign(out, key, record[key]);
  return out;
}

export function toPlainData(value: unknown, copy: boolean): unknown {
  try {
    return plainData(value, copy, 0);
  } catch (error) {
    if (error instanceof NotPlain || error instanceof RangeError) throw notJsonError(value);
    throw error;
  }
}
