/**
 * A whole ResourceMetaSearchQuery → parameterized SQL over the meta table (alias `m`): every
 * criterion, conditions and data_conditions with their groups, sorts, offset and limit. The
 * query is first checked by core's own compiler, so a malformed query fails with exactly the
 * QueryError the normative evaluator raises.
 *
 * `exact` queries run entirely in SQL. Otherwise `where` is a superset of the matches (see
 * conditions.ts) and the caller finishes the query in code with core's runQuery / countQuery.
 */
import { META_SORT_KEYS, QueryError, type ResourceMetaSearchQuery, type SearchFilter, type SearchSort } from '@specstar/interfaces';
import { QUERY_TIME_BOUNDS, checkSearchQuery, compareBySorts, compileQuery, pageBounds, queryInstant, topLevelFilters } from '@specstar/core';
import { isStorableText } from '../text';
import { dataKey, possiblyTrue, translateFilter, type FilterContext } from './conditions';
import { Params } from './params';

export interface SqlQuery {
  /** The WHERE expression (never empty). */
  where: string;
  /** The ORDER BY list. */
  orderBy: string;
  params: Params;
  /** Whether `where` decides every row exactly (else it only narrows, and code finishes). */
  exact: boolean;
  limit: number;
  offset: number;
}

function translateWhere(query: ResourceMetaSearchQuery, params: Params): { where: string; exact: boolean } {
  const terms: string[] = [];
  let exact = true;
  if (query.is_deleted !== undefined && query.is_deleted !== null) {
    const want: unknown = query.is_deleted;
    terms.push(typeof want === 'boolean' ? `(m.is_deleted = ${want ? 'TRUE' : 'FALSE'})` : 'FALSE');
  }
  for (const [bound, column, sym] of QUERY_TIME_BOUNDS) {
    const raw: unknown = query[bound];
    if (raw !== undefined && raw !== null) terms.push(`(m.${column} ${sym} ${params.add(queryInstant(raw).toISOString(), 'timestamptz')})`);
  }
  for (const [list, column] of [['created_bys', 'created_by'], ['updated_bys', 'updated_by']] as const) {
    const users: unknown = query[list];
    if (users === undefined || users === null) continue;
    if (!Array.isArray(users)) throw new QueryError(`Query field '${list}' must be a list of user names`);
    const names = users.filter((u): u is string => typeof u === 'string' && isStorableText(u));
    terms.push(names.length === 0 ? 'FALSE' : `(m.${column} IN (SELECT jsonb_array_elements_text(${params.json(names)})))`);
  }
  const hints: string[] = [];
  for (const [field, dataOnly] of [['data_conditions', true], ['conditions', false]] as const) {
    const filters: unknown = query[field];
    if (filters === undefined || filters === null) continue;
    if (!Array.isArray(filters)) throw new QueryError(`Query field '${field}' must be a list`);
    // A meta without indexed data never matches data conditions (upstream behaviour).
    if (dataOnly) terms.push('(m.indexed_data IS NOT NULL)');
    const ctx: FilterContext = { params, dataOnly, hints };
    for (const filter of topLevelFilters(filters as SearchFilter[])) {
      const node = translateFilter(filter, ctx, true);
      if (node.kind === 'exact') terms.push(node.sql);
      else {
        exact = false;
        terms.push(possiblyTrue(node));
      }
    }
  }
  terms.push(...hints);
  return { where: terms.length === 0 ? 'TRUE' : terms.join(' AND '), exact };
}

/** Without sorts: creation time, then resource_id. */
export const DEFAULT_ORDER = 'm.created_time ASC, m.resource_id ASC';

// Every meta sort key names a column of the meta table under the same name.
const META_SORT_COLUMNS: ReadonlySet<string> = new Set(META_SORT_KEYS);

/**
 * Sorts → ORDER BY with the rules of core-semantics §3.7: null and missing are greatest (PostgreSQL's
 * default NULLS LAST ascending / FIRST descending), mixed types order by the evaluator's type rank,
 * strings by code point (COLLATE "C"), lists and maps by their precomputed sort key, and ties end
 * on resource_id ascending.
 */
export function translateSorts(sorts: readonly SearchSort[] | undefined | null, params: Params): string {
  if (sorts === undefined || sorts === null || sorts.length === 0) return DEFAULT_ORDER;
  const terms: string[] = [];
  for (const sort of sorts) {
    const loose = sort as unknown as Record<string, unknown>;
    const direction = loose['direction'] === '-' ? 'DESC' : 'ASC';
    if (sort.type === 'meta') {
      const key = loose['key'];
      if (typeof key !== 'string' || !META_SORT_COLUMNS.has(key)) throw new QueryError(`Unknown meta sort key '${String(key)}'`);
      terms.push(`m.${key} ${direction}`);
    } else {
      const path = loose['field_path'];
      if (typeof path !== 'string') throw new QueryError('Data sort is missing field_path');
      const { v, t } = dataKey(path, params);
      const sortKey = isStorableText(path) ? `(m.sort_keys ->> ${params.add(path, 'text')})` : 'NULL::text';
      terms.push(
        `(CASE ${t} WHEN 'boolean' THEN 0 WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 7 END) ${direction}`,
        `(CASE WHEN ${t} = 'boolean' THEN (${v})::boolean END) ${direction}`,
        `(CASE WHEN ${t} = 'number' THEN (${v})::float8 END) ${direction}`,
        `(CASE WHEN ${t} = 'string' THEN ${v} #>> '{}' END) COLLATE "C" ${direction}`,
        `${sortKey} COLLATE "C" ${direction}`,
      );
    }
  }
  terms.push('m.resource_id ASC');
  return terms.join(', ');
}

/** Translates a search: validation in the evaluator's order (paging, filters, sorts), then WHERE and ORDER BY. */
export function translateSearch(query: ResourceMetaSearchQuery): SqlQuery {
  checkSearchQuery(query);
  const { limit, offset } = pageBounds(query);
  compileQuery(query);
  compareBySorts(query.sorts);
  const params = new Params();
  const { where, exact } = translateWhere(query, params);
  // A mixed query is sorted by core's evaluator after it filters; its SQL has no ORDER BY.
  const orderBy = exact ? translateSorts(query.sorts, params) : '';
  return { where, orderBy, params, exact, limit, offset };
}

/** Translates the filter part only: count ignores sorts, limit and offset. */
export function translateCount(query: ResourceMetaSearchQuery): SqlQuery {
  checkSearchQuery(query);
  compileQuery(query);
  const params = new Params();
  const { where, exact } = translateWhere(query, params);
  return { where, orderBy: '', params, exact, limit: 0, offset: 0 };
}
