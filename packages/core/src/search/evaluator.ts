/**
 * The normative search evaluator (core-semantics §3.1–3.5, §3.7). Memory stores run it
 * directly; SQL adapters must return the same result sets.
 *
 * A query is compiled once into closures (one per condition, regexes compiled once), so
 * evaluating it against many metas allocates nothing per meta on the common paths.
 */
import {
  DEFAULT_QUERY_LIMIT,
  META_FIELDS,
  META_SORT_KEYS,
  META_TIME_FIELDS,
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type SearchFilter,
  type SearchSort,
} from '@specstar/interfaces';
import { parseInstant } from '../codec/records';
import { compilePattern, type SearchRegex } from './pattern';

/** Three-valued logic: `null` is "unknown". */
export type Truth = boolean | null;

type FilterMatcher = (meta: ResourceMeta) => Truth;
type ValueTest = (value: unknown) => Truth;
type Getter = (meta: ResourceMeta) => unknown;

const MISSING: unique symbol = Symbol('missing');

const META_FIELD_SET: ReadonlySet<string> = new Set(META_FIELDS);
/** [port decision] rev_* mirrors that are UNSET on old metas count as missing keys. */
const REV_FIELDS: ReadonlySet<string> = new Set([
  'rev_status',
  'rev_created_by',
  'rev_updated_by',
  'rev_created_time',
  'rev_updated_time',
]);
const META_SORT_KEY_SET: ReadonlySet<string> = new Set(META_SORT_KEYS);
/** Operators whose operand is compared as a value (so instants are coerced to instants). */
const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);

/** Alternating and/or/not nesting deeper than this is rejected (same-operator chains are flattened). */
export const MAX_FILTER_DEPTH = 256;

// ---- shared value helpers (also used by normalize.ts and qb.ts) ------------------------

/** ISO-8601 UTC with exactly millisecond precision — the stored form of indexed instants. */
export function toIsoMillis(date: Date): string {
  return date.toISOString();
}

export function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !ArrayBuffer.isView(value)
  );
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
      try {
        return JSON.stringify(value) ?? String(value);
      } catch {
        return String(value);
      }
  }
}

/** Python truthiness, used for the boolean operand of is_null / exists / isna. */
export function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isPlainObject(value)) return Object.keys(value).length > 0;
  return true;
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
function lengthOf(value: unknown): number | undefined {
  if (typeof value === 'string') return codePointLength(value);
  if (Array.isArray(value)) return value.length;
  if (isPlainObject(value)) return Object.keys(value).length;
  return undefined;
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

/** All bits of `flags` set in `value` (bit-set membership on integers). */
function hasAllBits(value: number, flags: number): boolean {
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
function instantOperand(value: unknown): unknown {
  return Array.isArray(value) ? value.map(instantOperandScalar) : instantOperandScalar(value);
}

function dataOperandScalar(value: unknown): unknown {
  return isValidDate(value) ? toIsoMillis(value) : value;
}

/** [port decision] Date operands on data fields compare as ISO ms UTC strings (§3.9). */
function dataOperand(value: unknown): unknown {
  return Array.isArray(value) ? value.map(dataOperandScalar) : dataOperandScalar(value);
}

function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

function membership(list: readonly unknown[]): (value: unknown) => boolean {
  const primitives = new Set<unknown>();
  const composites: unknown[] = [];
  for (const item of list) {
    if (isPrimitive(item)) primitives.add(item);
    else composites.push(item);
  }
  if (composites.length === 0) return (v) => primitives.has(v);
  return (v) => (isPrimitive(v) ? primitives.has(v) : composites.some((c) => deepEqual(v, c)));
}

// ---- field resolution ----------------------------------------------------------------

function metaInstant(value: unknown): unknown {
  if (value instanceof Date) return value;
  if (typeof value === 'string') return parseInstant(value) ?? value;
  return value;
}

/** An indexed_data key that a plain property read resolves correctly. */
function isPlainDataKey(path: string, dataOnly: boolean): boolean {
  return (dataOnly || !META_FIELD_SET.has(path)) && !(path in Object.prototype);
}

function makeGetter(path: string, dataOnly: boolean): Getter {
  if (!dataOnly && META_FIELD_SET.has(path)) {
    const key = path as keyof ResourceMeta;
    const absent = REV_FIELDS.has(path) ? MISSING : null;
    if (META_TIME_FIELDS.has(path)) {
      return (meta) => {
        const v = meta[key];
        return v === undefined ? absent : metaInstant(v);
      };
    }
    return (meta) => {
      const v = meta[key];
      return v === undefined ? absent : v;
    };
  }
  // Keys like "constructor" or "__proto__" must not resolve through the prototype chain.
  const inherited = path in Object.prototype;
  return (meta) => {
    const data = meta.indexed_data;
    if (data === undefined || data === null) return MISSING;
    const v = inherited
      ? Object.prototype.hasOwnProperty.call(data, path)
        ? data[path]
        : undefined
      : data[path];
    if (v === undefined) return MISSING;
    // Indexed instants are ISO strings; a stray Date compares the same way.
    if (typeof v === 'object' && v instanceof Date) return isValidDate(v) ? toIsoMillis(v) : null;
    return v;
  };
}

// ---- conditions ----------------------------------------------------------------------

type Ordering = 'gt' | 'gte' | 'lt' | 'lte';

function orderingTest(op: Ordering, operand: unknown): ValueTest {
  const holds =
    op === 'gt'
      ? (c: number) => c > 0
      : op === 'gte'
        ? (c: number) => c >= 0
        : op === 'lt'
          ? (c: number) => c < 0
          : (c: number) => c <= 0;
  if (typeof operand === 'number' && !Number.isNaN(operand)) {
    const x = operand;
    switch (op) {
      case 'gt':
        return (v) => (typeof v === 'number' ? v > x : null);
      case 'gte':
        return (v) => (typeof v === 'number' ? v >= x : null);
      case 'lt':
        return (v) => (typeof v === 'number' ? v < x : null);
      case 'lte':
        return (v) => (typeof v === 'number' ? v <= x : null);
    }
  }
  if (typeof operand === 'string') {
    const x = operand;
    return (v) => (typeof v === 'string' ? holds(compareStrings(v, x)) : null);
  }
  if (isValidDate(operand)) {
    const t = operand.getTime();
    return (v) => (v instanceof Date ? holds(v.getTime() - t) : null);
  }
  // [port decision] incomparable operand types are unknown, never an error.
  return () => null;
}

function valueTest(op: string, operand: unknown, path: string): ValueTest {
  switch (op) {
    case 'eq':
      if (isPrimitive(operand)) return (v) => v === operand;
      return (v) => deepEqual(v, operand);
    case 'ne':
      if (isPrimitive(operand)) return (v) => v !== operand;
      return (v) => !deepEqual(v, operand);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return orderingTest(op, operand);
    case 'contains': {
      const needle = textForm(operand);
      const bitFlags = isInteger(operand) ? operand : undefined;
      const primitive = isPrimitive(operand);
      return (v) => {
        if (Array.isArray(v)) return primitive ? v.includes(operand) : v.some((e) => deepEqual(e, operand));
        if (bitFlags !== undefined && isInteger(v)) return hasAllBits(v, bitFlags);
        return textForm(v).includes(needle);
      };
    }
    case 'starts_with': {
      const prefix = textForm(operand);
      return (v) => textForm(v).startsWith(prefix);
    }
    case 'ends_with': {
      const suffix = textForm(operand);
      return (v) => textForm(v).endsWith(suffix);
    }
    case 'regex': {
      const re = compileSearchRegex(operand, path);
      return (v) => re.test(textForm(v));
    }
    case 'in': {
      if (!Array.isArray(operand)) return () => false;
      const has = membership(operand);
      return (v) => has(v);
    }
    case 'not_in': {
      if (!Array.isArray(operand)) return () => true;
      const has = membership(operand);
      return (v) => !has(v);
    }
    default:
      throw new QueryError(`Unknown search operator '${String(op)}' on field '${path}'`);
  }
}

/**
 * Hot path: an indexed_data key without transform. Resolution is inlined and the commonest
 * operators are fused with it, so a condition costs one call per meta.
 */
function dataKeyMatcher(path: string, op: string, operand: unknown, test: ValueTest): FilterMatcher {
  // Objects (lists, maps, stray Dates) take the generic test; a Date reads as its ISO text.
  const objectTest = (v: object): Truth =>
    v instanceof Date ? (isValidDate(v) ? test(toIsoMillis(v)) : null) : test(v);
  if ((op === 'eq' || op === 'ne') && isPrimitive(operand)) {
    const want = op === 'eq';
    return (meta) => {
      const data = meta.indexed_data;
      if (data === undefined || data === null) return null;
      const v = data[path];
      if (v === undefined || v === null) return null;
      return typeof v === 'object' ? objectTest(v) : (v === operand) === want;
    };
  }
  const ordering = op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte';
  if (ordering && typeof operand === 'number' && !Number.isNaN(operand)) {
    const x = operand;
    const holds =
      op === 'gt'
        ? (v: number) => v > x
        : op === 'gte'
          ? (v: number) => v >= x
          : op === 'lt'
            ? (v: number) => v < x
            : (v: number) => v <= x;
    return (meta) => {
      const data = meta.indexed_data;
      if (data === undefined || data === null) return null;
      const v = data[path];
      if (v === undefined || v === null) return null;
      return typeof v === 'number' ? holds(v) : typeof v === 'object' ? objectTest(v) : null;
    };
  }
  return (meta) => {
    const data = meta.indexed_data;
    if (data === undefined || data === null) return null;
    const v = data[path];
    if (v === undefined || v === null) return null;
    return typeof v === 'object' ? objectTest(v) : test(v);
  };
}

function compileCondition(cond: DataSearchCondition, dataOnly: boolean): FilterMatcher {
  const path = cond.field_path;
  if (typeof path !== 'string') throw new QueryError('Search condition is missing field_path');
  const get = makeGetter(path, dataOnly);
  const op: string = cond.operator;
  switch (op) {
    case 'exists': {
      const want = pyTruthy(cond.value);
      return (meta) => (get(meta) !== MISSING) === want;
    }
    case 'isna': {
      const want = pyTruthy(cond.value);
      return (meta) => {
        const v = get(meta);
        return (v === MISSING || v === null) === want;
      };
    }
    case 'is_null': {
      const want = pyTruthy(cond.value);
      return (meta) => {
        const v = get(meta);
        return v === MISSING ? null : (v === null) === want;
      };
    }
  }
  const transform = cond.transform ?? null;
  if (transform !== null && transform !== 'len') {
    throw new QueryError(`Unknown field transform '${String(transform)}' on field '${path}'`);
  }
  // Instants are compared as instants only by value operators; text operators see ISO text.
  const instantOperands = transform === null && !dataOnly && META_TIME_FIELDS.has(path) && VALUE_OPERATORS.has(op);
  const operand = instantOperands ? instantOperand(cond.value) : dataOperand(cond.value);
  const test = valueTest(op, operand, path);
  if (transform === null && isPlainDataKey(path, dataOnly)) return dataKeyMatcher(path, op, operand, test);
  if (transform === 'len') {
    return (meta) => {
      const v = get(meta);
      if (v === MISSING || v === null) return null;
      const n = lengthOf(v);
      return n === undefined ? null : test(n);
    };
  }
  return (meta) => {
    const v = get(meta);
    return v === MISSING || v === null ? null : test(v);
  };
}

/** Whether a filter is a group (tagged, or untagged with `conditions` and no `field_path`). */
export function isGroup(filter: SearchFilter): filter is DataSearchGroup {
  if (filter.type === 'DataSearchGroup') return true;
  if (filter.type === 'DataSearchCondition') return false;
  // Untagged input: a group has `conditions` and no `field_path`.
  const loose = filter as unknown as Record<string, unknown>;
  return Array.isArray(loose['conditions']) && loose['field_path'] === undefined;
}

function allOf(children: FilterMatcher[]): FilterMatcher {
  if (children.length === 0) return () => true;
  if (children.length === 1) return children[0] as FilterMatcher;
  if (children.length === 2) {
    const [a, b] = children as [FilterMatcher, FilterMatcher];
    return (meta) => {
      const x = a(meta);
      if (x === false) return false;
      const y = b(meta);
      if (y === false) return false;
      return x === null || y === null ? null : true;
    };
  }
  return (meta) => {
    let unknown = false;
    for (const child of children) {
      const r = child(meta);
      if (r === false) return false;
      if (r === null) unknown = true;
    }
    return unknown ? null : true;
  };
}

function anyOf(children: FilterMatcher[]): FilterMatcher {
  if (children.length === 0) return () => false;
  if (children.length === 1) return children[0] as FilterMatcher;
  return (meta) => {
    let unknown = false;
    for (const child of children) {
      const r = child(meta);
      if (r === true) return true;
      if (r === null) unknown = true;
    }
    return unknown ? null : false;
  };
}

/** Children of an and/or group with nested groups of the same operator inlined (associative). */
export function flattenSameOperator(group: DataSearchGroup): SearchFilter[] {
  const out: SearchFilter[] = [];
  const stack: SearchFilter[] = [...group.conditions].reverse();
  while (stack.length > 0) {
    const child = stack.pop() as SearchFilter;
    if (child && typeof child === 'object' && isGroup(child) && child.operator === group.operator) {
      if (!Array.isArray(child.conditions)) throw new QueryError('Search group is missing its conditions list');
      for (let i = child.conditions.length - 1; i >= 0; i--) stack.push(child.conditions[i] as SearchFilter);
    } else {
      out.push(child);
    }
  }
  return out;
}

function compileFilterAt(filter: SearchFilter, dataOnly: boolean, depth: number): FilterMatcher {
  if (filter === null || typeof filter !== 'object') {
    throw new QueryError('Search filter must be a condition or a group object');
  }
  if (depth > MAX_FILTER_DEPTH) {
    throw new QueryError(`Search filter is nested more than ${MAX_FILTER_DEPTH} levels deep`);
  }
  if (!isGroup(filter)) return compileCondition(filter, dataOnly);
  const op: string = filter.operator;
  if (!Array.isArray(filter.conditions)) throw new QueryError(`Search group '${op}' is missing its conditions list`);
  switch (op) {
    case 'and':
      return allOf(flattenSameOperator(filter).map((c) => compileFilterAt(c, dataOnly, depth + 1)));
    case 'or':
      return anyOf(flattenSameOperator(filter).map((c) => compileFilterAt(c, dataOnly, depth + 1)));
    case 'not': {
      const inner = allOf(filter.conditions.map((c) => compileFilterAt(c, dataOnly, depth + 1)));
      return (meta) => {
        const r = inner(meta);
        return r === null ? null : !r;
      };
    }
    default:
      throw new QueryError(`Unknown search group operator '${op}'`);
  }
}

/** Compiles one filter into a reusable three-valued matcher. */
export function compileFilter(filter: SearchFilter, dataOnly = false): FilterMatcher {
  return compileFilterAt(filter, dataOnly, 0);
}

/**
 * Evaluates one filter against a meta. `dataOnly` resolves fields in `indexed_data` only
 * (the deprecated `data_conditions` channel).
 */
export function evaluateFilter(filter: SearchFilter, meta: ResourceMeta, dataOnly = false): Truth {
  return compileFilter(filter, dataOnly)(meta);
}

// ---- whole queries -------------------------------------------------------------------

function instantMillis(value: unknown, what: string): number {
  if (isValidDate(value)) return value.getTime();
  if (typeof value === 'string') {
    const parsed = parseInstant(value);
    if (parsed) return parsed.getTime();
  }
  throw new QueryError(`Query field '${what}' must be a date-time, got ${textForm(value)}`);
}

function metaMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return parseInstant(value)?.getTime() ?? Number.NaN;
  return Number.NaN;
}

function userSet(value: unknown, what: string): ReadonlySet<unknown> {
  if (!Array.isArray(value)) throw new QueryError(`Query field '${what}' must be a list of user names`);
  return new Set(value);
}

/** Top-level entries, with AND groups inlined: an AND is true exactly when every child is. */
export function topLevelFilters(filters: readonly SearchFilter[]): SearchFilter[] {
  const out: SearchFilter[] = [];
  const stack = [...filters].reverse();
  while (stack.length > 0) {
    const f = stack.pop() as SearchFilter;
    if (f !== null && typeof f === 'object' && isGroup(f) && f.operator === 'and' && Array.isArray(f.conditions)) {
      for (let i = f.conditions.length - 1; i >= 0; i--) stack.push(f.conditions[i] as SearchFilter);
    } else out.push(f);
  }
  return out;
}

/** Compiles a whole query's filter part (everything except sorting and paging). */
export function compileQuery(query: ResourceMetaSearchQuery): (meta: ResourceMeta) => boolean {
  // Every check returns a Truth; a meta matches when all of them are exactly true.
  const checks: FilterMatcher[] = [];
  if (query.is_deleted !== undefined && query.is_deleted !== null) {
    const want = query.is_deleted;
    checks.push((meta) => meta.is_deleted === want);
  }
  const windows: Array<[keyof ResourceMetaSearchQuery, 'created_time' | 'updated_time', boolean]> = [
    ['created_time_start', 'created_time', true],
    ['created_time_end', 'created_time', false],
    ['updated_time_start', 'updated_time', true],
    ['updated_time_end', 'updated_time', false],
  ];
  for (const [bound, field, isStart] of windows) {
    const raw = query[bound];
    if (raw === undefined || raw === null) continue;
    const t = instantMillis(raw, bound);
    checks.push(isStart ? (meta) => metaMillis(meta[field]) >= t : (meta) => metaMillis(meta[field]) <= t);
  }
  if (query.created_bys !== undefined && query.created_bys !== null) {
    const users = userSet(query.created_bys, 'created_bys');
    checks.push((meta) => users.has(meta.created_by));
  }
  if (query.updated_bys !== undefined && query.updated_bys !== null) {
    const users = userSet(query.updated_bys, 'updated_bys');
    checks.push((meta) => users.has(meta.updated_by));
  }
  if (query.data_conditions !== undefined && query.data_conditions !== null) {
    if (!Array.isArray(query.data_conditions)) throw new QueryError("Query field 'data_conditions' must be a list");
    // A meta without indexed data never matches data conditions (upstream behaviour).
    checks.push((meta) => meta.indexed_data !== undefined && meta.indexed_data !== null);
    for (const filter of topLevelFilters(query.data_conditions)) checks.push(compileFilter(filter, true));
  }
  if (query.conditions !== undefined && query.conditions !== null) {
    if (!Array.isArray(query.conditions)) throw new QueryError("Query field 'conditions' must be a list");
    for (const filter of topLevelFilters(query.conditions)) checks.push(compileFilter(filter, false));
  }
  switch (checks.length) {
    case 0:
      return () => true;
    case 1: {
      const only = checks[0] as FilterMatcher;
      return (meta) => only(meta) === true;
    }
    case 2: {
      const [a, b] = checks as [FilterMatcher, FilterMatcher];
      return (meta) => a(meta) === true && b(meta) === true;
    }
    default:
      return (meta) => {
        for (let i = 0; i < checks.length; i++) if ((checks[i] as FilterMatcher)(meta) !== true) return false;
        return true;
      };
  }
}

/** Whether a meta matches every criterion of the query (paging and sorting ignored). */
export function matchesQuery(meta: ResourceMeta, query: ResourceMetaSearchQuery): boolean {
  return compileQuery(query)(meta);
}

// ---- sorting -------------------------------------------------------------------------

/** Fixed rank of value types so mixed-type data sorts never throw; missing/null is greatest. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 7;
  switch (typeof value) {
    case 'boolean':
      return 0;
    case 'number':
    case 'bigint':
      return 1;
    case 'string':
      return 2;
    default:
      if (value instanceof Date) return 3;
      if (Array.isArray(value)) return 4;
      return 5;
  }
}

/** Total order over sort values: null/missing greatest, then by type rank, then by value. */
export function compareSortValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 7:
      return 0;
    case 0:
      return Number(a) - Number(b);
    case 1: {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2:
      return compareStrings(a as string, b as string);
    case 3: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      return x - y;
    }
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareSortValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default:
      return compareStrings(textForm(a), textForm(b));
  }
}

type Comparator = (a: ResourceMeta, b: ResourceMeta) => number;

function sortKeyGetter(sort: SearchSort): (meta: ResourceMeta) => unknown {
  const loose = sort as unknown as Record<string, unknown>;
  if (sort.type === 'meta') {
    const key = loose['key'];
    if (typeof key !== 'string' || !META_SORT_KEY_SET.has(key)) {
      throw new QueryError(`Unknown meta sort key '${String(key)}'`);
    }
    const k = key as keyof ResourceMeta;
    // Instants sort as epoch milliseconds: a number comparison instead of Date handling per call.
    if (META_TIME_FIELDS.has(key)) return (meta) => instantSortKey(meta[k]);
    return (meta) => meta[k];
  }
  if (sort.type === 'data') {
    const path = loose['field_path'];
    if (typeof path !== 'string') throw new QueryError('Data sort is missing field_path');
    return (meta) => {
      const data = meta.indexed_data;
      if (data === undefined || data === null || !Object.prototype.hasOwnProperty.call(data, path)) return undefined;
      const v = data[path];
      return v instanceof Date && isValidDate(v) ? toIsoMillis(v) : v;
    };
  }
  throw new QueryError(`Unknown sort type '${String(loose['type'])}'`);
}

function byResourceId(a: ResourceMeta, b: ResourceMeta): number {
  return compareStrings(a.resource_id, b.resource_id);
}

/** Epoch milliseconds of a meta instant; undefined (sorts greatest) when absent or invalid. */
function instantSortKey(value: unknown): number | undefined {
  const instant = metaInstant(value);
  if (!(instant instanceof Date)) return undefined;
  const t = instant.getTime();
  return Number.isNaN(t) ? undefined : t;
}

/** The default order: created_time ascending (missing or invalid last), then resource_id. */
function byCreationThenId(a: ResourceMeta, b: ResourceMeta): number {
  const x = a.created_time instanceof Date ? a.created_time.getTime() : instantSortKey(a.created_time);
  const y = b.created_time instanceof Date ? b.created_time.getTime() : instantSortKey(b.created_time);
  if (x !== y) {
    if (x === undefined || Number.isNaN(x)) return 1;
    if (y === undefined || Number.isNaN(y)) return -1;
    return x < y ? -1 : 1;
  }
  return compareStrings(a.resource_id, b.resource_id);
}

/**
 * Comparator for the given sorts, applied lexicographically, ties broken by resource_id
 * ascending. Without sorts: created_time ascending, then resource_id (http-api §10.5).
 */
export function compareBySorts(sorts: SearchSort[] | undefined): Comparator {
  if (sorts === undefined || sorts === null || sorts.length === 0) return byCreationThenId;
  if (!Array.isArray(sorts)) throw new QueryError("Query field 'sorts' must be a list");
  const keys = sorts.map((sort) => {
    if (sort === null || typeof sort !== 'object') throw new QueryError('Each sort must be an object');
    const direction = (sort as unknown as Record<string, unknown>)['direction'];
    if (direction !== '+' && direction !== '-') {
      throw new QueryError(`Sort direction must be "+" or "-", got ${textForm(direction)}`);
    }
    return { get: sortKeyGetter(sort), sign: direction === '-' ? -1 : 1 };
  });
  return (a, b) => {
    for (const key of keys) {
      const c = compareSortValues(key.get(a), key.get(b));
      if (c !== 0) return c * key.sign;
    }
    return byResourceId(a, b);
  };
}

function pageBounds(query: ResourceMetaSearchQuery): { offset: number; limit: number } {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  const offset = query.offset ?? 0;
  for (const [key, value] of [['limit', limit], ['offset', offset]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new QueryError(`Query ${key} must be a non-negative integer, got ${textForm(value)}`);
    }
  }
  return { offset, limit };
}

// Pages up to this size keep only their best matches while scanning; larger ones sort them all.
const SMALL_PAGE = 256;

/**
 * The `wanted` smallest of the matching metas, in order. For a small page the scan keeps a
 * sorted array of the best so far and rejects every other match with one comparison against
 * its worst, so a large match set is never collected or sorted whole.
 */
function bestMatches(
  metas: Iterable<ResourceMeta>,
  match: (meta: ResourceMeta) => boolean,
  cmp: (a: ResourceMeta, b: ResourceMeta) => number,
  wanted: number,
): ResourceMeta[] {
  if (wanted > SMALL_PAGE) {
    const all: ResourceMeta[] = [];
    forEachMatch(metas, match, (meta) => void all.push(meta));
    return all.sort(cmp).slice(0, wanted);
  }
  const best: ResourceMeta[] = [];
  forEachMatch(metas, match, (meta) => {
    if (best.length === wanted && cmp(meta, best[wanted - 1] as ResourceMeta) >= 0) return;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid] as ResourceMeta, meta) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, meta);
    if (best.length > wanted) best.pop();
  });
  return best;
}

/**
 * Calls `onMatch` for every matching meta. Arrays and other iterables get loops of their own:
 * one `for…of` site fed both kinds turns polymorphic and loses V8's fast iteration, which
 * costs a 100k-meta scan several times its filtering work.
 */
function forEachMatch(metas: Iterable<ResourceMeta>, match: (meta: ResourceMeta) => boolean, onMatch: (meta: ResourceMeta) => void): void {
  if (Array.isArray(metas)) {
    for (let i = 0; i < metas.length; i++) {
      const meta = metas[i] as ResourceMeta;
      if (match(meta)) onMatch(meta);
    }
    return;
  }
  for (const meta of metas) if (match(meta)) onMatch(meta);
}

/** Filters, sorts, then applies offset and limit. */
export function runQuery(metas: Iterable<ResourceMeta>, query: ResourceMetaSearchQuery): ResourceMeta[] {
  const { offset, limit } = pageBounds(query);
  const match = compileQuery(query);
  const cmp = compareBySorts(query.sorts);
  if (limit === 0) return [];
  return bestMatches(metas, match, cmp, offset + limit).slice(offset);
}

/** Number of matches; limit and offset are ignored ([port decision] §11 item 11). */
export function countQuery(metas: Iterable<ResourceMeta>, query: ResourceMetaSearchQuery): number {
  const match = compileQuery(query);
  let n = 0;
  forEachMatch(metas, match, () => void n++);
  return n;
}
