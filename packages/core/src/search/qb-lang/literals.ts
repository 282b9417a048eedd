import { pyTruthy as plainTruthy } from '../../value-predicates';
import { failed, type EvalFailure } from './errors';
import { PyDate, PyDateTime, PyTimedelta, PyTimezone, PyTuple, pyType } from './py-objects';

/** Longest string or list a literal operation may build (`'a' * n`). */
export const MAX_LITERAL_SIZE = 100_000;

// Python rules on plain values and the interpreter's Python objects.
export function isInt(value: unknown): value is number | boolean {
  return typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value));
}
export function isNum(value: unknown): value is number | boolean {
  return typeof value === 'boolean' || typeof value === 'number';
}

export function checkedInt(value: number): number {
  if (!Number.isSafeInteger(value)) throw failed('integer result out of the supported range');
  return value;
}

export function checkedNumber(value: number, allInts: boolean): number {
  if (allInts) return checkedInt(value);
  if (!Number.isFinite(value)) throw failed('OverflowError: numeric result out of range');
  return value;
}

/** Python truthiness of an interpreter value. */
export function pyTruthy(value: unknown): boolean {
  if (value instanceof PyTuple) return value.items.length > 0;
  if (value instanceof PyTimedelta) return value.micros !== 0;
  // Every other interpreter object (builders, dates, names) is truthy, as in Python.
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true;
  return plainTruthy(value);
}

export function pyEquals(a: unknown, b: unknown): boolean {
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  }
  if (a instanceof PyTuple && b instanceof PyTuple) return pyEquals(a.items, b.items);
  if (a instanceof PyDateTime && b instanceof PyDateTime) {
    return (a.offsetMinutes === null) === (b.offsetMinutes === null) && a.micros === b.micros;
  }
  if (a instanceof PyDate && b instanceof PyDate) return a.year === b.year && a.month === b.month && a.day === b.day;
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return a.micros === b.micros;
  if (a instanceof PyTimezone && b instanceof PyTimezone) return a.offsetMinutes === b.offsetMinutes;
  return false;
}

/** Python ordering of two literals; undefined when Python would raise TypeError. */
export function pyOrder(a: unknown, b: unknown): number | undefined {
  if (isNum(a) && isNum(b)) return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a instanceof PyDateTime && b instanceof PyDateTime) {
    if ((a.offsetMinutes === null) !== (b.offsetMinutes === null)) return undefined;
    return a.micros - b.micros;
  }
  if (a instanceof PyDate && b instanceof PyDate) {
    return a.year - b.year || a.month - b.month || a.day - b.day;
  }
  if (a instanceof PyTimedelta && b instanceof PyTimedelta) return a.micros - b.micros;
  return undefined;
}

export function unsupportedOperands(op: string, a: unknown, b: unknown): EvalFailure {
  return failed(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`);
}

export function repeat<T>(items: T[] | string, times: number): T[] | string {
  const n = Math.max(0, times);
  if (items.length * n > MAX_LITERAL_SIZE) throw failed('literal result is too large');
  if (typeof items === 'string') return items.repeat(n);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return out;
}

export function bitwise(op: '&' | '|', a: number | boolean, b: number | boolean): number | boolean {
  if (typeof a === 'boolean' && typeof b === 'boolean') return op === '&' ? a && b : a || b;
  const x = BigInt(Number(a));
  const y = BigInt(Number(b));
  return checkedInt(Number(op === '&' ? x & y : x | y));
}

export function pyMod(a: number, b: number): number {
  if (b === 0) throw failed('ZeroDivisionError: integer modulo by zero');
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}
