import type { SearchSort } from '@specstar/interfaces';
import { ConditionBuilder, Field, QB, isQueryBuilder, type QueryBuilder, type TimezoneInput } from '../qb';
import { requireInt, type Signature } from './binding';
import { failed } from './errors';
import { pyType, SortKey } from './py-objects';

/** What a builder method needs from the interpreter that calls it. */
export interface MethodContext {
  readonly now: Date | undefined;
  /** A Python value as a query operand. */
  operand(value: unknown): unknown;
  /** A tz argument for the builder. */
  timezone(value: unknown): TimezoneInput;
}

// ---- builder whitelist -------------------------------------------------------------

export type Receiver = 'field' | 'condition' | 'query';

export interface MethodSpec extends Signature {
  on: Receiver;
  run: (target: never, args: unknown[], interp: MethodContext) => unknown;
}

export type Run<T> = (target: T, args: unknown[], interp: MethodContext) => unknown;

export function method<T>(on: Receiver, params: readonly string[], run: Run<T>, extra: Partial<Signature> = {}): MethodSpec {
  return { on, params, ...extra, run };
}
export const fieldMethod = (params: readonly string[], run: Run<Field>, defaults?: Record<string, unknown>): MethodSpec =>
  method('field', params, run, { defaults });
export const variadic = <T>(on: Receiver, run: Run<T>): MethodSpec => method(on, [], run, { variadic: true });

/** Field methods taking one operand: Python name → TS method. */
export const VALUE_METHODS: Readonly<Record<string, keyof Field>> = {
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
export const PLAIN_METHODS: Readonly<Record<string, keyof Field>> = {
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

export function callField(f: Field, name: keyof Field, ...args: unknown[]): unknown {
  return (f[name] as (...a: unknown[]) => unknown).apply(f, args);
}

export const TZ_DEFAULT = { tz: null };

/** The builder methods a qb string may call (Python names), with their Python signatures. */
export const METHODS: ReadonlyMap<string, MethodSpec> = new Map<string, MethodSpec>([
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
 * QB attributes usable in qb strings: the closed list of the HTTP API plus the 0.10 entry points.
 * `revision_id`, `schema_version` and `total_revision_count` stay excluded (reach them with QB['…']).
 */
export const QB_ENTRIES: ReadonlyMap<string, () => Field> = new Map([
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

export function condition(value: unknown, method: string): ConditionBuilder {
  if (value instanceof ConditionBuilder) return value;
  throw failed(`${method}() expects a condition, got '${pyType(value)}'`);
}

export function conditions(values: unknown[], method: string): ConditionBuilder[] {
  return values.map((v) => condition(v, method));
}

export function sortArg(value: unknown): string | SearchSort {
  if (typeof value === 'string') return value;
  if (value instanceof SortKey) return value.sort;
  throw failed(`sort() expects "field", "-field" or QB[...].asc()/.desc(), got '${pyType(value)}'`);
}

export function receives(target: unknown, on: Receiver): boolean {
  if (on === 'field') return target instanceof Field;
  if (on === 'condition') return target instanceof ConditionBuilder;
  return isQueryBuilder(target);
}

export const FIELD_OPERATORS: Readonly<Record<string, 'eq' | 'ne' | 'lt' | 'lte' | 'gt' | 'gte'>> = {
  '==': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'lte',
  '>': 'gt',
  '>=': 'gte',
};
/** `18 < QB['age']` is `QB['age'] > 18` (Python's reflected comparison). */
export const REFLECTED: Readonly<Record<string, string>> = {
  '==': '==',
  '!=': '!=',
  '<': '>',
  '<=': '>=',
  '>': '<',
  '>=': '<=',
};
export const SUPPORTED_BINARY: ReadonlySet<string> = new Set(['|', '&', '<<', '>>', '+', '-', '*', '/', '%']);
