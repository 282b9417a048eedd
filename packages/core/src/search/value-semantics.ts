/** Value helpers of search: text forms, code-point order, deep equality, operand forms. */
import { parseInstant } from '../codec/instants';
import { isPlainObject } from '../value-predicates';
import { compilePattern, type SearchRegex } from './pattern';

export { isPlainObject, pyTruthy } from '../value-predicates';

/** ISO-8601 UTC with exactly millisecond precision — the stored form of indexed instants. */
export function toIsoMillis(date: Date): string {
  return date.toISOString();
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
/** The value's natural text form, used by contains / starts_with / ends_with / regex. */
export function textForm(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'undefined':
      return 'null';
    default:
      if (value === null) return 'null';
      if (value instanceof Date) return isValidDate(value) ? value.toISOString() : 'null';
      // What JSON cannot show (functions, symbols, cycles, bigints) keeps String()'s text, whatever it is.
      try {
        // oxlint-disable-next-line typescript/no-base-to-string -- see above
        return JSON.stringify(value) ?? String(value);
      } catch {
        // oxlint-disable-next-line typescript/no-base-to-string -- see above
        return String(value);
      }
  }
}


// Strings made only of chars below U+D800 order the same by code unit and by code point.
const HIGH_CODE_UNIT = /[\uD800-\uFFFF]/;

/** Compares strings by Unicode code point (Python and SQL byte order), not by UTF-16 code unit. */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  // The native comparison is fast on every string representation; it is exact unless a
  // surrogate meets a char in U+E000–U+FFFF at the first difference.
  if (!HIGH_CODE_UNIT.test(a) || !HIGH_CODE_UNIT.test(b)) return a < b ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let ca = a.charCodeAt(i);
    let cb = b.charCodeAt(i);
    if (ca !== cb) {
      // Surrogates (D800–DFFF) encode code points above FFFF, so they must sort after E000–FFFF.
      if (ca >= 0xd800 && cb >= 0xd800) {
        ca = ca < 0xe000 ? ca + 0x2000 : ca - 0x800;
        cb = cb < 0xe000 ? cb + 0x2000 : cb - 0x800;
      }
      return ca - cb;
    }
  }
  return a.length - b.length;
}

/** Strict, type-aware deep equality (bool ≠ number; lists by element; maps by key set). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(rb, key) || !deepEqual(ra[key], rb[key])) return false;
  }
  return true;
}

function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** The `len` transform: characters of a string, elements of a list, keys of a map. */
export function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return codePointLength(value);
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return undefined;
}

export function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** All bits of `flags` set in `value` (bit-set membership on integers). */
export function hasAllBits(value: number, flags: number): boolean {
  if (value >= 0 && flags >= 0 && value <= 0x7fffffff && flags <= 0x7fffffff) {
    return (value & flags) === flags;
  }
  if (!Number.isSafeInteger(value) || !Number.isSafeInteger(flags)) return false;
  const f = BigInt(flags);
  return (BigInt(value) & f) === f;
}

/**
 * Compiles a search pattern (Python `re` syntax, unanchored search) for the linear-time engine
 * of pattern.ts; a non-string operand is matched as its text form.
 */
export function compileSearchRegex(pattern: unknown, fieldPath?: string): SearchRegex {
  return compilePattern(textForm(pattern), fieldPath);
}

// ---- operands ----------------------------------------------------------------------

function instantOperandScalar(value: unknown): unknown {
  if (typeof value === 'string') return parseInstant(value) ?? value;
  return value;
}

/** Operands of conditions on meta time fields compare as instants. */
export function instantOperand(value: unknown): unknown {
  return Array.isArray(value) ? value.map(instantOperandScalar) : instantOperandScalar(value);
}

function dataOperandScalar(value: unknown): unknown {
  return isValidDate(value) ? toIsoMillis(value) : value;
}

/** [port decision] Date operands on data fields compare as ISO ms UTC strings. */
export function dataOperand(value: unknown): unknown {
  return Array.isArray(value) ? value.map(dataOperandScalar) : dataOperandScalar(value);
}

/** The evaluator's notion of a primitive: compared with `===`, never deeply. */
export function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

export function membership(list: readonly unknown[]): (value: unknown) => boolean {
  const primitives = new Set<unknown>();
  const composites: unknown[] = [];
  for (const item of list) {
    if (isPrimitive(item)) primitives.add(item);
    else composites.push(item);
  }
  if (composites.length === 0) return (v) => primitives.has(v);
  return (v) => (isPrimitive(v) ? primitives.has(v) : composites.some((c) => deepEqual(v, c)));
}

/** A stored meta instant as a Date (ISO strings parsed); other values unchanged. */
export function metaInstant(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return parseInstant(value) ?? value;
  return value;
}
