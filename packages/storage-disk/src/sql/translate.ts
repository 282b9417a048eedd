/**
 * A whole ResourceMetaSearchQuery → one parameterized SELECT (core-semantics §3.1–3.8): every
 * criterion, conditions and data_conditions with their groups, sorts, offset and limit. The
 * query is first checked by core's own compiler, so a malformed query fails with exactly the
 * QueryError the normative evaluator raises; the SQL then returns the same rows.
 */
import { QueryError, type ResourceMetaSearchQuery, type SearchFilter } from '@specstar/interfaces';
import { QUERY_TIME_BOUNDS, checkSearchQuery, compareBySorts, compileQuery, pageBounds, queryInstant, topLevelFilters } from '@specstar/core';
import { translateFilter, type FilterContext } from './conditions';
import { DATA_COLUMN, DataKeys } from './data-key';
import { translateSorts } from './sorts';
import { Translation, joinBalanced } from './translation';

/** SQLite's default limit on bound parameters (SQLITE_MAX_VARIABLE_NUMBER, 32766 since 3.32). */
export const MAX_SQL_VARIABLES = 32766;

export interface SqlQuery {
  /** The WHERE expression (never empty). */
  where: string;
  /** The ORDER BY list (search only). */
  orderBy: string;
  /** Filled by translation; release() after running the statement. */
  translation: Translation;
  limit: number;
  offset: number;
}

/** Refuses a query SQLite would refuse, before it spends seconds parsing it. */
function checkSize(tr: Translation): void {
  // +2 for limit and offset
  if (tr.size + 2 > MAX_SQL_VARIABLES) {
    throw new QueryError(`Search query is too large: it needs ${tr.size + 2} bound values, SQLite allows ${MAX_SQL_VARIABLES}`);
  }
}

function translateWhere(query: ResourceMetaSearchQuery, tr: Translation, keys: DataKeys): string {
  const terms: string[] = [];
  if (query.is_deleted !== undefined && query.is_deleted !== null) {
    const want: unknown = query.is_deleted;
    terms.push(typeof want === 'boolean' ? `is_deleted = ${want ? 1 : 0}` : '0');
  }
  for (const [bound, column, sym] of QUERY_TIME_BOUNDS) {
    const raw: unknown = query[bound];
    if (raw !== undefined && raw !== null) terms.push(`${column} ${sym} ${tr.bind(queryInstant(raw).getTime())}`);
  }
  for (const [list, column] of [['created_bys', 'created_by'], ['updated_bys', 'updated_by']] as const) {
    const users: unknown = query[list];
    if (users === undefined || users === null) continue;
    if (!Array.isArray(users)) throw new QueryError(`Query field '${list}' must be a list of user names`);
    const names = users.filter((u): u is string => typeof u === 'string');
    terms.push(names.length === 0 ? '0' : `${column} IN (SELECT value FROM json_each(${tr.bind(JSON.stringify(names))}))`);
  }
  for (const [field, dataOnly] of [['data_conditions', true], ['conditions', false]] as const) {
    const filters: unknown = query[field];
    if (filters === undefined || filters === null) continue;
    if (!Array.isArray(filters)) throw new QueryError(`Query field '${field}' must be a list`);
    // A meta without indexed data never matches data conditions (upstream behaviour).
    if (dataOnly) terms.push(`${DATA_COLUMN} IS NOT NULL`);
    const ctx: FilterContext = { tr, keys, dataOnly };
    for (const filter of topLevelFilters(filters as SearchFilter[])) terms.push(translateFilter(filter, ctx, true));
  }
  return joinBalanced(terms, 'AND', '1');
}

/**
 * Translates a search: validation in the evaluator's order (paging, filters, sorts), then
 * WHERE and ORDER BY. The caller must `translation.release()` after running it.
 */
export function translateSearch(query: ResourceMetaSearchQuery): SqlQuery {
  checkSearchQuery(query);
  const { limit, offset } = pageBounds(query);
  compileQuery(query);
  compareBySorts(query.sorts);
  const translation = new Translation();
  const keys = new DataKeys();
  try {
    const where = translateWhere(query, translation, keys);
    const orderBy = translateSorts(query.sorts, keys, translation);
    checkSize(translation);
    return { where, orderBy, translation, limit, offset };
  } catch (error) {
    translation.release();
    throw error;
  }
}

/** Translates the filter part only: count ignores sorts, limit and offset. */
export function translateCount(query: ResourceMetaSearchQuery): SqlQuery {
  checkSearchQuery(query);
  compileQuery(query);
  const translation = new Translation();
  try {
    const where = translateWhere(query, translation, new DataKeys());
    checkSize(translation);
    return { where, orderBy: '', translation, limit: 0, offset: 0 };
  } catch (error) {
    translation.release();
    throw error;
  }
}
