/**
 * Search filters → SQL boolean expressions with the three-valued logic of core-semantics §3.5:
 * every condition yields 1 (true), 0 (false) or NULL (unknown), exactly as the normative
 * evaluator decides it, so SQL's own AND / OR / NOT give the group rules for free. A missing
 * key and a JSON null both read as SQL NULL; only exists / isna / is_null look at the
 * difference (json_type, or rev_null_mask for meta mirrors).
 *
 * Values are always bound. What SQL cannot decide exactly (regex, deep equality, the text
 * form of lists and maps, strings holding NUL) is handed to core's evaluator through
 * `specstar_eval`, one row value at a time.
 */
import {
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type ResourceMeta,
  type SearchFilter,
} from '@specstar/interfaces';
import { flattenSameOperator, isSearchGroup, textForm } from '@specstar/core';
import { DATA_COLUMN, type DataKey, type DataKeys } from './data-key';
import { META_COLUMNS, REV_NULL_MASK_COLUMN, isMetaField, metaValueFromColumn, type MetaColumn } from './meta-columns';
import {
  MAX_SAFE,
  dataOperand,
  instantOperand,
  isBitFlags,
  isPrimitive,
  isValidDate,
  operandKind,
  splitMembers,
} from './operands';
import { joinBalanced, unlessUnknown, type Translation } from './translation';

const ORDERING: Readonly<Record<string, string>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };
const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);
const NUMERIC = `('integer', 'real')`;

export interface FilterContext {
  tr: Translation;
  keys: DataKeys;
  /** The deprecated data_conditions channel: every path is an indexed_data key. */
  dataOnly: boolean;
}

// ---- filters and groups ------------------------------------------------------------------

/**
 * One filter as SQL. A top-level filter (directly AND-ed into the query) also gets implied,
 * index-friendly terms: there only TRUE matters, so adding a predicate that every TRUE row
 * satisfies changes nothing but lets SQLite seek an expression index.
 */
export function translateFilter(filter: SearchFilter, ctx: FilterContext, topLevel: boolean): string {
  if (filter === null || typeof filter !== 'object') throw new QueryError('Search filter must be a condition or a group object');
  if (!isSearchGroup(filter)) return translateCondition(filter, ctx, topLevel);
  if (!Array.isArray(filter.conditions)) throw new QueryError(`Search group '${String(filter.operator)}' is missing its conditions list`);
  const op: string = filter.operator;
  switch (op) {
    case 'and':
      return joinBalanced(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'AND', '1');
    case 'or':
      return joinBalanced(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'OR', '0');
    case 'not':
      return `(NOT ${joinBalanced(filter.conditions.map((c) => translateFilter(c, ctx, false)), 'AND', '1')})`;
    default:
      throw new QueryError(`Unknown search group operator '${op}'`);
  }
}

/** Python truthiness of the boolean operand of exists / isna / is_null (as the evaluator). */
function pyTruthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === '') return false;
  if (typeof value === 'number' && Number.isNaN(value)) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object' && !(value instanceof Date) && !ArrayBuffer.isView(value)) return Object.keys(value).length > 0;
  return true;
}

function translateCondition(cond: DataSearchCondition, ctx: FilterContext, topLevel: boolean): string {
  const path = cond.field_path;
  if (typeof path !== 'string') throw new QueryError('Search condition is missing field_path');
  const op: string = cond.operator;
  const transform = cond.transform ?? null;
  const presence = op === 'exists' || op === 'isna' || op === 'is_null';
  if (!presence && transform !== null && transform !== 'len') {
    throw new QueryError(`Unknown field transform '${String(transform)}' on field '${path}'`);
  }
  if (!ctx.dataOnly && isMetaField(path)) return metaCondition(cond, META_COLUMNS[path], ctx);
  return dataCondition(cond, ctx.keys.get(path), ctx, topLevel);
}

function unknownOperator(op: string, path: string): QueryError {
  return new QueryError(`Unknown search operator '${op}' on field '${path}'`);
}

// ---- shared operator shapes --------------------------------------------------------------

/** `in` over the members a value of one SQL type can equal; NULL stays unknown. */
function memberOf(value: string, members: readonly (string | number)[], tr: Translation): string {
  if (members.length === 0) return unlessUnknown(value, '0');
  // One JSON parameter whatever the list size, so the statement shape does not depend on it.
  return `(${value} IN (SELECT value FROM json_each(${tr.bind(JSON.stringify(members))})))`;
}

/** starts_with / ends_with / contains on a text expression, NUL-safe (instr and BLOB substr read every byte). */
function textTest(op: 'contains' | 'starts_with' | 'ends_with', text: string, needle: string, tr: Translation): string {
  if (op === 'contains') return `(instr(${text}, ${tr.bind(needle)}) > 0)`;
  if (needle === '') return unlessUnknown(text, '1');
  const p = tr.bind(needle);
  if (op === 'starts_with') return `(instr(${text}, ${p}) = 1)`;
  // Byte suffix = character suffix in UTF-8. substr() of an empty BLOB is NULL, hence the length guard.
  const bytes = `CAST(${text} AS BLOB)`;
  const suffix = `CAST(${p} AS BLOB)`;
  return `(length(${bytes}) >= length(${suffix}) AND substr(${bytes}, -length(${suffix})) = ${suffix})`;
}

/** Value operators on an integer-valued expression (a `len` result or total_revision_count). */
function numberCondition(op: string, num: string, x: unknown, tr: Translation, evaluate: () => string): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = operandKind(x) === 'number' ? `(${num} = ${tr.bind(x as number)})` : unlessUnknown(num, '0');
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof x === 'number' && !Number.isNaN(x) ? `(${num} ${ORDERING[op]} ${tr.bind(x)})` : 'NULL';
    case 'contains':
      if (isBitFlags(x)) {
        if (!Number.isSafeInteger(x)) return unlessUnknown(num, '0');
        const flags = tr.bind(x);
        return `(abs(${num}) <= ${MAX_SAFE} AND (${num} & ${flags}) = ${flags})`;
      }
      return evaluate();
    case 'starts_with':
    case 'ends_with':
    case 'regex':
      return evaluate();
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(num, op === 'in' ? '0' : '1');
      const has = memberOf(num, splitMembers(x).numbers, tr);
      return op === 'in' ? has : `(NOT ${has})`;
    }
    default:
      return evaluate();
  }
}

// ---- meta attributes ---------------------------------------------------------------------

function metaCondition(cond: DataSearchCondition, col: MetaColumn, ctx: FilterContext): string {
  const { tr } = ctx;
  const c = col.name;
  const op: string = cond.operator;
  if (op === 'exists' || op === 'isna' || op === 'is_null') {
    const want = pyTruthy(cond.value);
    const isNull = want ? `(${c} IS NULL)` : `(${c} IS NOT NULL)`;
    // Attributes other than the rev_* mirrors are always present (schema_version may be null).
    if (col.nullBit === undefined) return op === 'exists' ? (want ? '1' : '0') : isNull;
    const present = `(${c} IS NOT NULL OR (${REV_NULL_MASK_COLUMN} & ${col.nullBit}) <> 0)`;
    if (op === 'exists') return want ? present : `(NOT ${present})`;
    if (op === 'isna') return isNull;
    return `(CASE WHEN ${present} THEN ${isNull} END)`;
  }
  const evaluate = (): string =>
    tr.evaluate(cond, false, c, (v) => ({ [c]: metaValueFromColumn(col.kind, v) }) as unknown as ResourceMeta);
  if (cond.transform === 'len') {
    // Only strings have a length among meta attributes; SQLite's length() stops at a NUL.
    if (col.kind !== 'text') return 'NULL';
    const length = numberCondition(op, `length(${c})`, dataOperand(cond.value), tr, evaluate);
    return `(CASE WHEN instr(${c}, char(0)) > 0 THEN ${evaluate()} ELSE ${length} END)`;
  }
  switch (col.kind) {
    case 'text':
      return textMetaCondition(op, c, dataOperand(cond.value), tr, evaluate);
    case 'number':
      return numberCondition(op, c, dataOperand(cond.value), tr, evaluate);
    case 'bool':
      return boolMetaCondition(op, c, dataOperand(cond.value), tr, evaluate);
    case 'time':
      return VALUE_OPERATORS.has(op) ? timeMetaCondition(op, c, instantOperand(cond.value), tr) : evaluate();
  }
}

function textMetaCondition(op: string, c: string, x: unknown, tr: Translation, evaluate: () => string): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'string' ? `(${c} = ${tr.bind(x)})` : unlessUnknown(c, '0');
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return typeof x === 'string' ? `(${c} ${ORDERING[op]} ${tr.bind(x)})` : 'NULL';
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return textTest(op, c, textForm(x), tr);
    case 'regex':
      return evaluate();
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(c, op === 'in' ? '0' : '1');
      const has = memberOf(c, splitMembers(x).texts, tr);
      return op === 'in' ? has : `(NOT ${has})`;
    }
    default:
      throw unknownOperator(op, c);
  }
}

function boolMetaCondition(op: string, c: string, x: unknown, tr: Translation, evaluate: () => string): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'boolean' ? `(${c} = ${x ? 1 : 0})` : unlessUnknown(c, '0');
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return 'NULL'; // a boolean is comparable with nothing
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(c, op === 'in' ? '0' : '1');
      const { hasTrue, hasFalse } = splitMembers(x);
      const has = memberOf(c, [...(hasTrue ? [1] : []), ...(hasFalse ? [0] : [])], tr);
      return op === 'in' ? has : `(NOT ${has})`;
    }
    case 'contains':
    case 'starts_with':
    case 'ends_with':
    case 'regex':
      return evaluate();
    default:
      throw unknownOperator(op, c);
  }
}

/** Value operators on an instant column; the operand was coerced to instants first. */
function timeMetaCondition(op: string, c: string, x: unknown, tr: Translation): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = isValidDate(x) ? `(${c} = ${tr.bind(x.getTime())})` : unlessUnknown(c, '0');
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(c, op === 'in' ? '0' : '1');
      const has = memberOf(c, x.filter(isValidDate).map((d) => d.getTime()), tr);
      return op === 'in' ? has : `(NOT ${has})`;
    }
    default:
      return isValidDate(x) ? `(${c} ${ORDERING[op]} ${tr.bind(x.getTime())})` : 'NULL';
  }
}

// ---- indexed_data keys -------------------------------------------------------------------

function dataCondition(cond: DataSearchCondition, key: DataKey, ctx: FilterContext, topLevel: boolean): string {
  const { tr } = ctx;
  const op: string = cond.operator;
  const { type, presentType, value } = key;
  switch (op) {
    case 'exists':
      return pyTruthy(cond.value) ? `(${type} IS NOT NULL)` : `(${type} IS NULL)`;
    case 'isna':
      return pyTruthy(cond.value) ? `(${presentType} IS NULL)` : `(${presentType} IS NOT NULL)`;
    case 'is_null':
      return pyTruthy(cond.value) ? `(${type} = 'null')` : `(${type} <> 'null')`;
  }
  const evaluate = (): string =>
    tr.evaluate(cond, ctx.dataOnly, key.json, (json) => {
      const data: Record<string, unknown> = {};
      // defineProperty: a key such as "__proto__" must become an own property, as JSON.parse makes it.
      if (typeof json === 'string') Object.defineProperty(data, key.key, { value: JSON.parse(json), enumerable: true, writable: true, configurable: true });
      return { indexed_data: data } as unknown as ResourceMeta;
    });
  const x = dataOperand(cond.value);

  if (cond.transform === 'len') {
    const length =
      `(CASE ${type} WHEN 'text' THEN length(${value}) WHEN 'array' THEN json_array_length(${DATA_COLUMN}, ${key.path}) ` +
      `WHEN 'object' THEN (SELECT count(*) FROM json_each(${DATA_COLUMN}, ${key.path})) END)`;
    const test = numberCondition(op, length, x, tr, evaluate);
    return `(CASE WHEN ${type} = 'text' AND instr(${value}, char(0)) > 0 THEN ${evaluate()} ELSE ${test} END)`;
  }

  /** Adds an implied index-friendly term at top level (see translateFilter). */
  const withHint = (exact: string, hint: string | undefined): string => {
    if (!topLevel || hint === undefined) return exact;
    ctx.tr.indexKeys.add(key.key);
    return `(${exact} AND ${hint})`;
  };

  switch (op) {
    case 'eq':
    case 'ne': {
      const kind = operandKind(x);
      if (kind === 'composite') return evaluate();
      let eq: string;
      let hint: string | undefined;
      if (kind === 'text' || kind === 'number') {
        const p = tr.bind(x as string | number);
        eq = `(${value} = ${p} AND ${presentType} ${kind === 'text' ? `= 'text'` : `IN ${NUMERIC}`})`;
        hint = `${key.rank} = ${kind === 'text' ? 2 : 1} AND ${key.scalar} = ${p}`;
      } else if (kind === 'bool') {
        eq = `(${presentType} = '${x ? 'true' : 'false'}')`;
        hint = `${key.rank} = 0 AND ${key.scalar} = ${x ? 1 : 0}`;
      } else {
        eq = unlessUnknown(presentType, '0');
      }
      return op === 'eq' ? withHint(eq, hint) : `(NOT ${eq})`;
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const sym = ORDERING[op] as string;
      if (typeof x === 'number' && !Number.isNaN(x)) {
        const p = tr.bind(x);
        return withHint(`(CASE WHEN ${presentType} IN ${NUMERIC} THEN ${value} ${sym} ${p} END)`, `${key.rank} = 1 AND ${key.scalar} ${sym} ${p}`);
      }
      if (typeof x === 'string') {
        const p = tr.bind(x);
        return withHint(`(CASE WHEN ${presentType} = 'text' THEN ${value} ${sym} ${p} END)`, `${key.rank} = 2 AND ${key.scalar} ${sym} ${p}`);
      }
      return 'NULL'; // incomparable operand: unknown
    }
    case 'contains': {
      if (!isPrimitive(x)) return evaluate();
      const scalar = containsScalar(key, x, tr);
      return `(CASE ${type} WHEN 'array' THEN ${containsMember(key, x, tr)} WHEN 'object' THEN ${evaluate()} ELSE ${scalar} END)`;
    }
    case 'starts_with':
    case 'ends_with': {
      const needle = textForm(x);
      if (needle === '') return unlessUnknown(presentType, '1');
      return `(CASE WHEN ${type} IN ('array', 'object') THEN ${evaluate()} ELSE ${textTest(op, key.text, needle, tr)} END)`;
    }
    case 'regex':
      return evaluate();
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(presentType, op === 'in' ? '0' : '1');
      const members = splitMembers(x);
      if (members.hasComposite) return evaluate();
      const has = dataMembership(key, members, tr);
      if (op === 'not_in') return `(NOT ${has.sql})`;
      return withHint(has.sql, has.hint);
    }
    default:
      throw unknownOperator(op, key.key);
  }
}

/** `contains` on a scalar value: a bit test for integers with an integer operand, else a substring of the text form. */
function containsScalar(key: DataKey, x: unknown, tr: Translation): string {
  const substring = `(instr(${key.text}, ${tr.bind(textForm(x))}) > 0)`;
  if (!isBitFlags(x)) return substring;
  const { presentType, value } = key;
  let bits = '0'; // flags beyond 2^53 match nothing, as in the evaluator
  if (Number.isSafeInteger(x)) {
    const flags = tr.bind(x);
    bits = `(abs(${value}) <= ${MAX_SAFE} AND (${value} & ${flags}) = ${flags})`;
  }
  return `(CASE WHEN ${presentType} IN ${NUMERIC} AND ${value} = round(${value}) THEN ${bits} ELSE ${substring} END)`;
}

/** `contains` on a list value: element membership of a primitive operand, type-aware. */
function containsMember(key: DataKey, x: unknown, tr: Translation): string {
  let match: string;
  switch (operandKind(x)) {
    case 'text':
      match = `type = 'text' AND atom = ${tr.bind(x as string)}`;
      break;
    case 'number':
      match = `type IN ${NUMERIC} AND atom = ${tr.bind(x as number)}`;
      break;
    case 'bool':
      match = `type = '${x ? 'true' : 'false'}'`;
      break;
    case 'null':
      match = `type = 'null'`;
      break;
    default:
      return '0';
  }
  return `EXISTS (SELECT 1 FROM json_each(${DATA_COLUMN}, ${key.path}) WHERE ${match})`;
}

/** `in` over primitive members: one typed test per JSON type the list holds. */
function dataMembership(key: DataKey, members: ReturnType<typeof splitMembers>, tr: Translation): { sql: string; hint?: string } {
  const { presentType, value } = key;
  const parts: string[] = [];
  const ranks: number[] = [];
  if (members.texts.length > 0) {
    parts.push(`(${presentType} = 'text' AND ${memberOf(value, members.texts, tr)})`);
    ranks.push(2);
  }
  if (members.numbers.length > 0) {
    parts.push(`(${presentType} IN ${NUMERIC} AND ${memberOf(value, members.numbers, tr)})`);
    ranks.push(1);
  }
  if (members.hasTrue) parts.push(`(${presentType} = 'true')`);
  if (members.hasFalse) parts.push(`(${presentType} = 'false')`);
  if (members.hasTrue || members.hasFalse) ranks.push(0);
  if (parts.length === 0) return { sql: unlessUnknown(presentType, '0') };
  const scalars = [...members.texts, ...members.numbers, ...(members.hasTrue ? [1] : []), ...(members.hasFalse ? [0] : [])];
  const hint = `${key.rank} IN (${ranks.join(', ')}) AND ${key.scalar} IN (SELECT value FROM json_each(${tr.bind(JSON.stringify(scalars))}))`;
  return { sql: joinBalanced(parts, 'OR', '0'), hint };
}
