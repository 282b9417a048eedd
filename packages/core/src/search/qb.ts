/**
 * The query builder, with the TS names the API pins:
 * `QB.field('age').gt(18).and(QB.field('status').eq('active')).sort('-created_time').limit(20)`.
 *
 * Builders are immutable: every method returns a new builder, so a field or condition can be
 * reused safely. Combining conditions drops the operands' paging and sorts.
 */
import {
  DEFAULT_QUERY_LIMIT,
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type DataSearchLogicOperator,
  type DataSearchOperator,
  type FieldTransform,
  type ResourceMetaSearchQuery,
  type SearchFilter,
  type SearchSort,
  type SortDirection,
} from '@specstar/interfaces';
import { describe, instantAt, parseTimezone, resolveNow, wallDate } from './qb-time';

export { setQbClock } from './qb-time';

// Symbol.for: recognised even across duplicate copies of this module.
const QUERY_BUILDER_BRAND: unique symbol = Symbol.for('specstar.QueryBuilder');

/** A sort key: `"field"`, `"+field"`, `"-field"`, or a sort object (`field.asc()` / `.desc()`). */
export type SortInput = string | SearchSort;
/** `undefined` = local zone; an integer or a string like `"+8"` / `"-4"` = fixed UTC offset in hours. */
export type TimezoneInput = number | string | null | undefined;

/** Names that sort by the meta attribute; every other name sorts by an indexed data path. */
const META_SORT_NAMES: ReadonlySet<string> = new Set(['created_time', 'updated_time', 'resource_id']);

// ---- helpers -----------------------------------------------------------------------

/** Python `re.escape` (3.7+): escapes exactly the regex-special characters. */
const PY_SPECIAL = new Set('()[]{}?*+-|^$\\.&~# \t\n\r\v\f');
export function escapeRegex(text: string): string {
  let out = '';
  for (const ch of text) out += PY_SPECIAL.has(ch) ? `\\${ch}` : ch;
  return out;
}

function condition(
  field_path: string,
  operator: DataSearchOperator,
  value: unknown,
  transform: FieldTransform | null,
): DataSearchCondition {
  return { type: 'DataSearchCondition', field_path, operator, value, transform };
}

function group(operator: DataSearchLogicOperator, conditions: SearchFilter[]): DataSearchGroup {
  return { type: 'DataSearchGroup', operator, conditions };
}

function cloneValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneValue);
  if (value instanceof Date) return new Date(value.getTime());
  return value;
}

/** Deep copy so a built query can be mutated without touching the builder. */
function cloneFilter(filter: SearchFilter): SearchFilter {
  if (filter.type === 'DataSearchGroup') return group(filter.operator, filter.conditions.map(cloneFilter));
  return condition(filter.field_path, filter.operator, cloneValue(filter.value), filter.transform);
}

function isFilterObject(value: unknown): value is SearchFilter {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'DataSearchCondition' || type === 'DataSearchGroup';
}

/** The filter of a combinator operand; `undefined` means "matches everything". */
function operandFilter(value: unknown, what: string): SearchFilter | undefined {
  if (value instanceof QueryBuilder || isQueryBuilder(value)) return value.condition;
  if (isFilterObject(value)) return value;
  throw new QueryError(`${what} expects a query condition, got ${describe(value)}`);
}

function checkCount(value: unknown, what: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new QueryError(`${what} must be an integer >= ${min}, got ${describe(value)}`);
  }
  return value;
}

function parseSort(input: unknown): SearchSort {
  if (typeof input === 'string') {
    let direction: SortDirection = '+';
    let name = input;
    if (input.startsWith('-') || input.startsWith('+')) {
      direction = input[0] as SortDirection;
      name = input.slice(1);
    }
    if (name === '') throw new QueryError(`Sort key ${JSON.stringify(input)} names no field`);
    return META_SORT_NAMES.has(name)
      ? { type: 'meta', key: name as 'created_time', direction }
      : { type: 'data', field_path: name, direction };
  }
  if (typeof input === 'object' && input !== null) {
    const s = input as Record<string, unknown>;
    const direction = s['direction'];
    if (direction !== '+' && direction !== '-') {
      throw new QueryError(`Sort direction must be "+" or "-", got ${describe(direction)}`);
    }
    if (s['type'] === 'meta' && typeof s['key'] === 'string') {
      return { type: 'meta', key: s['key'] as 'created_time', direction };
    }
    if (s['type'] === 'data' && typeof s['field_path'] === 'string') {
      return { type: 'data', field_path: s['field_path'], direction };
    }
  }
  throw new QueryError(`sort() expects "field", "+field", "-field" or a sort object, got ${describe(input)}`);
}

// ---- builders ------------------------------------------------------------------------

/** Holds the root condition plus paging and sort settings; `build()` turns it into a query. */
export class QueryBuilder {
  readonly [QUERY_BUILDER_BRAND] = true;
  protected _limit: number | undefined = undefined;
  protected _offset: number | undefined = undefined;
  protected _sorts: readonly SearchSort[] = [];

  constructor(protected readonly _condition: SearchFilter | undefined) {}

  /** The root condition, or undefined when the builder has none (matches everything). */
  get condition(): SearchFilter | undefined {
    return this._condition;
  }

  protected with(change: (copy: this) => void): this {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as this;
    Object.assign(copy, this);
    change(copy);
    return copy;
  }

  limit(n: number): this {
    const limit = checkCount(n, 'limit', 0);
    return this.with((c) => {
      c._limit = limit;
    });
  }

  offset(n: number): this {
    const offset = checkCount(n, 'offset', 0);
    return this.with((c) => {
      c._offset = offset;
    });
  }

  /** 1-based page: offset = (page − 1) · size, limit = size. */
  page(page: number, size = 20): this {
    const p = checkCount(page, 'page', 1);
    const s = checkCount(size, 'page size', 1);
    return this.with((c) => {
      c._offset = (p - 1) * s;
      c._limit = s;
    });
  }

  first(): this {
    return this.limit(1);
  }

  /** Appends sort keys; repeated calls append. */
  sort(...keys: SortInput[]): this {
    const parsed = keys.map(parseSort);
    return this.with((c) => {
      c._sorts = [...c._sorts, ...parsed];
    });
  }

  orderBy(...keys: SortInput[]): this {
    return this.sort(...keys);
  }

  /**
   * The query: `conditions` only when there is a condition, `sorts` only when set.
   * `defaultLimit` replaces 10 when no limit was set on the builder.
   */
  build(options: { defaultLimit?: number } = {}): ResourceMetaSearchQuery {
    const query = {} as ResourceMetaSearchQuery;
    if (this._condition !== undefined) query.conditions = [cloneFilter(this._condition)];
    query.limit = this._limit ?? options.defaultLimit ?? DEFAULT_QUERY_LIMIT;
    query.offset = this._offset ?? 0;
    if (this._sorts.length > 0) query.sorts = this._sorts.map((s) => ({ ...s }));
    return query;
  }
}

/** A condition (or none) that can be combined with others. */
export class ConditionBuilder extends QueryBuilder {
  and(other: ConditionBuilder | SearchFilter): ConditionBuilder {
    return combine('and', this._condition, operandFilter(other, 'and()'));
  }

  or(other: ConditionBuilder | SearchFilter): ConditionBuilder {
    return combine('or', this._condition, operandFilter(other, 'or()'));
  }

  /** NOT group around this condition (for a bare field: is_falsy). */
  not(): ConditionBuilder {
    if (this._condition === undefined) throw new QueryError('Cannot negate an empty condition');
    return new ConditionBuilder(group('not', [this._condition]));
  }

  /** AND-chain: `this & c1 & c2 …`. */
  filter(...conditions: Array<ConditionBuilder | SearchFilter>): ConditionBuilder {
    let result: ConditionBuilder = new ConditionBuilder(this._condition);
    for (const c of conditions) result = result.and(c);
    return result;
  }

  /** `this & ~c1 & ~c2 …`. */
  exclude(...conditions: Array<ConditionBuilder | SearchFilter>): ConditionBuilder {
    let result: ConditionBuilder = new ConditionBuilder(this._condition);
    for (const c of conditions) result = result.and(new ConditionBuilder(operandFilter(c, 'exclude()')).not());
    return result;
  }
}

function combine(
  op: 'and' | 'or',
  left: SearchFilter | undefined,
  right: SearchFilter | undefined,
): ConditionBuilder {
  if (left === undefined) return new ConditionBuilder(right);
  if (right === undefined) return new ConditionBuilder(left);
  return new ConditionBuilder(group(op, [left, right]));
}

function truthyGroup(name: string, transform: FieldTransform | null): DataSearchGroup {
  return group('and', [
    condition(name, 'is_null', false, transform),
    condition(name, 'ne', false, transform),
    condition(name, 'ne', 0, transform),
    condition(name, 'ne', '', transform),
    condition(name, 'ne', [], transform),
  ]);
}

/**
 * A field reference. Used as a condition it means is_truthy; its methods build conditions
 * that carry the field's transform.
 */
export class Field extends ConditionBuilder {
  constructor(
    readonly name: string,
    readonly transform: FieldTransform | null = null,
  ) {
    if (typeof name !== 'string') throw new QueryError(`A field name must be a string, got ${describe(name)}`);
    super(truthyGroup(name, transform));
  }

  private cond(op: DataSearchOperator, value: unknown): ConditionBuilder {
    if (value === undefined) throw new QueryError(`Operator '${op}' on field '${this.name}' needs a value`);
    return new ConditionBuilder(condition(this.name, op, value, this.transform));
  }

  private text(value: unknown, method: string): string {
    if (typeof value !== 'string') {
      throw new QueryError(`${method}() on field '${this.name}' expects a string, got ${describe(value)}`);
    }
    return value;
  }

  eq(value: unknown): ConditionBuilder {
    return this.cond('eq', value);
  }
  ne(value: unknown): ConditionBuilder {
    return this.cond('ne', value);
  }
  gt(value: unknown): ConditionBuilder {
    return this.cond('gt', value);
  }
  gte(value: unknown): ConditionBuilder {
    return this.cond('gte', value);
  }
  lt(value: unknown): ConditionBuilder {
    return this.cond('lt', value);
  }
  lte(value: unknown): ConditionBuilder {
    return this.cond('lte', value);
  }
  contains(value: unknown): ConditionBuilder {
    return this.cond('contains', value);
  }
  startsWith(value: unknown): ConditionBuilder {
    return this.cond('starts_with', value);
  }
  endsWith(value: unknown): ConditionBuilder {
    return this.cond('ends_with', value);
  }
  in(values: readonly unknown[] | Iterable<unknown>): ConditionBuilder {
    return this.cond('in', listOperand(values));
  }
  oneOf(values: readonly unknown[] | Iterable<unknown>): ConditionBuilder {
    return this.in(values);
  }
  notIn(values: readonly unknown[] | Iterable<unknown>): ConditionBuilder {
    return this.cond('not_in', listOperand(values));
  }
  isNull(value: boolean = true): ConditionBuilder {
    return this.cond('is_null', value);
  }
  isNotNull(): ConditionBuilder {
    return this.cond('is_null', false);
  }
  hasValue(): ConditionBuilder {
    return this.isNotNull();
  }
  exists(value: boolean = true): ConditionBuilder {
    return this.cond('exists', value);
  }
  isna(value: boolean = true): ConditionBuilder {
    return this.cond('isna', value);
  }
  regex(pattern: string): ConditionBuilder {
    return this.cond('regex', pattern);
  }
  match(pattern: string): ConditionBuilder {
    return this.regex(pattern);
  }
  icontains(text: string): ConditionBuilder {
    return this.regex(`(?i)${escapeRegex(this.text(text, 'icontains'))}`);
  }
  istartsWith(text: string): ConditionBuilder {
    return this.regex(`(?i)^${escapeRegex(this.text(text, 'istartsWith'))}`);
  }
  iendsWith(text: string): ConditionBuilder {
    return this.regex(`(?i)${escapeRegex(this.text(text, 'iendsWith'))}$`);
  }
  notContains(value: unknown): ConditionBuilder {
    return this.contains(value).not();
  }
  notStartsWith(value: unknown): ConditionBuilder {
    return this.startsWith(value).not();
  }
  notEndsWith(value: unknown): ConditionBuilder {
    return this.endsWith(value).not();
  }
  /** Inclusive range: AND[gte min, lte max]. */
  between(min: unknown, max: unknown): ConditionBuilder {
    if (min === undefined || max === undefined) {
      throw new QueryError(`between() on field '${this.name}' needs a minimum and a maximum`);
    }
    return new ConditionBuilder(
      group('and', [
        condition(this.name, 'gte', min, this.transform),
        condition(this.name, 'lte', max, this.transform),
      ]),
    );
  }
  inRange(min: unknown, max: unknown): ConditionBuilder {
    return this.between(min, max);
  }
  isTrue(): ConditionBuilder {
    return this.cond('eq', true);
  }
  isFalse(): ConditionBuilder {
    return this.cond('eq', false);
  }
  isTruthy(): ConditionBuilder {
    return new ConditionBuilder(truthyGroup(this.name, this.transform));
  }
  isFalsy(): ConditionBuilder {
    return new ConditionBuilder(group('not', [truthyGroup(this.name, this.transform)]));
  }
  isEmpty(): ConditionBuilder {
    return new ConditionBuilder(
      group('or', [
        condition(this.name, 'eq', '', this.transform),
        condition(this.name, 'is_null', true, this.transform),
      ]),
    );
  }
  isBlank(): ConditionBuilder {
    return new ConditionBuilder(
      group('or', [
        condition(this.name, 'eq', '', this.transform),
        condition(this.name, 'is_null', true, this.transform),
        condition(this.name, 'regex', '^\\s*$', this.transform),
      ]),
    );
  }

  /**
   * SQL LIKE: `%x%` → contains, `x%` → starts_with, `%x` → ends_with (when x has no `_`);
   * otherwise an anchored regex with `%` → `.*` and `_` → `.`.
   */
  like(pattern: string): ConditionBuilder {
    const p = this.text(pattern, 'like');
    const starts = p.startsWith('%');
    const ends = p.endsWith('%');
    if (starts && ends && p.length > 2) {
      const inner = p.slice(1, -1);
      if (!inner.includes('_')) return this.contains(inner);
    }
    if (ends && !starts) {
      const prefix = p.slice(0, -1);
      if (!prefix.includes('_')) return this.startsWith(prefix);
    }
    if (starts && !ends) {
      const suffix = p.slice(1);
      if (!suffix.includes('_')) return this.endsWith(suffix);
    }
    let source = '';
    for (const ch of p) source += ch === '%' ? '.*' : ch === '_' ? '.' : escapeRegex(ch);
    return this.regex(`^${source}$`);
  }

  /** The same field with the `len` transform (itself truthy by default). */
  length(): Field {
    return new Field(this.name, 'len');
  }

  asc(): SearchSort {
    return parseSort(`+${this.name}`);
  }
  desc(): SearchSort {
    return parseSort(`-${this.name}`);
  }

  // Calendar periods containing "now" in `tz`; ends are the period's last millisecond.

  today(tz?: TimezoneInput, now?: Date): ConditionBuilder {
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    return this.between(instantAt(zone, w.year, w.month, w.day, false), instantAt(zone, w.year, w.month, w.day, true));
  }

  yesterday(tz?: TimezoneInput, now?: Date): ConditionBuilder {
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    return this.between(
      instantAt(zone, w.year, w.month, w.day - 1, false),
      instantAt(zone, w.year, w.month, w.day - 1, true),
    );
  }

  /** `weekStart`: 0 = Monday … 6 = Sunday. */
  thisWeek(tz?: TimezoneInput, weekStart = 0, now?: Date): ConditionBuilder {
    if (!Number.isInteger(weekStart) || weekStart < 0 || weekStart > 6) {
      throw new QueryError(`week_start must be an integer from 0 (Monday) to 6 (Sunday), got ${describe(weekStart)}`);
    }
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    const first = w.day - ((w.weekday - weekStart + 7) % 7);
    return this.between(
      instantAt(zone, w.year, w.month, first, false),
      instantAt(zone, w.year, w.month, first + 6, true),
    );
  }

  thisMonth(tz?: TimezoneInput, now?: Date): ConditionBuilder {
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    const nextMonth = instantAt(zone, w.year, w.month + 1, 1, false);
    return this.between(instantAt(zone, w.year, w.month, 1, false), new Date(nextMonth.getTime() - 1));
  }

  thisYear(tz?: TimezoneInput, now?: Date): ConditionBuilder {
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    return this.between(instantAt(zone, w.year, 0, 1, false), instantAt(zone, w.year, 11, 31, true));
  }

  /** `gte` the start of the day n − 1 days ago (today included). */
  lastNDays(n: number, tz?: TimezoneInput, now?: Date): ConditionBuilder {
    if (typeof n !== 'number' || !Number.isInteger(n)) {
      throw new QueryError(`last_n_days() expects an integer number of days, got ${describe(n)}`);
    }
    const zone = parseTimezone(tz);
    const w = wallDate(resolveNow(now), zone);
    return this.cond('gte', instantAt(zone, w.year, w.month, w.day - (n - 1), false));
  }
}

function listOperand(values: unknown): unknown {
  if (Array.isArray(values)) return [...values];
  if (typeof values === 'object' && values !== null && Symbol.iterator in values && !(values instanceof Date)) {
    return [...(values as Iterable<unknown>)];
  }
  if (values === undefined) throw new QueryError('in / not_in need a list of values');
  // Kept as given: a non-list operand never matches `in` and always matches `not_in`.
  return values;
}

/** Whether a value is a query builder (anything with `build()` from this module). */
export function isQueryBuilder(value: unknown): value is QueryBuilder {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [QUERY_BUILDER_BRAND]?: unknown })[QUERY_BUILDER_BRAND] === true
  );
}

function all(...conditions: Array<ConditionBuilder | SearchFilter>): ConditionBuilder {
  const filters = conditions
    .map((c) => operandFilter(c, 'QB.all()'))
    .filter((f): f is SearchFilter => f !== undefined);
  if (filters.length === 0) return new ConditionBuilder(undefined);
  if (filters.length === 1) return new ConditionBuilder(filters[0]);
  return new ConditionBuilder(group('and', filters));
}

function any(...conditions: Array<ConditionBuilder | SearchFilter>): ConditionBuilder {
  if (conditions.length === 0) throw new QueryError('QB.any() needs at least one condition');
  const filters = conditions.map((c) => operandFilter(c, 'QB.any()'));
  if (filters.length === 1) return new ConditionBuilder(filters[0]);
  const nonEmpty = filters.filter((f): f is SearchFilter => f !== undefined);
  // An empty operand matches everything, so the whole OR does.
  if (nonEmpty.length < filters.length) return new ConditionBuilder(undefined);
  return new ConditionBuilder(group('or', nonEmpty));
}

/** Entry points of the query builder. */
export const QB = {
  /** A data field (an `indexed_data` key; meta attribute names resolve to the meta attribute). */
  field: (path: string): Field => new Field(path),
  resourceId: (): Field => new Field('resource_id'),
  currentRevisionId: (): Field => new Field('current_revision_id'),
  /** 0.8 name of currentRevisionId(). */
  revisionId: (): Field => new Field('current_revision_id'),
  createdTime: (): Field => new Field('created_time'),
  updatedTime: (): Field => new Field('updated_time'),
  createdBy: (): Field => new Field('created_by'),
  updatedBy: (): Field => new Field('updated_by'),
  isDeleted: (): Field => new Field('is_deleted'),
  schemaVersion: (): Field => new Field('schema_version'),
  totalRevisionCount: (): Field => new Field('total_revision_count'),
  revStatus: (): Field => new Field('rev_status'),
  revCreatedBy: (): Field => new Field('rev_created_by'),
  revUpdatedBy: (): Field => new Field('rev_updated_by'),
  revCreatedTime: (): Field => new Field('rev_created_time'),
  revUpdatedTime: (): Field => new Field('rev_updated_time'),
  /** AND of the conditions; none → no condition (matches all); one → that condition. */
  all,
  /** OR of the conditions; none → QueryError; one → that condition. */
  any,
} as const;
