/** Value operators on an integer-valued number expression (a `len` result or total_revision_count). */
import { QueryError } from '@specstar/interfaces';
import { textForm } from '@specstar/core/adapter';
import type { Ordering, Residual, SqlDataKey, SqlDialect } from './dialect';
import { exact, unlessUnknown, type Node } from './nodes';
import { isBitFlags, splitMembers } from './operands';

export const ORDERING: Readonly<Record<string, Ordering>> = { gt: '>', gte: '>=', lt: '<', lte: '<=' };

export function unknownOperator(op: string, path: string): QueryError {
  return new QueryError(`Unknown search operator '${op}' on field '${path}'`);
}

/** `num` is NULL when unknown; `r` finishes what SQL cannot decide. */
export function numberCondition<K extends SqlDataKey>(op: string, num: string, x: unknown, d: SqlDialect<K>, r: Residual): Node {
  switch (op) {
    case 'eq':
    case 'ne': {
      const eq = typeof x === 'number' && Number.isFinite(x) ? `(${num} = ${d.bindNumber(x)})` : unlessUnknown(num, d.FALSE);
      return exact(op === 'eq' ? eq : `(NOT ${eq})`);
    }
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return exact(typeof x === 'number' && !Number.isNaN(x) ? `(${num} ${ORDERING[op]} ${d.bindNumber(x)})` : 'NULL');
    case 'contains':
    case 'starts_with':
    case 'ends_with': {
      if (op === 'contains' && isBitFlags(x)) return exact(d.bitFlags(num, x));
      const text = d.numberText(num);
      const needle = textForm(x);
      if (text === undefined || !d.storable(needle)) return r.whole(`(${num} IS NOT NULL)`);
      return exact(d.textTest(op, text, needle));
    }
    case 'in':
    case 'not_in': {
      if (!Array.isArray(x)) return exact(unlessUnknown(num, op === 'in' ? d.FALSE : d.TRUE));
      const numbers = splitMembers(x).numbers;
      const has = numbers.length === 0 ? unlessUnknown(num, d.FALSE) : d.memberOf(num, 'number', numbers);
      return exact(op === 'in' ? has : `(NOT ${has})`);
    }
    default:
      return r.whole(`(${num} IS NOT NULL)`); // regex
  }
}
