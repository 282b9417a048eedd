/**
 * Search filters: conditions and and/or/not groups compiled into closures over a meta, with
 * three-valued logic (a condition on a missing key is unknown, never true).
 */
import {
  META_FIELDS,
  META_TIME_FIELDS,
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type ResourceMeta,
  type SearchFilter,
} from '@specstar/interfaces';
import {
  compareStrings,
  compileSearchRegex,
  dataOperand,
  deepEqual,
  hasAllBits,
  instantOperand,
  isInteger,
  isPrimitive,
  isValidDate,
  lengthOf,
  membership,
  metaInstant,
  pyTruthy,
  textForm,
  toIsoMillis,
} from './value-semantics';

/** Three-valued logic: `null` is "unknown". */
export type Truth = boolean | null;

export type FilterMatcher = (meta: ResourceMeta) => Truth;
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
/** Operators whose operand is compared as a value (so instants are coerced to instants). */
const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);

/** Alternating and/or/not nesting deeper than this is rejected (same-operator chains are flattened). */
export const MAX_FILTER_DEPTH = 256;

// ---- field resolution ----------------------------------------------------------------


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
