/**
 * Conditions on one indexed_data key. The operator rules (which operands can match, unknown for
 * missing and null values, ne as NOT eq) live here; how a JSON value is typed, compared and
 * indexed is the dialect's.
 */
import type { DataSearchCondition } from '@specstar/interfaces';
import { dataOperand, isPrimitive, pyTruthy, textForm } from '@specstar/core/adapter';
import type { HintedSql, SqlDataKey } from './dialect';
import type { FilterContext } from './filters';
import { exact, unlessUnknown, type Node } from './nodes';
import { ORDERING, numberCondition, unknownOperator } from './number-conditions';

export function dataCondition<K extends SqlDataKey>(cond: DataSearchCondition, k: K, ctx: FilterContext<K>, topLevel: boolean): Node {
  const d = ctx.dialect;
  const op: string = cond.operator;
  switch (op) {
    case 'exists':
      return exact(pyTruthy(cond.value) ? `(${k.presence} IS NOT NULL)` : `(${k.presence} IS NULL)`);
    case 'isna':
      return exact(pyTruthy(cond.value) ? `(${k.presentType} IS NULL)` : `(${k.presentType} IS NOT NULL)`);
    case 'is_null':
      return exact(pyTruthy(cond.value) ? `(${k.type} = 'null')` : `(${k.type} <> 'null')`);
  }
  const r = d.residual(cond, ctx.dataOnly, k);
  const present = `(${k.presentType} IS NOT NULL)`;
  const x = dataOperand(cond.value);
  /** Adds the implied index term of a top-level condition (see translateFilter). */
  const hinted = (test: HintedSql): string => (topLevel && test.hint !== undefined ? d.hinted(k, { ...test, hint: test.hint }) : test.sql);

  if (cond.transform === 'len') {
    const test = numberCondition(op, k.length, x, d, r);
    return k.lengthUnsure === undefined ? test : r.partial(k.lengthUnsure, test);
  }

  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = d.dataEquals(k, x);
      if (eq === undefined) return r.whole(present);
      return exact(op === 'eq' ? hinted(eq) : `(NOT ${eq.sql})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      const ordering = ORDERING[op]!;
      if (typeof x === 'number' && !Number.isNaN(x)) return exact(hinted(d.dataCompare(k, ordering, x)));
      if (typeof x === 'string') return d.storable(x) ? exact(hinted(d.dataCompare(k, ordering, x))) : r.whole(present);
      return exact('NULL'); // incomparable operand: unknown
    }
    case 'contains': {
      const needle = textForm(x);
      if (!d.storable(needle) || (!isPrimitive(x) && !d.exactJson(x))) return r.whole(present);
      const scalar = d.scalarContains(k, x, d.textTest('contains', k.text, needle));
      return r.partial(k.containsUnsure, exact(`(CASE ${k.type} WHEN 'array' THEN ${d.listContains(k, x)} ELSE ${scalar} END)`));
    }
    case 'starts_with':
    case 'ends_with': {
      const needle = textForm(x);
      if (!d.storable(needle)) return r.whole(present);
      if (needle === '') return exact(unlessUnknown(k.presentType, d.TRUE));
      return r.partial(k.textUnsure, exact(d.textTest(op, k.text, needle)));
    }
    case 'regex':
      return r.whole(present);
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(k.presentType, op === 'in' ? d.FALSE : d.TRUE));
      if (x.some((m) => !isPrimitive(m) && !d.exactJson(m))) return r.whole(present);
      const has = d.dataIn(k, x);
      return exact(op === 'in' ? hinted(has) : `(NOT ${has.sql})`);
    }
    default:
      throw unknownOperator(op, k.key);
  }
}
