/**
 * Sorts → ORDER BY with the port rules of core-semantics §3.7: missing and null values are
 * greatest, mixed types order by the evaluator's fixed type rank, strings by code point
 * (BINARY on UTF-8), lists element by element (a JS sort key), and ties always end on
 * resource_id ascending.
 */
import { QueryError, type SearchSort } from '@specstar/interfaces';
import { type DataKeys } from './data-key';
import { SORT_KEY_FUNCTION } from './functions';
import { META_COLUMNS, isMetaField } from './meta-columns';
import type { Translation } from './translation';

/** Meta sort keys whose column may be NULL (null sorts greatest). */
const NULLABLE_SORT_COLUMNS: ReadonlySet<string> = new Set(['schema_version', 'rev_created_time', 'rev_updated_time']);

/** Without sorts: creation time, then resource_id. */
export const DEFAULT_ORDER = 'created_time ASC, resource_id ASC';

/** The ORDER BY list of a (validated) sort list. */
export function translateSorts(sorts: readonly SearchSort[] | undefined | null, keys: DataKeys, tr: Translation): string {
  if (sorts === undefined || sorts === null || sorts.length === 0) return DEFAULT_ORDER;
  const terms: string[] = [];
  for (const sort of sorts) {
    const loose = sort as unknown as Record<string, unknown>;
    const direction = loose['direction'] === '-' ? 'DESC' : 'ASC';
    if (sort.type === 'meta') {
      const key = loose['key'];
      if (typeof key !== 'string' || !isMetaField(key)) throw new QueryError(`Unknown meta sort key '${String(key)}'`);
      const column = META_COLUMNS[key].name;
      if (NULLABLE_SORT_COLUMNS.has(column)) terms.push(`(${column} IS NULL) ${direction}`);
      terms.push(`${column} ${direction}`);
    } else {
      const path = loose['field_path'];
      if (typeof path !== 'string') throw new QueryError('Data sort is missing field_path');
      const key = keys.get(path);
      tr.indexKeys.add(path);
      // rank and scalar are the two columns of the key's expression index, in that order.
      terms.push(`${key.rank} ${direction}`, `${key.scalar} ${direction}`);
      terms.push(`(CASE WHEN ${key.type} IN ('array', 'object') THEN ${SORT_KEY_FUNCTION}(${key.json}) END) ${direction}`);
    }
  }
  terms.push('resource_id ASC');
  return terms.join(', ');
}
