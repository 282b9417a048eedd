/**
 * The `qb` string language (http-api §10.7): a Python-subset expression parsed by a peggy
 * parser generated from QB_GRAMMAR, then interpreted over a closed whitelist — the names QB,
 * dt and datetime; the QB entry points; the builder methods; datetime constructors. Nothing
 * from the input is ever evaluated as code.
 *
 * Every rejection is a QueryError whose message is `Invalid QB expression: <reason>` and whose
 * `position` points at the offending token.
 */
import { generate, type LocationRange, type Parser } from 'peggy';
import { QueryError, type SearchSort } from '@specstar/interfaces';
import { QB_GRAMMAR } from './qb-grammar';
import { ConditionBuilder, Field, QB, isQueryBuilder, type QueryBuilder, type TimezoneInput } from './qb';

/** Longest accepted expression, in characters. */
export const MAX_QB_LENGTH = 10_000;
/** Deepest accepted bracket nesting. */
export const MAX_QB_NESTING = 64;
/** Deepest accepted syntax tree (bracket nesting adds a few tree levels per bracket). */
const MAX_TREE_DEPTH = 256;
/** Longest string or list a literal operation may build (`'a' * n`). */
const MAX_LITERAL_SIZE = 100_000;

export interface ParseQbOptions {
  /** "Now" for the time helpers (today(), last_n_days(), …); default: the QB clock. */
  now?: Date;
}

type Position = { offset: number; line: number; column: number };

// ---- syntax tree (see qb-grammar.ts) ---------------------------------------------------

interface OpToken {
  text: string;
  loc: LocationRange;
}
type Arg =
  | { kind: 'pos'; value: Node }
  | { kind: 'kw'; name: string; value: Node; loc: LocationRange }
  | { kind: 'star' | 'starstar'; loc: LocationRange };
type Trailer =
  | { kind: 'attr'; name: string; loc: LocationRange }
  | { kind: 'call'; args: Arg[]; loc: LocationRange }
  | { kind: 'subscript'; index: Node; loc: LocationRange };
type Node = { loc: LocationRange } & (
  | { type: 'Const'; value: null | boolean | number | string }
  | { type: 'Name'; id: string }
  | { type: 'List' | 'Tuple'; elts: Node[] }
  | { type: 'Unsupported'; what: string }
  | { type: 'Chain'; head: Node; tail: Array<{ op: OpToken; right: Node }> }
  | { type: 'Unary'; ops: OpToken[]; operand: Node }
  | { type: 'Not'; count: number; operand: Node }
  | { type: 'Compare'; left: Node; links: Array<{ op: OpToken; right: Node }> }
  | { type: 'Primary'; head: Node; trailers: Trailer[] }
);

// ---- runtime values ------------------------------------------------------------------

class QbRoot {}
class DtModule {}
const QB_ROOT = new QbRoot();
const DT_MODULE = new DtModule();

type DtClassName = 'datetime' | 'date' | 'time' | 'timedelta' | 'timezone';
class DtClass {
  constructor(readonly name: DtClassName) {}
}
class PyTimezone {
  constructor(readonly offsetMinutes: number) {}
}
/** An instant in epoch microseconds; `offsetMinutes` null = naive (read as UTC). */
class PyDateTime {
  constructor(
    readonly micros: number,
    readonly offsetMinutes: number | null,
  ) {}
}
class PyDate {
  constructor(
    readonly year: number,
    readonly month: number,
    readonly day: number,
  ) {}
}
class PyTime {
  constructor(
    readonly hour: number,
    readonly minute: number,
    readonly second: number,
    readonly microsecond: number,
    readonly tzinfo: PyTimezone | null,
  ) {}
}
class PyTimedelta {
  constructor(readonly micros: number) {}
}
class PyTuple {
  constructor(readonly items: unknown[]) {}
}
class BoundMethod {
  constructor(
    readonly target: unknown,
    readonly name: string,
  ) {}
}
/** A sort key from `.asc()` / `.desc()`; only meaningful as an argument of sort(). */
class SortKey {
  constructor(readonly sort: SearchSort) {}
}

const MICROS_PER_DAY = 86_400_000_000;
const DT_CLASSES: ReadonlySet<string> = new Set(['datetime', 'date', 'time', 'timedelta', 'timezone']);

function pyType(value: unknown): string {
  if (value === null || value === undefined) return 'NoneType';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
      return Number.isInteger(value) ? 'int' : 'float';
    case 'string':
      return 'str';
  }
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyTuple) return 'tuple';
  if (value instanceof Field) return 'Field';
  if (value instanceof ConditionBuilder) return 'ConditionBuilder';
  if (isQueryBuilder(value)) return 'Query';
  if (value instanceof PyDateTime) return 'datetime';
  if (value instanceof PyDate) return 'date';
  if (value instanceof PyTime) return 'time';
  if (value instanceof PyTimedelta) return 'timedelta';
  if (value instanceof PyTimezone) return 'timezone';
  if (value instanceof DtClass) return 'type';
  if (value instanceof DtModule) return 'module';
  if (value instanceof QbRoot) return 'QueryBuilderMeta';
  if (value instanceof BoundMethod) return 'method';
  if (value instanceof SortKey) return value.sort.type === 'meta' ? 'ResourceMetaSearchSort' : 'ResourceDataSearchSort';
  return 'object';
}

// ---- errors --------------------------------------------------------------------------

function positionAt(text: string, offset: number): Position {
  let line = 1;
  let column = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      column = 1;
    } else column++;
  }
  return { offset, line, column };
}

function invalid(reason: string, position?: Position): QueryError {
  return new QueryError(`Invalid QB expression: ${reason}`, position);
}

/** An error from evaluating the expression (the §10.7 "Failed to parse QB expression" wrapper). */
class EvalFailure {
  constructor(
    readonly reason: string,
    readonly wrapped: boolean,
  ) {}
}

function rejected(reason: string): EvalFailure {
  return new EvalFailure(reason, false);
}
function failed(reason: string): EvalFailure {
  return new EvalFailure(reason, true);
}

// ---- parser --------------------------------------------------------------------------

let cachedParser: Parser | undefined;

/** Generated once, on first use. Packrat caching keeps backtracking linear. */
function qbParser(): Parser {
  // No packrat cache: the grammar factors its shared prefixes, and memo tables cost more than they save.
  cachedParser ??= generate(QB_GRAMMAR, { cache: false });
  return cachedParser;
}

/** Index just past the string literal opening at `start` (or the end of the text). */
function skipString(text: string, start: number): number {
  const quote = text[start] as string;
  const triple = text.startsWith(quote.repeat(3), start);
  let i = start + (triple ? 3 : 1);
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\') i += 2;
    else if (triple ? text.startsWith(quote.repeat(3), i) : ch === quote) return i + (triple ? 3 : 1);
    else if (!triple && ch === '\n') return i;
    else i++;
  }
  return text.length;
}

/** Rejects bracket nesting deeper than MAX_QB_NESTING before the recursive parser sees it. */
function checkNesting(text: string): void {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const ch = text[i] as string;
    if (ch === '"' || ch === "'") {
      i = skipString(text, i);
      continue;
    }
    if (ch === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') {
      depth++;
      if (depth > MAX_QB_NESTING) {
        throw invalid(`expression is nested more than ${MAX_QB_NESTING} levels deep`, positionAt(text, i));
      }
    } else if ((ch === ')' || ch === ']' || ch === '}') && depth > 0) depth--;
    i++;
  }
}

function children(node: Node): Node[] {
  switch (node.type) {
    case 'List':
    case 'Tuple':
      return node.elts;
    case 'Chain':
      return [node.head, ...node.tail.map((t) => t.right)];
    case 'Unary':
    case 'Not':
      return [node.operand];
    case 'Compare':
      return [node.left, ...node.links.map((l) => l.right)];
    case 'Primary': {
      const out = [node.head];
      for (const t of node.trailers) {
        if (t.kind === 'subscript') out.push(t.index);
        else if (t.kind === 'call') for (const a of t.args) if (a.kind === 'pos' || a.kind === 'kw') out.push(a.value);
      }
      return out;
    }
    default:
      return [];
  }
}

function checkTreeDepth(root: Node): void {
  const stack: Array<[Node, number]> = [[root, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [Node, number];
    if (depth > MAX_TREE_DEPTH) {
      throw invalid('expression is nested too deeply', node.loc.start);
    }
    for (const child of children(node)) stack.push([child, depth + 1]);
  }
}

interface PeggySyntaxError {
  message: string;
  location: LocationRange;
  found?: string | null;
  expected?: unknown[] | null;
}

function isPeggySyntaxError(err: unknown): err is PeggySyntaxError {
  return (
    err instanceof Error &&
    err.name === 'SyntaxError' &&
    typeof (err as { location?: { start?: unknown } }).location?.start === 'object'
  );
}

function parseTree(text: string): Node {
  try {
    return qbParser().parse(text) as Node;
  } catch (err) {
    if (isPeggySyntaxError(err)) {
      const { line, column } = err.location.start;
      // Grammar-level error() calls carry their own message; token failures say what was found.
      const detail =
        err.expected === null || err.expected === undefined
          ? err.message
          : err.found === null || err.found === undefined
            ? 'unexpected end of input'
            : `unexpected ${JSON.stringify(err.found)}`;
      throw invalid(`Syntax error in QB expression: ${detail} at line ${line}, column ${column}`, err.location.start);
    }
    // A pathological input (e.g. thousands of chained `**`) can exhaust the parser's stack.
    if (err instanceof RangeError) throw invalid('expression is nested too deeply');
    throw err;
  }
}

// ---- literal semantics (Python rules on plain values) ----------------------------------

function isInt(value: unknown): value is number | boolean {
  return typeof value === 'boolean' || (typeof value === 'number' && Number.isInteger(value));
}
function isNum(value: unknown): value is number | boolean {
  return typeof value === 'boolean' || typeof value === 'number';
}

function checkedInt(value: number): number {
  if (!Number.isSafeInteger(value)) throw failed('integer result out of the supported range');
  return value;
}

function checkedNumber(value: number, allInts: boolean): number {
  if (allInts) return checkedInt(value);
  if (!Number.isFinite(value)) throw failed('OverflowError: numeric result out of range');
  return value;
}

function pyTruthy(value: unknown): boolean {
  if (value === null || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (value instanceof PyTuple) return value.items.length > 0;
  if (value instanceof PyTimedelta) return value.micros !== 0;
  return true;
}

function pyEquals(a: unknown, b: unknown): boolean {
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
function pyOrder(a: unknown, b: unknown): number | undefined {
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

function unsupportedOperands(op: string, a: unknown, b: unknown): EvalFailure {
  return failed(`unsupported operand type(s) for ${op}: '${pyType(a)}' and '${pyType(b)}'`);
}

function repeat<T>(items: T[] | string, times: number): T[] | string {
  const n = Math.max(0, times);
  if (items.length * n > MAX_LITERAL_SIZE) throw failed('literal result is too large');
  if (typeof items === 'string') return items.repeat(n);
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(...items);
  return out;
}

function bitwise(op: '&' | '|', a: number | boolean, b: number | boolean): number | boolean {
  if (typeof a === 'boolean' && typeof b === 'boolean') return op === '&' ? a && b : a || b;
  const x = BigInt(Number(a));
  const y = BigInt(Number(b));
  return checkedInt(Number(op === '&' ? x & y : x | y));
}

function pyMod(a: number, b: number): number {
  if (b === 0) throw failed('ZeroDivisionError: integer modulo by zero');
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

// ---- datetime ------------------------------------------------------------------------

function wallMillis(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  ms: number,
): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(hour, minute, second, ms);
  return d.getTime();
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Wall-clock fields of a datetime in its own offset (naive = UTC). */
function wallFields(value: PyDateTime): { date: Date; microsecond: number } {
  const wall = value.micros + (value.offsetMinutes ?? 0) * 60_000_000;
  const ms = floorDiv(wall, 1000);
  const date = new Date(ms);
  return { date, microsecond: date.getUTCMilliseconds() * 1000 + (wall - ms * 1000) };
}

function checkDateRange(value: PyDateTime): PyDateTime {
  const year = wallFields(value).date.getUTCFullYear();
  if (year < 1 || year > 9999) throw failed('OverflowError: date value out of range');
  return value;
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

function dateOrdinalMillis(d: PyDate): number {
  return wallMillis(d.year, d.month, d.day, 0, 0, 0, 0);
}

function dateFromMillis(ms: number): PyDate {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) throw failed('OverflowError: date value out of range');
  return new PyDate(year, d.getUTCMonth() + 1, d.getUTCDate());
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

// ---- argument binding --------------------------------------------------------------------

const NO_VALUE: unique symbol = Symbol('no value');

interface Signature {
  params: readonly string[];
  defaults?: Readonly<Record<string, unknown>>;
  variadic?: boolean;
}

function bind(name: string, sig: Signature, positional: unknown[], keywords: Map<string, unknown>): unknown[] {
  if (sig.variadic) {
    const [first] = keywords.keys();
    if (first !== undefined) throw failed(`${name}() got an unexpected keyword argument '${first}'`);
    return positional;
  }
  if (positional.length > sig.params.length) {
    throw failed(`${name}() takes ${sig.params.length} positional argument(s) but ${positional.length} were given`);
  }
  for (const key of keywords.keys()) {
    const index = sig.params.indexOf(key);
    if (index < 0) throw failed(`${name}() got an unexpected keyword argument '${key}'`);
    if (index < positional.length) throw failed(`${name}() got multiple values for argument '${key}'`);
  }
  return sig.params.map((param, i) => {
    if (i < positional.length) return positional[i];
    if (keywords.has(param)) return keywords.get(param);
    if (sig.defaults && param in sig.defaults) return sig.defaults[param];
    throw failed(`${name}() missing required argument: '${param}'`);
  });
}

function requireInt(value: unknown, what: string): number {
  if (!isInt(value)) throw failed(`TypeError: ${what} must be an integer, not '${pyType(value)}'`);
  return Number(value);
}

function tzinfoArg(value: unknown): PyTimezone | null {
  if (value === null || value instanceof PyTimezone) return value;
  throw failed(`TypeError: tzinfo argument must be None or of a tzinfo subclass, not '${pyType(value)}'`);
}

function checkRange(value: number, lo: number, hi: number, what: string): number {
  if (value < lo || value > hi) throw failed(`ValueError: ${what} must be in ${lo}..${hi}`);
  return value;
}

const DATETIME_SIG: Signature = {
  params: ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'],
  defaults: { hour: 0, minute: 0, second: 0, microsecond: 0, tzinfo: null, fold: 0 },
};
const DATE_SIG: Signature = { params: ['year', 'month', 'day'] };
const TIME_SIG: Signature = {
  params: ['hour', 'minute', 'second', 'microsecond', 'tzinfo', 'fold'],
  defaults: { hour: 0, minute: 0, second: 0, microsecond: 0, tzinfo: null, fold: 0 },
};
const TIMEDELTA_SIG: Signature = {
  params: ['days', 'seconds', 'microseconds', 'milliseconds', 'minutes', 'hours', 'weeks'],
  defaults: { days: 0, seconds: 0, microseconds: 0, milliseconds: 0, minutes: 0, hours: 0, weeks: 0 },
};
const TIMEDELTA_UNITS = [MICROS_PER_DAY, 1_000_000, 1, 1000, 60_000_000, 3_600_000_000, 7 * MICROS_PER_DAY];

function checkedDate(year: number, month: number, day: number): [number, number, number] {
  checkRange(year, 1, 9999, 'year');
  checkRange(month, 1, 12, 'month');
  if (day < 1 || day > daysInMonth(year, month)) throw failed('ValueError: day is out of range for month');
  return [year, month, day];
}

function construct(cls: DtClassName, positional: unknown[], keywords: Map<string, unknown>): unknown {
  switch (cls) {
    case 'datetime': {
      const [y, mo, d, h, mi, s, us, tz] = bind('datetime', DATETIME_SIG, positional, keywords);
      const [year, month, day] = checkedDate(requireInt(y, 'year'), requireInt(mo, 'month'), requireInt(d, 'day'));
      const hour = checkRange(requireInt(h, 'hour'), 0, 23, 'hour');
      const minute = checkRange(requireInt(mi, 'minute'), 0, 59, 'minute');
      const second = checkRange(requireInt(s, 'second'), 0, 59, 'second');
      const micro = checkRange(requireInt(us, 'microsecond'), 0, 999_999, 'microsecond');
      const zone = tzinfoArg(tz);
      const wall = wallMillis(year, month, day, hour, minute, second, Math.floor(micro / 1000)) * 1000 + (micro % 1000);
      const offset = zone === null ? null : zone.offsetMinutes;
      return new PyDateTime(wall - (offset ?? 0) * 60_000_000, offset);
    }
    case 'date': {
      const [y, mo, d] = bind('date', DATE_SIG, positional, keywords);
      return new PyDate(...checkedDate(requireInt(y, 'year'), requireInt(mo, 'month'), requireInt(d, 'day')));
    }
    case 'time': {
      const [h, mi, s, us, tz] = bind('time', TIME_SIG, positional, keywords);
      return new PyTime(
        checkRange(requireInt(h, 'hour'), 0, 23, 'hour'),
        checkRange(requireInt(mi, 'minute'), 0, 59, 'minute'),
        checkRange(requireInt(s, 'second'), 0, 59, 'second'),
        checkRange(requireInt(us, 'microsecond'), 0, 999_999, 'microsecond'),
        tzinfoArg(tz),
      );
    }
    case 'timedelta': {
      const values = bind('timedelta', TIMEDELTA_SIG, positional, keywords);
      let micros = 0;
      values.forEach((v, i) => {
        if (!isNum(v)) {
          throw failed(`TypeError: unsupported type for timedelta ${TIMEDELTA_SIG.params[i]} component: ${pyType(v)}`);
        }
        micros += Number(v) * (TIMEDELTA_UNITS[i] as number);
      });
      return makeTimedelta(micros);
    }
    case 'timezone':
      throw rejected('Method not allowed: timezone');
  }
}

function makeTimedelta(micros: number): PyTimedelta {
  const rounded = Math.round(micros);
  if (!Number.isFinite(rounded) || Math.abs(rounded) > 999_999_999 * MICROS_PER_DAY) {
    throw failed('OverflowError: timedelta out of range');
  }
  return new PyTimedelta(rounded);
}

function dtAttribute(value: unknown, name: string): unknown {
  if (value instanceof DtClass && value.name === 'timezone' && name === 'utc') return new PyTimezone(0);
  if (value instanceof PyDateTime) {
    const { date, microsecond } = wallFields(value);
    const fields: Record<string, unknown> = {
      year: date.getUTCFullYear(),
      month: date.getUTCMonth() + 1,
      day: date.getUTCDate(),
      hour: date.getUTCHours(),
      minute: date.getUTCMinutes(),
      second: date.getUTCSeconds(),
      microsecond,
      tzinfo: value.offsetMinutes === null ? null : new PyTimezone(value.offsetMinutes),
    };
    return name in fields ? fields[name] : NO_VALUE;
  }
  if (value instanceof PyDate) {
    if (name === 'year' || name === 'month' || name === 'day') return value[name];
    return NO_VALUE;
  }
  if (value instanceof PyTime) {
    if (name === 'hour' || name === 'minute' || name === 'second' || name === 'microsecond' || name === 'tzinfo') {
      return value[name];
    }
    return NO_VALUE;
  }
  if (value instanceof PyTimedelta) {
    const days = floorDiv(value.micros, MICROS_PER_DAY);
    const rest = value.micros - days * MICROS_PER_DAY;
    const seconds = floorDiv(rest, 1_000_000);
    const fields: Record<string, number> = { days, seconds, microseconds: rest - seconds * 1_000_000 };
    return name in fields ? fields[name] : NO_VALUE;
  }
  return NO_VALUE;
}

// ---- builder whitelist -------------------------------------------------------------

type Receiver = 'field' | 'condition' | 'query';

interface MethodSpec extends Signature {
  on: Receiver;
  run: (target: never, args: unknown[], interp: Interpreter) => unknown;
}

type Run<T> = (target: T, args: unknown[], interp: Interpreter) => unknown;

function method<T>(on: Receiver, params: readonly string[], run: Run<T>, extra: Partial<Signature> = {}): MethodSpec {
  return { on, params, ...extra, run: run as MethodSpec['run'] };
}
const fieldMethod = (params: readonly string[], run: Run<Field>, defaults?: Record<string, unknown>): MethodSpec =>
  method('field', params, run, { defaults });
const variadic = <T>(on: Receiver, run: Run<T>): MethodSpec => method(on, [], run, { variadic: true });

/** Field methods taking one operand: Python name → TS method. */
const VALUE_METHODS: Readonly<Record<string, keyof Field>> = {
  eq: 'eq',
  ne: 'ne',
  gt: 'gt',
  gte: 'gte',
  lt: 'lt',
  lte: 'lte',
  contains: 'contains',
  starts_with: 'startsWith',
  ends_with: 'endsWith',
  not_contains: 'notContains',
  not_starts_with: 'notStartsWith',
  not_ends_with: 'notEndsWith',
  regex: 'regex',
  match: 'match',
  icontains: 'icontains',
  istarts_with: 'istartsWith',
  iends_with: 'iendsWith',
  in_: 'in',
  one_of: 'oneOf',
  not_in: 'notIn',
};

/** Field methods without arguments. */
const PLAIN_METHODS: Readonly<Record<string, keyof Field>> = {
  is_not_null: 'isNotNull',
  has_value: 'hasValue',
  is_true: 'isTrue',
  is_false: 'isFalse',
  is_truthy: 'isTruthy',
  is_falsy: 'isFalsy',
  is_empty: 'isEmpty',
  is_blank: 'isBlank',
  length: 'length',
};

function callField(f: Field, name: keyof Field, ...args: unknown[]): unknown {
  return (f[name] as (...a: unknown[]) => unknown).apply(f, args);
}

const TZ_DEFAULT = { tz: null };

/** The builder methods a qb string may call (Python names), with their Python signatures. */
const METHODS: ReadonlyMap<string, MethodSpec> = new Map<string, MethodSpec>([
  ...Object.entries(VALUE_METHODS).map(
    ([py, ts]) => [py, fieldMethod(['value'], (f, [v], i) => callField(f, ts, i.operand(v)))] as const,
  ),
  ...Object.entries(PLAIN_METHODS).map(([py, ts]) => [py, fieldMethod([], (f) => callField(f, ts))] as const),
  ['like', fieldMethod(['pattern'], (f, [p], i) => f.like(i.operand(p) as string))],
  ['between', fieldMethod(['min_val', 'max_val'], (f, [a, b], i) => f.between(i.operand(a), i.operand(b)))],
  ['in_range', fieldMethod(['min_val', 'max_val'], (f, [a, b], i) => f.inRange(i.operand(a), i.operand(b)))],
  ['is_null', fieldMethod(['value'], (f, [v], i) => f.isNull(i.operand(v) as boolean), { value: true })],
  ['exists', fieldMethod(['value'], (f, [v], i) => f.exists(i.operand(v) as boolean), { value: true })],
  ['isna', fieldMethod(['value'], (f, [v], i) => f.isna(i.operand(v) as boolean), { value: true })],
  ['asc', fieldMethod([], (f) => new SortKey(f.asc()))],
  ['desc', fieldMethod([], (f) => new SortKey(f.desc()))],
  ['today', fieldMethod(['tz'], (f, [tz], i) => f.today(i.timezone(tz), i.now), TZ_DEFAULT)],
  ['yesterday', fieldMethod(['tz'], (f, [tz], i) => f.yesterday(i.timezone(tz), i.now), TZ_DEFAULT)],
  ['this_month', fieldMethod(['tz'], (f, [tz], i) => f.thisMonth(i.timezone(tz), i.now), TZ_DEFAULT)],
  ['this_year', fieldMethod(['tz'], (f, [tz], i) => f.thisYear(i.timezone(tz), i.now), TZ_DEFAULT)],
  [
    'this_week',
    fieldMethod(
      ['tz', 'week_start'],
      (f, [tz, ws], i) => f.thisWeek(i.timezone(tz), requireInt(ws, 'week_start'), i.now),
      { tz: null, week_start: 0 },
    ),
  ],
  [
    'last_n_days',
    fieldMethod(['n', 'tz'], (f, [n, tz], i) => f.lastNDays(requireInt(n, 'n'), i.timezone(tz), i.now), TZ_DEFAULT),
  ],
  ['and_', method<ConditionBuilder>('condition', ['other'], (c, [o]) => c.and(condition(o, 'and_')))],
  ['or_', method<ConditionBuilder>('condition', ['other'], (c, [o]) => c.or(condition(o, 'or_')))],
  ['filter', variadic<ConditionBuilder>('condition', (c, args) => c.filter(...conditions(args, 'filter')))],
  ['exclude', variadic<ConditionBuilder>('condition', (c, args) => c.exclude(...conditions(args, 'exclude')))],
  ['sort', variadic<QueryBuilder>('query', (q, args) => q.sort(...args.map(sortArg)))],
  ['order_by', variadic<QueryBuilder>('query', (q, args) => q.orderBy(...args.map(sortArg)))],
  ['limit', method<QueryBuilder>('query', ['limit'], (q, [n]) => q.limit(n as number))],
  ['offset', method<QueryBuilder>('query', ['offset'], (q, [n]) => q.offset(n as number))],
  [
    'page',
    method<QueryBuilder>('query', ['page', 'size'], (q, [p, n]) => q.page(p as number, n as number), {
      defaults: { size: 20 },
    }),
  ],
  ['first', method<QueryBuilder>('query', [], (q) => q.first())],
]);

/**
 * QB attributes usable in qb strings: §10.7 plus the 0.10 entry points. `revision_id`,
 * `schema_version` and `total_revision_count` stay excluded (§10.7: reach them with QB['…']).
 */
const QB_ENTRIES: ReadonlyMap<string, () => Field> = new Map([
  ['resource_id', QB.resourceId],
  ['current_revision_id', QB.currentRevisionId],
  ['created_time', QB.createdTime],
  ['updated_time', QB.updatedTime],
  ['created_by', QB.createdBy],
  ['updated_by', QB.updatedBy],
  ['is_deleted', QB.isDeleted],
  ['rev_status', QB.revStatus],
  ['rev_created_by', QB.revCreatedBy],
  ['rev_updated_by', QB.revUpdatedBy],
  ['rev_created_time', QB.revCreatedTime],
  ['rev_updated_time', QB.revUpdatedTime],
]);

function condition(value: unknown, method: string): ConditionBuilder {
  if (value instanceof ConditionBuilder) return value;
  throw failed(`${method}() expects a condition, got '${pyType(value)}'`);
}

function conditions(values: unknown[], method: string): ConditionBuilder[] {
  return values.map((v) => condition(v, method));
}

function sortArg(value: unknown): string | SearchSort {
  if (typeof value === 'string') return value;
  if (value instanceof SortKey) return value.sort;
  throw failed(`sort() expects "field", "-field" or QB[...].asc()/.desc(), got '${pyType(value)}'`);
}

function receives(target: unknown, on: Receiver): boolean {
  if (on === 'field') return target instanceof Field;
  if (on === 'condition') return target instanceof ConditionBuilder;
  return isQueryBuilder(target);
}

const FIELD_OPERATORS: Readonly<Record<string, 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'>> = {
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
/** `18 < QB['age']` is `QB['age'] > 18` (Python's reflected comparison). */
const REFLECTED: Readonly<Record<string, string>> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};
const SUPPORTED_BINARY: ReadonlySet<string> = new Set(['|', '&', '<<', '>>', '+', '-', '*', '/', '%']);

// ---- interpreter ---------------------------------------------------------------------

class Interpreter {
  constructor(readonly now: Date | undefined) {}

  /** A Python value as a query operand (datetime → Date, tuple → list, date → "YYYY-MM-DD"). */
  operand(value: unknown): unknown {
    if (value === null || typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string') {
      return value;
    }
    if (Array.isArray(value)) return value.map((v) => this.operand(v));
    if (value instanceof PyTuple) return value.items.map((v) => this.operand(v));
    if (value instanceof PyDateTime) return new Date(floorDiv(value.micros, 1000));
    if (value instanceof PyDate) return `${pad(value.year, 4)}-${pad(value.month, 2)}-${pad(value.day, 2)}`;
    if (value instanceof PyTime) {
      const base = `${pad(value.hour, 2)}:${pad(value.minute, 2)}:${pad(value.second, 2)}`;
      const fraction = value.microsecond ? `.${pad(value.microsecond, 6)}` : '';
      return base + fraction + (value.tzinfo ? '+00:00' : '');
    }
    throw failed(`a '${pyType(value)}' cannot be used as a query value`);
  }

  /** A tz argument for the builder; anything but None, an int, a str or dt.timezone.utc is rejected there. */
  timezone(value: unknown): TimezoneInput {
    if (value === null) return undefined;
    if (value instanceof PyTimezone) return value.offsetMinutes / 60;
    return value as TimezoneInput;
  }

  eval(node: Node): unknown {
    switch (node.type) {
      case 'Const':
        return node.value;
      case 'Name':
        if (node.id === 'QB') return QB_ROOT;
        if (node.id === 'dt' || node.id === 'datetime') return DT_MODULE;
        throw this.at(rejected(`Undefined variable: ${node.id}`), node.loc);
      case 'List':
        return node.elts.map((e) => this.eval(e));
      case 'Tuple':
        return new PyTuple(node.elts.map((e) => this.eval(e)));
      case 'Unsupported':
        throw this.at(rejected(`AST node type not supported: ${node.what}`), node.loc);
      case 'Chain': {
        let acc = this.eval(node.head);
        for (const { op, right } of node.tail) {
          if (!SUPPORTED_BINARY.has(op.text)) {
            throw this.at(rejected(`Binary operator not supported: ${op.text}`), op.loc);
          }
          const value = this.eval(right);
          acc = this.guard(() => this.binary(op.text, acc, value), op.loc);
        }
        return acc;
      }
      case 'Unary': {
        let value = this.eval(node.operand);
        for (let i = node.ops.length - 1; i >= 0; i--) {
          const op = node.ops[i] as OpToken;
          const current = value;
          value = this.guard(() => this.unary(op.text, current), op.loc);
        }
        return value;
      }
      case 'Not': {
        const value = this.eval(node.operand);
        if (isQueryBuilder(value)) {
          throw this.at(failed("'not' applies to literals only; negate a condition with ~"), node.loc);
        }
        return node.count % 2 === 1 ? !pyTruthy(value) : pyTruthy(value);
      }
      case 'Compare':
        return this.compare(node);
      case 'Primary':
        return this.primary(node);
    }
  }

  private compare(node: Extract<Node, { type: 'Compare' }>): unknown {
    let left = this.eval(node.left);
    const results: unknown[] = [];
    for (const { op, right } of node.links) {
      if (!(op.text in FIELD_OPERATORS)) {
        throw this.at(rejected(`Comparison operator not supported: ${op.text}`), op.loc);
      }
      const value = this.eval(right);
      const current = left;
      results.push(this.guard(() => this.compareOnce(current, op.text, value), op.loc));
      left = value;
    }
    if (results.length === 1) return results[0];
    // DESIGN §8: a chained comparison is the AND of its links (Python semantics), not the last link.
    const conditions: ConditionBuilder[] = [];
    for (const r of results) {
      if (r instanceof ConditionBuilder) conditions.push(r);
      else if (!pyTruthy(r)) return r;
    }
    return conditions.length === 0 ? results[results.length - 1] : QB.all(...conditions);
  }

  private compareOnce(left: unknown, op: string, right: unknown): unknown {
    if (left instanceof Field || right instanceof Field) {
      const [field, value, fieldOp] =
        left instanceof Field ? [left, right, op] : [right as Field, left, REFLECTED[op] as string];
      if (isQueryBuilder(value)) {
        throw failed('a field can only be compared with a literal value, not with another field or condition');
      }
      return callField(field, FIELD_OPERATORS[fieldOp] as keyof Field, this.operand(value));
    }
    if (isQueryBuilder(left) || isQueryBuilder(right)) {
      throw failed(
        "comparison operators apply to fields, not to combined conditions; put each comparison in parentheses, e.g. (QB['a'] == 1) & (QB['b'] == 2)",
      );
    }
    if (op === '==') return pyEquals(left, right);
    if (op === '!=') return !pyEquals(left, right);
    const order = pyOrder(left, right);
    if (order === undefined) {
      throw failed(`'${op}' not supported between instances of '${pyType(left)}' and '${pyType(right)}'`);
    }
    return op === '<' ? order < 0 : op === '<=' ? order <= 0 : op === '>' ? order > 0 : order >= 0;
  }

  private binary(op: string, a: unknown, b: unknown): unknown {
    if (op === '&' || op === '|') {
      if (a instanceof ConditionBuilder && b instanceof ConditionBuilder) return op === '&' ? a.and(b) : a.or(b);
      if (isInt(a) && isInt(b)) return bitwise(op, a, b);
      throw unsupportedOperands(op, a, b);
    }
    if (a instanceof Field && (op === '<<' || op === '>>' || op === '%')) {
      const value = this.operand(b);
      return op === '<<' ? a.in(value as unknown[]) : op === '>>' ? a.contains(value) : a.regex(value as string);
    }
    if (isQueryBuilder(a) || isQueryBuilder(b)) throw unsupportedOperands(op, a, b);
    switch (op) {
      case '<<':
      case '>>': {
        if (!isInt(a) || !isInt(b)) throw unsupportedOperands(op, a, b);
        const x = Number(a);
        const n = Number(b);
        if (n < 0) throw failed('ValueError: negative shift count');
        if (op === '>>') return n > 1074 ? (x < 0 ? -1 : 0) : Math.floor(x / 2 ** n);
        if (x === 0) return 0;
        if (n > 53) throw failed('integer result out of the supported range');
        return checkedInt(x * 2 ** n);
      }
      case '+':
        return this.add(a, b);
      case '-':
        return this.subtract(a, b);
      case '*':
        return this.multiply(a, b);
      case '/':
        if (isNum(a) && isNum(b)) {
          if (Number(b) === 0) throw failed('ZeroDivisionError: division by zero');
          return checkedNumber(Number(a) / Number(b), false);
        }
        if (a instanceof PyTimedelta && isNum(b)) {
          if (Number(b) === 0) throw failed('ZeroDivisionError: division by zero');
          return makeTimedelta(a.micros / Number(b));
        }
        if (a instanceof PyTimedelta && b instanceof PyTimedelta) {
          if (b.micros === 0) throw failed('ZeroDivisionError: division by zero');
          return a.micros / b.micros;
        }
        throw unsupportedOperands(op, a, b);
      case '%':
        if (isNum(a) && isNum(b)) return checkedNumber(pyMod(Number(a), Number(b)), isInt(a) && isInt(b));
        if (typeof a === 'string') throw failed("string formatting with '%' is not supported");
        throw unsupportedOperands(op, a, b);
    }
    throw rejected(`Binary operator not supported: ${op}`);
  }

  private add(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) + Number(b), isInt(a) && isInt(b));
    if (typeof a === 'string' && typeof b === 'string') {
      if (a.length + b.length > MAX_LITERAL_SIZE) throw failed('literal result is too large');
      return a + b;
    }
    if (Array.isArray(a) && Array.isArray(b)) return repeat([...a, ...b], 1);
    if (a instanceof PyTuple && b instanceof PyTuple) {
      return new PyTuple(repeat([...a.items, ...b.items], 1) as unknown[]);
    }
    if (a instanceof PyTimedelta && b instanceof PyTimedelta) return makeTimedelta(a.micros + b.micros);
    const [dt, td] = a instanceof PyTimedelta ? [b, a] : [a, b];
    if (td instanceof PyTimedelta) {
      if (dt instanceof PyDateTime) return checkDateRange(new PyDateTime(dt.micros + td.micros, dt.offsetMinutes));
      if (dt instanceof PyDate) {
        return dateFromMillis(dateOrdinalMillis(dt) + floorDiv(td.micros, MICROS_PER_DAY) * 86_400_000);
      }
    }
    throw unsupportedOperands('+', a, b);
  }

  private subtract(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) - Number(b), isInt(a) && isInt(b));
    if (a instanceof PyTimedelta && b instanceof PyTimedelta) return makeTimedelta(a.micros - b.micros);
    if (a instanceof PyDateTime && b instanceof PyTimedelta) {
      return checkDateRange(new PyDateTime(a.micros - b.micros, a.offsetMinutes));
    }
    if (a instanceof PyDateTime && b instanceof PyDateTime) {
      if ((a.offsetMinutes === null) !== (b.offsetMinutes === null)) {
        throw failed("TypeError: can't subtract offset-naive and offset-aware datetimes");
      }
      return makeTimedelta(a.micros - b.micros);
    }
    if (a instanceof PyDate && b instanceof PyTimedelta) {
      return dateFromMillis(dateOrdinalMillis(a) - floorDiv(b.micros, MICROS_PER_DAY) * 86_400_000);
    }
    if (a instanceof PyDate && b instanceof PyDate) {
      return makeTimedelta(((dateOrdinalMillis(a) - dateOrdinalMillis(b)) / 86_400_000) * MICROS_PER_DAY);
    }
    throw unsupportedOperands('-', a, b);
  }

  private multiply(a: unknown, b: unknown): unknown {
    if (isNum(a) && isNum(b)) return checkedNumber(Number(a) * Number(b), isInt(a) && isInt(b));
    const [seq, count] = isInt(a) ? [b, a] : [a, b];
    if (isInt(count)) {
      if (typeof seq === 'string' || Array.isArray(seq)) return repeat(seq, Number(count));
      if (seq instanceof PyTuple) return new PyTuple(repeat(seq.items, Number(count)) as unknown[]);
    }
    const [td, factor] = a instanceof PyTimedelta ? [a, b] : [b, a];
    if (td instanceof PyTimedelta && isNum(factor)) return makeTimedelta(td.micros * Number(factor));
    throw unsupportedOperands('*', a, b);
  }

  private unary(op: string, value: unknown): unknown {
    if (op === '~') {
      if (value instanceof ConditionBuilder) return value.not(); // on a bare field: is_falsy
      if (isInt(value)) return checkedInt(-Number(value) - 1);
      throw failed(`bad operand type for unary ~: '${pyType(value)}'`);
    }
    if (isNum(value)) return op === '-' ? -Number(value) : Number(value);
    if (value instanceof PyTimedelta) return op === '-' ? makeTimedelta(-value.micros) : value;
    throw failed(`bad operand type for unary ${op}: '${pyType(value)}'`);
  }

  private primary(node: Extract<Node, { type: 'Primary' }>): unknown {
    let value = this.eval(node.head);
    node.trailers.forEach((trailer, i) => {
      switch (trailer.kind) {
        case 'attr': {
          const called = node.trailers[i + 1]?.kind === 'call';
          value = this.attribute(value, trailer.name, called, trailer.loc);
          break;
        }
        case 'call':
          value = this.call(value, trailer.args, trailer.loc);
          break;
        case 'subscript': {
          const key = this.eval(trailer.index);
          if (value !== QB_ROOT) throw this.at(rejected('Subscript access not allowed in QB expressions'), trailer.loc);
          if (typeof key !== 'string') throw this.at(rejected('QB subscript key must be a string'), trailer.loc);
          value = QB.field(key);
          break;
        }
      }
    });
    return value;
  }

  private attribute(target: unknown, name: string, called: boolean, loc: LocationRange): unknown {
    const notFound = (): never => {
      throw this.at(rejected(called ? `Method not allowed: ${name}` : `Attribute not found: ${name}`), loc);
    };
    if (target === QB_ROOT) {
      if (QB_ENTRIES.has(name) || name === 'all' || name === 'any') return new BoundMethod(QB_ROOT, name);
      throw this.at(rejected(`QB attribute not allowed: ${name}`), loc);
    }
    if (target === DT_MODULE) {
      // dt.timezone is readable (dt.timezone.utc) but not callable.
      if (name === 'timezone' && called) throw this.at(rejected('Method not allowed: timezone'), loc);
      return DT_CLASSES.has(name) ? new DtClass(name as DtClassName) : notFound();
    }
    if (isQueryBuilder(target)) {
      const spec = METHODS.get(name);
      if (spec === undefined) return notFound();
      if (!receives(target, spec.on)) throw this.at(rejected(`Attribute not found: ${name}`), loc);
      return new BoundMethod(target, name);
    }
    const field = dtAttribute(target, name);
    return field === NO_VALUE ? notFound() : field;
  }

  private call(callee: unknown, args: Arg[], loc: LocationRange): unknown {
    const positional: unknown[] = [];
    const keywords = new Map<string, unknown>();
    for (const arg of args) {
      switch (arg.kind) {
        case 'star':
        case 'starstar':
          throw this.at(rejected('AST node type not supported: Starred'), arg.loc);
        case 'kw':
          if (keywords.has(arg.name)) {
            throw this.at(rejected(`Syntax error in QB expression: keyword argument repeated: ${arg.name}`), arg.loc);
          }
          keywords.set(arg.name, this.eval(arg.value));
          break;
        case 'pos':
          positional.push(this.eval(arg.value));
      }
    }
    return this.guard(() => this.invoke(callee, positional, keywords), loc);
  }

  private invoke(callee: unknown, positional: unknown[], keywords: Map<string, unknown>): unknown {
    if (callee instanceof DtClass) return construct(callee.name, positional, keywords);
    if (!(callee instanceof BoundMethod)) throw failed(`'${pyType(callee)}' object is not callable`);
    const { target, name } = callee;
    if (target === QB_ROOT) {
      if (name === 'all' || name === 'any') {
        const args = conditions(bind(name, { params: [], variadic: true }, positional, keywords), name);
        return name === 'all' ? QB.all(...args) : QB.any(...args);
      }
      bind(name, { params: [] }, positional, keywords);
      return (QB_ENTRIES.get(name) as () => Field)();
    }
    const spec = METHODS.get(name) as MethodSpec;
    const values = bind(name, spec, positional, keywords);
    return spec.run(target as never, values, this);
  }

  /** Runs a step, turning builder QueryErrors into evaluation failures. */
  private guard<T>(step: () => T, loc: LocationRange): T {
    try {
      return step();
    } catch (err) {
      if (err instanceof EvalFailure) throw this.at(err, loc);
      if (err instanceof QueryError && !(err as { qb?: boolean }).qb) throw this.at(failed(err.message), loc);
      throw err;
    }
  }

  at(failure: EvalFailure, loc: LocationRange): QueryError {
    const reason = failure.wrapped ? `Failed to parse QB expression: ${failure.reason}` : failure.reason;
    const err = invalid(reason, loc.start);
    // Marks errors already located, so an outer guard does not re-wrap them.
    Object.defineProperty(err, 'qb', { value: true });
    return err;
  }
}

/**
 * Parses a `qb` expression into a query builder. Throws QueryError with message
 * `Invalid QB expression: <reason>` and the offending token's `position`.
 */
// Clients repeat the same few filters, and parsing costs far more than interpreting: checked
// trees are kept by their text (least recently used dropped first). Interpretation still runs
// per call, so time helpers like today() always see the current clock.
const TREE_CACHE_SIZE = 256;
const treeCache = new Map<string, Node>();

function cachedTree(text: string): Node {
  const hit = treeCache.get(text);
  if (hit !== undefined) {
    treeCache.delete(text);
    treeCache.set(text, hit);
    return hit;
  }
  checkNesting(text);
  const tree = parseTree(text);
  checkTreeDepth(tree);
  deepFreeze(tree); // shared between calls from now on: nothing may change it
  treeCache.set(text, tree);
  if (treeCache.size > TREE_CACHE_SIZE) treeCache.delete(treeCache.keys().next().value as string);
  return tree;
}

function deepFreeze(value: unknown): void {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

export function parseQb(text: string, options: ParseQbOptions = {}): QueryBuilder {
  if (typeof text !== 'string') throw invalid(`expected a string, got ${typeof text}`);
  if (text.length > MAX_QB_LENGTH) {
    throw invalid(`expression is ${text.length} characters long; the limit is ${MAX_QB_LENGTH}`);
  }
  if (text.trim() === '') throw invalid('Syntax error in QB expression: empty expression', positionAt(text, 0));
  const tree = cachedTree(text);
  const interpreter = new Interpreter(options.now);
  const result = interpreter.eval(tree);
  if (!isQueryBuilder(result)) {
    throw interpreter.at(
      failed(`the expression must build a query (a condition or QB builder), got '${pyType(result)}'`),
      tree.loc,
    );
  }
  return result;
}
