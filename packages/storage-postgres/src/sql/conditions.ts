/**
 * Search filters → PostgreSQL with the three-valued logic of core-semantics §3.5. A condition
 * yields TRUE, FALSE or NULL (unknown) exactly as the normative evaluator decides it, so SQL's
 * AND / OR / NOT give the group rules. A missing key and a JSON null both read as SQL NULL; only
 * exists / isna / is_null look at the difference (jsonb_typeof, or rev_null_mask for meta mirrors).
 *
 * What SQL cannot decide exactly (regex with Python syntax, the text form of lists and maps,
 * numbers whose text form is exponential in JavaScript, operands PostgreSQL text cannot hold) is
 * never dropped: such a condition becomes "mixed", with two supersets — P (rows where it may be
 * true) and Q (rows where it may be false) — that narrow the candidates in SQL, and the store
 * then runs core's evaluator over them.
 */
import { QueryError, type DataSearchCondition, type DataSearchGroup, type SearchFilter } from '@specstar/interfaces';
import { flattenSameOperator, isSearchGroup, parseInstant, textForm } from '@specstar/core';
import { isJsonExact, isStorableText } from '../text';
import type { Params } from './params';

/** Exact SQL (TRUE / FALSE / NULL), or a mixed node with its two supersets. */
export type Node = { kind: 'exact'; sql: string } | { kind: 'mixed'; p: string; q: string };

export interface FilterContext {
  params: Params;
  /** The deprecated data_conditions channel: every path is an indexed_data key. */
  dataOnly: boolean;
  /** Implied, index-friendly terms of top-level conditions (ANDed into WHERE). */
  hints: string[];
}

const exact = (sql: string): Node => ({ kind: 'exact', sql });
/** Rows where the node may be true (a two-valued superset). */
export const possiblyTrue = (node: Node): string => (node.kind === 'exact' ? `((${node.sql}) IS TRUE)` : node.p);
/** Rows where the node may be false (a two-valued superset). */
export const possiblyFalse = (node: Node): string => (node.kind === 'exact' ? `((${node.sql}) IS FALSE)` : node.q);

/** Evaluated in code where `residual` holds; `sql` is exact on every other row. */
function partial(residual: string, sql: string): Node {
  return { kind: 'mixed', p: `((${residual}) IS TRUE OR (${sql}) IS TRUE)`, q: `((${residual}) IS TRUE OR (${sql}) IS FALSE)` };
}
/** Evaluated in code wherever the value is present and not null (elsewhere it is unknown). */
function residualWhere(present: string): Node {
  return { kind: 'mixed', p: present, q: present };
}

/** `value` when `probe` is not NULL, else NULL (unknown). */
function unlessUnknown(probe: string, value: string): string {
  return `(CASE WHEN ${probe} IS NULL THEN NULL ELSE ${value} END)`;
}

const ORDERING: Readonly<Record<string, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

// ---- operands (as the evaluator coerces them) ---------------------------------------------

function isValidDate(value: unknown): value is Date {
  return value instanceof Date && !Number.isNaN(value.getTime());
}
function mapOperand(value: unknown, scalar: (v: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(scalar) : scalar(value);
}
/** Date operands on indexed data compare as ISO ms UTC strings. */
function dataOperand(value: unknown): unknown {
  return mapOperand(value, (v) => (isValidDate(v) ? v.toISOString() : v));
}
/** Value-operator operands on meta instants compare as instants (ISO strings parsed). */
function instantOperand(value: unknown): unknown {
  return mapOperand(value, (v) => (typeof v === 'string' ? (parseInstant(v) ?? v) : v));
}
function isPrimitive(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}
/** Python truthiness of the operand of exists / isna / is_null. */
function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) return Object.keys(value).length > 0;
  return true;
}
function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

// ---- filters and groups ---------------------------------------------------------------------

function join(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
  return terms.length === 0 ? empty : `(${terms.join(` ${operator} `)})`;
}

function combine(children: Node[], operator: 'and' | 'or'): Node {
  if (children.every((c) => c.kind === 'exact')) {
    return exact(join(children.map((c) => (c as { sql: string }).sql), operator === 'and' ? 'AND' : 'OR', operator === 'and' ? 'TRUE' : 'FALSE'));
  }
  const ps = children.map(possiblyTrue);
  const qs = children.map(possiblyFalse);
  // and: may be true if all may be; may be false if any may be. or: the converse.
  return operator === 'and'
    ? { kind: 'mixed', p: join(ps, 'AND', 'TRUE'), q: join(qs, 'OR', 'FALSE') }
    : { kind: 'mixed', p: join(ps, 'OR', 'FALSE'), q: join(qs, 'AND', 'TRUE') };
}

/** One filter. A top-level filter (ANDed into the query) may add index hints to ctx.hints. */
export function translateFilter(filter: SearchFilter, ctx: FilterContext, topLevel: boolean): Node {
  if (filter === null || typeof filter !== 'object') throw new QueryError('Search filter must be a condition or a group object');
  if (!isSearchGroup(filter)) return translateCondition(filter, ctx, topLevel);
  const op: string = filter.operator;
  switch (op) {
    case 'and':
      return combine(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'and');
    case 'or':
      return combine(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'or');
    case 'not': {
      const inner = combine(filter.conditions.map((c) => translateFilter(c, ctx, false)), 'and');
      if (inner.kind === 'exact') return exact(`(NOT ${inner.sql})`);
      return { kind: 'mixed', p: inner.q, q: inner.p };
    }
    default:
      throw new QueryError(`Unknown search group operator '${op}'`);
  }
}

// ---- meta attributes as columns ---------------------------------------------------------------

type MetaKind = 'text' | 'number' | 'bool' | 'time';
interface MetaColumn {
  kind: MetaKind;
  /** Bit of rev_null_mask telling an explicit null from unset (rev_* mirrors only). */
  nullBit?: number;
}

export const META_COLUMNS: Readonly<Record<string, MetaColumn>> = {
  resource_id: { kind: 'text' },
  current_revision_id: { kind: 'text' },
  schema_version: { kind: 'text' },
  total_revision_count: { kind: 'number' },
  created_time: { kind: 'time' },
  updated_time: { kind: 'time' },
  created_by: { kind: 'text' },
  updated_by: { kind: 'text' },
  is_deleted: { kind: 'bool' },
  rev_status: { kind: 'text', nullBit: 1 },
  rev_created_by: { kind: 'text', nullBit: 2 },
  rev_updated_by: { kind: 'text', nullBit: 4 },
  rev_created_time: { kind: 'time', nullBit: 8 },
  rev_updated_time: { kind: 'time', nullBit: 16 },
};

function isMetaField(path: string): boolean {
  return Object.prototype.hasOwnProperty.call(META_COLUMNS, path);
}

function translateCondition(cond: DataSearchCondition, ctx: FilterContext, topLevel: boolean): Node {
  const path = cond.field_path;
  if (typeof path !== 'string') throw new QueryError('Search condition is missing field_path');
  const op: string = cond.operator;
  const presence = op === 'exists' || op === 'isna' || op === 'is_null';
  const transform = cond.transform ?? null;
  if (!presence && transform !== null && transform !== 'len') {
    throw new QueryError(`Unknown field transform '${String(transform)}' on field '${path}'`);
  }
  if (!ctx.dataOnly && isMetaField(path)) return metaCondition(cond, path, META_COLUMNS[path] as MetaColumn, ctx);
  return dataCondition(cond, path, ctx, topLevel);
}

function unknownOperator(op: string, path: string): QueryError {
  return new QueryError(`Unknown search operator '${op}' on field '${path}'`);
}

// ---- shared operator shapes -------------------------------------------------------------------

/** `text` contains / starts with / ends with `needle` (a storable string). */
function textTest(op: 'contains' | 'starts_with' | 'ends_with', text: string, needle: string, params: Params): string {
  const p = params.add(needle, 'text');
  if (op === 'contains') return `(strpos(${text}, ${p}) > 0)`;
  if (op === 'starts_with') return `starts_with(${text}, ${p})`;
  return `(right(${text}, char_length(${p})) = ${p})`;
}

/** All bits of the integer flags `x` set in the integer-valued float8 expression `num`. */
function bitTest(num: string, x: number, params: Params): string {
  if (!Number.isSafeInteger(x)) return 'FALSE';
  const flags = params.add(String(x), 'bigint');
  return `(CASE WHEN abs(${num}) <= ${MAX_SAFE} THEN ((${num})::bigint & ${flags}) = ${flags} ELSE FALSE END)`;
}

/** A JSON list of the finite numbers among `list`, bound, as a set of float8. */
function numberSet(list: readonly unknown[], params: Params): string | undefined {
  const numbers = list.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (numbers.length === 0) return undefined;
  return `(SELECT (e)::float8 FROM jsonb_array_elements(${params.json(numbers)}) e)`;
}

/**
 * Value operators on an integer-valued float8 expression that is NULL when unknown (a `len`
 * result or total_revision_count). `whole` is the residual node for operators left to code.
 */
function numberCondition(op: string, num: string, x: unknown, params: Params, path: string): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'number' && Number.isFinite(x) ? `(${num} = ${params.add(String(x), 'float8')})` : unlessUnknown(num, 'FALSE');
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return exact(typeof x === 'number' && !Number.isNaN(x) ? `(${num} ${ORDERING[op]} ${params.add(String(x), 'float8')})` : 'NULL');
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      if (op === 'contains' && isInteger(x)) return exact(unlessUnknown(num, bitTest(num, x, params)));
      const needle = textForm(x);
      if (!isStorableText(needle)) return residualWhere(`(${num} IS NOT NULL)`);
      // Integers below 2^53 print the same in JavaScript and PostgreSQL.
      return exact(textTest(op, `((${num})::numeric::text)`, needle, params));
    }
    case 'regex':
      return residualWhere(`(${num} IS NOT NULL)`);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(num, op === 'in' ? 'FALSE' : 'TRUE'));
      const set = numberSet(x, params);
      const has = set === undefined ? unlessUnknown(num, 'FALSE') : `(${num} IN ${set})`;
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, path);
  }
}

// ---- meta attributes ----------------------------------------------------------------------------

function metaCondition(cond: DataSearchCondition, path: string, col: MetaColumn, ctx: FilterContext): Node {
  const { params } = ctx;
  const c = `m.${path}`;
  const op: string = cond.operator;
  if (op === 'exists' || op === 'isna' || op === 'is_null') {
    const want = pyTruthy(cond.value);
    const isNull = want ? `(${c} IS NULL)` : `(${c} IS NOT NULL)`;
    // Attributes other than the rev_* mirrors are always present (schema_version may be null).
    if (col.nullBit === undefined) return exact(op === 'exists' ? (want ? 'TRUE' : 'FALSE') : isNull);
    const present = `(${c} IS NOT NULL OR (m.rev_null_mask & ${col.nullBit}) <> 0)`;
    if (op === 'exists') return exact(want ? present : `(NOT ${present})`);
    if (op === 'isna') return exact(isNull);
    return exact(`(CASE WHEN ${present} THEN ${isNull} END)`);
  }
  const present = `(${c} IS NOT NULL)`;
  if (cond.transform === 'len') {
    // Only strings have a length among meta attributes.
    if (col.kind !== 'text') return exact('NULL');
    return numberCondition(op, `(char_length(${c})::float8)`, dataOperand(cond.value), params, path);
  }
  switch (col.kind) {
    case 'text':
      return textMetaCondition(op, c, dataOperand(cond.value), params, path);
    case 'number':
      return numberCondition(op, `(${c}::float8)`, dataOperand(cond.value), params, path);
    case 'bool':
      return boolMetaCondition(op, c, dataOperand(cond.value), params, path);
    case 'time':
      // Text operators see the ISO text; rare enough to leave to the evaluator.
      if (!VALUE_OPERATORS.has(op)) {
        if (op === 'contains' || op === 'starts_with' || op === 'ends_with' || op === 'regex') return residualWhere(present);
        throw unknownOperator(op, path);
      }
      return exact(timeMetaCondition(op, c, instantOperand(cond.value), params));
  }
}

function textMetaCondition(op: string, c: string, x: unknown, params: Params, path: string): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'string' && isStorableText(x) ? `(${c} = ${params.add(x, 'text')})` : unlessUnknown(c, 'FALSE');
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof x !== 'string') return exact('NULL');
      if (!isStorableText(x)) return residualWhere(`(${c} IS NOT NULL)`);
      // Columns are COLLATE "C": code point order, as compareStrings.
      return exact(`(${c} ${ORDERING[op]} ${params.add(x, 'text')})`);
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      const needle = textForm(x);
      if (!isStorableText(needle)) return residualWhere(`(${c} IS NOT NULL)`);
      return exact(textTest(op, c, needle, params));
    }
    case 'regex':
      return residualWhere(`(${c} IS NOT NULL)`);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(c, op === 'in' ? 'FALSE' : 'TRUE'));
      const texts = x.filter((v): v is string => typeof v === 'string' && isStorableText(v));
      const has = texts.length === 0 ? unlessUnknown(c, 'FALSE') : `(${c} IN (SELECT jsonb_array_elements_text(${params.json(texts)})))`;
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, path);
  }
}

function boolMetaCondition(op: string, c: string, x: unknown, params: Params, path: string): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'boolean' ? `(${c} = ${x ? 'TRUE' : 'FALSE'})` : unlessUnknown(c, 'FALSE');
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return exact('NULL'); // a boolean is comparable with nothing
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      const needle = textForm(x);
      if (!isStorableText(needle)) return residualWhere(`(${c} IS NOT NULL)`);
      return exact(textTest(op, `(CASE WHEN ${c} THEN 'true' ELSE 'false' END)`, needle, params));
    }
    case 'regex':
      return residualWhere(`(${c} IS NOT NULL)`);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(c, op === 'in' ? 'FALSE' : 'TRUE'));
      const values = [...(x.includes(true) ? ['TRUE'] : []), ...(x.includes(false) ? ['FALSE'] : [])];
      const has = values.length === 0 ? unlessUnknown(c, 'FALSE') : `(${c} IN (${values.join(', ')}))`;
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, path);
  }
}

/** Value operators on an instant column; the operand was coerced to instants first. */
function timeMetaCondition(op: string, c: string, x: unknown, params: Params): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = isValidDate(x) ? `(${c} = ${params.add(x.toISOString(), 'timestamptz')})` : unlessUnknown(c, 'FALSE');
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(c, op === 'in' ? 'FALSE' : 'TRUE');
      const instants = x.filter(isValidDate).map((d) => d.toISOString());
      const has = instants.length === 0 ? unlessUnknown(c, 'FALSE') : `(${c} IN (SELECT (jsonb_array_elements_text(${params.json(instants)}))::timestamptz))`;
      return op === 'in' ? has : `(NOT ${has})`;
    }
    default:
      return isValidDate(x) ? `(${c} ${ORDERING[op]} ${params.add(x.toISOString(), 'timestamptz')})` : 'NULL';
  }
}

// ---- indexed_data keys ---------------------------------------------------------------------------

/**
 * SQL expressions over one indexed_data key. The key is a bound parameter, bound on first use so
 * that a condition decided without looking at the row binds nothing.
 */
export class DataKey {
  private placeholder: string | undefined;

  constructor(
    private readonly key: string,
    private readonly params: Params,
  ) {}

  /** The jsonb value; NULL when the key is missing. */
  get v(): string {
    // A key PostgreSQL text cannot hold is in no stored row: it is missing everywhere.
    if (!isStorableText(this.key)) return '(NULL::jsonb)';
    this.placeholder ??= this.params.add(this.key, 'text');
    return `(m.indexed_data -> ${this.placeholder})`;
  }
  /** jsonb_typeof: 'null' for a JSON null, NULL when missing. */
  get t(): string {
    return `jsonb_typeof(${this.v})`;
  }
  /** The type, NULL when missing or null (unknown to every value operator). */
  get pt(): string {
    return `nullif(${this.t}, 'null')`;
  }
}

export function dataKey(key: string, params: Params): DataKey {
  return new DataKey(key, params);
}

/** Text form of a scalar, and the numbers whose text form SQL cannot produce exactly. */
function scalarText(k: DataKey): { text: string; exponent: string } {
  const number = `(${k.v})::float8`;
  // JavaScript prints numbers ≥ 1e21 or below 1e-6 in exponent form; PostgreSQL never does.
  return {
    text: `(CASE WHEN ${k.pt} IN ('string', 'number', 'boolean') THEN ${k.v} #>> '{}' END)`,
    exponent: `(CASE WHEN ${k.pt} = 'number' THEN abs(${number}) >= 1e21 OR (${number} <> 0 AND abs(${number}) < 1e-6) ELSE FALSE END)`,
  };
}

function dataCondition(cond: DataSearchCondition, key: string, ctx: FilterContext, topLevel: boolean): Node {
  const { params } = ctx;
  const op: string = cond.operator;
  const k = dataKey(key, params);
  switch (op) {
    case 'exists':
      return exact(pyTruthy(cond.value) ? `(${k.v} IS NOT NULL)` : `(${k.v} IS NULL)`);
    case 'isna':
      return exact(pyTruthy(cond.value) ? `(${k.pt} IS NULL)` : `(${k.pt} IS NOT NULL)`);
    case 'is_null':
      return exact(pyTruthy(cond.value) ? `(${k.t} = 'null')` : `(${k.t} <> 'null')`);
  }
  const x = dataOperand(cond.value);
  const present = (): string => `(${k.pt} IS NOT NULL)`;

  if (cond.transform === 'len') {
    const length =
      `(CASE ${k.pt} WHEN 'string' THEN char_length(${k.v} #>> '{}')::float8 WHEN 'array' THEN jsonb_array_length(${k.v})::float8 ` +
      `WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(${k.v}))::float8 END)`;
    return numberCondition(op, length, x, params, key);
  }

  switch (op) {
    case 'eq':
    case 'ne': {
      let eq: string;
      if (isJsonExact(x) && x !== null) {
        const p = params.json(x);
        eq = `(CASE WHEN ${present()} THEN ${k.v} = ${p} END)`;
        // Equality implies containment, which the GIN index on indexed_data serves.
        if (op === 'eq' && topLevel && isStorableText(key)) ctx.hints.push(`(m.indexed_data @> ${params.json({ [key]: x })})`);
      } else if (isPrimitive(x) || typeof x === 'function') {
        eq = unlessUnknown(k.pt, 'FALSE'); // null, undefined, NaN, ±Infinity, bigint, unstorable text: equal to no stored value
      } else {
        return residualWhere(present());
      }
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const sym = ORDERING[op] as string;
      if (typeof x === 'number' && !Number.isNaN(x)) {
        return exact(`(CASE WHEN ${k.pt} = 'number' THEN (${k.v})::float8 ${sym} ${params.add(String(x), 'float8')} END)`);
      }
      if (typeof x === 'string') {
        if (!isStorableText(x)) return residualWhere(present());
        return exact(`(CASE WHEN ${k.pt} = 'string' THEN (${k.v} #>> '{}') COLLATE "C" ${sym} ${params.add(x, 'text')} END)`);
      }
      return exact('NULL'); // incomparable operand: unknown
    }
    case 'contains': {
      const needle = textForm(x);
      if (!isStorableText(needle)) return residualWhere(present());
      let member: string;
      if (!isJsonExact(x)) {
        if (!isPrimitive(x)) return residualWhere(present());
        member = 'FALSE'; // undefined, NaN, ±Infinity, bigint, unstorable text: in no stored list
      } else {
        member = `EXISTS (SELECT 1 FROM jsonb_array_elements(${k.v}) e WHERE e = ${params.json(x)})`;
      }
      const scalar = scalarText(k);
      const text = textTest('contains', scalar.text, needle, params);
      let other = text;
      if (isInteger(x)) {
        // Integers with an integer operand: a bit test (nested CASE: the cast only runs on numbers).
        const number = `(${k.v})::float8`;
        other = `(CASE WHEN ${k.pt} = 'number' THEN (CASE WHEN ${number} = trunc(${number}) THEN ${bitTest(number, x, params)} ELSE ${text} END) ELSE ${text} END)`;
      }
      // Maps compare by their JSON text in stored key order, which jsonb does not keep: left to code.
      return partial(`(${k.pt} = 'object' OR ${scalar.exponent})`, `(CASE ${k.pt} WHEN 'array' THEN ${member} ELSE ${other} END)`);
    }
    case 'starts_with':
    case 'ends_with': {
      const needle = textForm(x);
      if (!isStorableText(needle)) return residualWhere(present());
      if (needle === '') return exact(unlessUnknown(k.pt, 'TRUE'));
      const scalar = scalarText(k);
      return partial(`(${k.pt} IN ('array', 'object') OR ${scalar.exponent})`, textTest(op, scalar.text, needle, params));
    }
    case 'regex':
      return residualWhere(present());
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(k.pt, op === 'in' ? 'FALSE' : 'TRUE'));
      if (x.some((m) => !isPrimitive(m) && !isJsonExact(m))) return residualWhere(present());
      // Members no stored value can equal (null, NaN, unstorable text, …) are left out.
      const members = x.filter((m) => m !== null && isJsonExact(m));
      const has = members.length === 0 ? unlessUnknown(k.pt, 'FALSE') : `(CASE WHEN ${present()} THEN ${k.v} IN (SELECT jsonb_array_elements(${params.json(members)})) END)`;
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, key);
  }
}
