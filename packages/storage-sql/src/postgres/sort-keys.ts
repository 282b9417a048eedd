/**
 * A text key whose byte order (COLLATE "C") is the evaluator's order of list and map sort
 * values (compareSortValues): lists element by element then by length, maps by their text form,
 * strings by code point, numbers numerically. Computed at write time for every indexed_data
 * value that is a list or a map, because jsonb orders lists length-first and forgets key order.
 */
import { sortKey } from '@specstar/core/adapter';

/** The sort key of a value as lowercase hex (hex keeps byte order under COLLATE "C"). */
export function sortKeyHex(value: unknown): string {
  return sortKey(value).toString('hex');
}

/** `{ key: hex }` for the list and map values of indexed_data; undefined when there are none. */
export function sortKeysOf(indexed: Record<string, unknown> | null | undefined): Record<string, string> | undefined {
  if (indexed === null || indexed === undefined) return undefined;
  let out: Record<string, string> | undefined;
  for (const [key, value] of Object.entries(indexed)) {
    if (value !== null && typeof value === 'object') {
      out ??= {};
      Object.defineProperty(out, key, { value: sortKeyHex(value), enumerable: true, writable: true, configurable: true });
    }
  }
  return out;
}
