/**
 * What PostgreSQL text and jsonb can hold. Neither stores U+0000, and postgres.js encodes an
 * unpaired UTF-16 surrogate as U+FFFD, so such strings would change on the way in: nothing
 * stored holds them, so a condition on one is decided without binding it.
 */

// oxlint-disable-next-line no-control-regex -- U+0000 is exactly what PostgreSQL text cannot hold
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Whether PostgreSQL text holds `text` exactly. */
export function isStorableText(text: string): boolean {
  return !UNSAFE.test(text);
}

/**
 * Whether a search operand round-trips through JSON exactly, so jsonb equality decides what the
 * evaluator's deep equality decides: null, booleans, finite numbers, storable strings, and lists
 * and plain objects of those (no Dates, undefined, NaN, bigint or class instances inside).
 */
export function isJsonExact(value: unknown): boolean {
  switch (typeof value) {
    case 'string':
      return isStorableText(value);
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) return value.every(isJsonExact);
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.entries(value as Record<string, unknown>).every(([key, item]) => isStorableText(key) && item !== undefined && isJsonExact(item));
    }
    default:
      return false;
  }
}
