/**
 * Conditions on meta attributes, which are real columns. Attributes other than the rev_* mirrors
 * are always present (schema_version may be null); a rev_* mirror may be unset or null, told
 * apart by its bit of rev_null_mask.
 */
import type { DataSearchCondition } from '@specstar/interfaces';
import { dataOperand, instantOperand, isValidDate, pyTruthy, textForm } from '@specstar/core/adapter';
import type { Residual, SqlDataKey, SqlDialect } from './dialect';
import { REV_NULL_MASK_COLUMN, type MetaColumn } from './meta-columns';
import { exact, unlessUnknown, type Node } from './nodes';
import { ORDERING, numberCondition, unknownOperator } from './number-conditions';

const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);

export function metaCondition<K extends SqlDataKey>(cond: DataSearchCondition, col: MetaColumn, d: SqlDialect<K>): Node {
  const c = d.column(col.name);
  const op: string = cond.operator;
  if (op === 'exists' || op === 'isna' || op === 'is_null') {
    const want = pyTruthy(cond.value);
    const isNull = want ? `(${c} IS NULL)` : `(${c} IS NOT NULL)`;
    if (col.nullBit === undefined) return exact(op === 'exists' ? (want ? d.TRUE : d.FALSE) : isNull);
    const present = `(${c} IS NOT NULL OR (${d.column(REV_NULL_MASK_COLUMN)} & ${col.nullBit}) <> 0)`;
    if (op === 'exists') return exact(want ? present : `(NOT ${present})`);
    if (op === 'isna') return exact(isNull);
    return exact(`(CASE WHEN ${present} THEN ${isNull} END)`);
  }
  const r = d.residual(cond, false, col);
  if (cond.transform === 'len') {
    // Only strings have a length among meta attributes.
    if (col.kind !== 'text') return exact('NULL');
    const { length, unsure } = d.textLength(c);
    const test = numberCondition(op, length, dataOperand(cond.value), d, r);
    return unsure === undefined ? test : r.partial(unsure, test);
  }
  switch (col.kind) {
    case 'text':
      return textCondition(op, c, dataOperand(cond.value), d, r, col.name);
    case 'number':
      return numberCondition(op, d.asNumber(c), dataOperand(cond.value), d, r);
    case 'bool':
      return boolCondition(op, c, dataOperand(cond.value), d, r, col.name);
    case 'time':
      if (VALUE_OPERATORS.has(op)) return exact(timeCondition(op, c, instantOperand(cond.value), d));
      // Text operators see the ISO text: rare enough to leave to the evaluator.
      if (op === 'contains' || op === 'starts_with' || op === 'ends_with' || op === 'regex') return r.whole(`(${c} IS NOT NULL)`);
      throw unknownOperator(op, col.name);
  }
}

/** contains / starts_with / ends_with on a column's text form, when the dialect has one. */
function textOf<K extends SqlDataKey>(op: 'contains' | 'starts_with' | 'ends_with', text: string | undefined, c: string, x: unknown, d: SqlDialect<K>, r: Residual): Node {
  const needle = textForm(x);
  if (text === undefined || !d.storable(needle)) return r.whole(`(${c} IS NOT NULL)`);
  return exact(d.textTest(op, text, needle));
}

function textCondition<K extends SqlDataKey>(op: string, c: string, x: unknown, d: SqlDialect<K>, r: Residual, path: string): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'string' && d.storable(x) ? `(${c} = ${d.bindText(x)})` : unlessUnknown(c, d.FALSE);
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof x !== 'string') return exact('NULL');
      if (!d.storable(x)) return r.whole(`(${c} IS NOT NULL)`);
      // Text columns compare by code point, as compareStrings.
      return exact(`(${c} ${ORDERING[op]} ${d.bindText(x)})`);
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return textOf(op, c, c, x, d, r);
    case 'regex':
      return r.whole(`(${c} IS NOT NULL)`);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(c, op === 'in' ? d.FALSE : d.TRUE));
      const texts = x.filter((v): v is string => typeof v === 'string' && d.storable(v));
      const has = texts.length === 0 ? unlessUnknown(c, d.FALSE) : d.memberOf(c, 'text', texts);
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, path);
  }
}

function boolCondition<K extends SqlDataKey>(op: string, c: string, x: unknown, d: SqlDialect<K>, r: Residual, path: string): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'boolean' ? `(${c} = ${x ? d.TRUE : d.FALSE})` : unlessUnknown(c, d.FALSE);
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return exact('NULL'); // a boolean is comparable with nothing
    case 'contains':
    case 'starts_with':
    case 'ends_with':
      return textOf(op, d.boolText(c), c, x, d, r);
    case 'regex':
      return r.whole(`(${c} IS NOT NULL)`);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(c, op === 'in' ? d.FALSE : d.TRUE));
      const values = [...(x.includes(true) ? [true] : []), ...(x.includes(false) ? [false] : [])];
      const has = values.length === 0 ? unlessUnknown(c, d.FALSE) : d.memberOf(c, 'bool', values);
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      throw unknownOperator(op, path);
  }
}

/** Value operators on an instant column; the operand was coerced to instants first. */
function timeCondition<K extends SqlDataKey>(op: string, c: string, x: unknown, d: SqlDialect<K>): string {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = isValidDate(x) ? `(${c} = ${d.bindInstant(x)})` : unlessUnknown(c, d.FALSE);
      return op === 'eq' ? eq : `(NOT ${eq})`;
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return unlessUnknown(c, op === 'in' ? d.FALSE : d.TRUE);
      const instants = x.filter(isValidDate);
      const has = instants.length === 0 ? unlessUnknown(c, d.FALSE) : d.memberOf(c, 'instant', instants);
      return op === 'in' ? has : `(NOT ${has})`;
    }
    default:
      return isValidDate(x) ? `(${c} ${ORDERING[op]} ${d.bindInstant(x)})` : 'NULL';
  }
}
