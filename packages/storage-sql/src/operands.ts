/**
 * A classification of condition operands: what a stored JSON value can ever equal. The
 * coercions the evaluator applies before comparing come from `@specstar/core/adapter`.
 */

export const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * What kind of JSON scalar an operand is. `never` is a primitive no JSON value can be equal to
 * (undefined, NaN, ±Infinity, bigint, symbol); `composite` needs deep equality.
 */
export type OperandKind = 'text' | 'number' | 'bool' | 'null' | 'never' | 'composite';

export function operandKind(value: unknown): OperandKind {
  switch (typeof value) {
    case 'string':
      return 'text';
    case 'number':
      return Number.isFinite(value) ? 'number' : 'never';
    case 'boolean':
      return 'bool';
    case 'object':
      return value === null ? 'null' : 'composite';
    case 'function':
      return 'composite';
    default:
      return 'never';
  }
}

/** The primitive members of an `in` list, split by the JSON type they can match. */
export interface Members {
  texts: string[];
  numbers: number[];
  hasTrue: boolean;
  hasFalse: boolean;
  /** Some member needs deep equality. */
  hasComposite: boolean;
}

export function splitMembers(list: readonly unknown[]): Members {
  const members: Members = { texts: [], numbers: [], hasTrue: false, hasFalse: false, hasComposite: false };
  for (const item of list) {
    switch (operandKind(item)) {
      case 'text':
        members.texts.push(item as string);
        break;
      case 'number':
        members.numbers.push(item as number);
        break;
      case 'bool':
        if (item === true) members.hasTrue = true;
        else members.hasFalse = true;
        break;
      case 'composite':
        members.hasComposite = true;
        break;
      default:
        break; // null and `never` members match no present, non-null value
    }
  }
  return members;
}

/** Whether `contains` with this operand is a bit test on integer values. */
export function isBitFlags(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}
