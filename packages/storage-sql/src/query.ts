/**
 * A whole ResourceMetaSearchQuery → the WHERE and ORDER BY of one parameterized SELECT over the
 * meta table: every criterion, conditions and data_conditions with their groups, sorts, offset
 * and limit. The query is first checked by core's own compiler, so a malformed query fails with
 * exactly the QueryError the normative evaluator raises; the SQL then returns the same rows.
 *
 * An `exact` query runs entirely in SQL. Otherwise (a dialect that filters in code) `where` is
 * a superset of the matches and the caller finishes the query with core's runQuery / countQuery.
 */
import { META_SORT_KEYS, QueryError, type ResourceMetaSearchQuery, type SearchFilter, type SearchSort } from '@specstar/interfaces';
import { QUERY_TIME_BOUNDS, checkSearchQuery, compareBySorts, compileQuery, pageBounds, queryInstant, topLevelFilters } from '@specstar/core/adapter';
import type { SqlDataKey, SqlDialect } from './dialect';
import { translateFilter, type FilterContext } from './filters';
import { META_COLUMNS } from './meta-columns';
import { possiblyTrue } from './nodes';

export interface SqlQuery<D> {
  /** The WHERE expression (never empty). */
  where: string;
  /** The ORDER BY list (empty for a count, and for a query finished in code, which sorts there). */
  orderBy: string;
  /** Whether `where` decides every row exactly (else it only narrows, and code finishes). */
  exact: boolean;
  limit: number;
  offset: number;
  /** The dialect instance that translated it: its bound values. */
  dialect: D;
}

function translateWhere<K extends SqlDataKey>(query: ResourceMetaSearchQuery, d: SqlDialect<K>): { where: string; exact: boolean } {
  const terms: string[] = [];
  let exact = true;
  if (query.is_deleted !== undefined && query.is_deleted !== null) {
    const want: unknown = query.is_deleted;
    terms.push(typeof want === 'boolean' ? `(${d.column('is_deleted')} = ${want ? d.TRUE : d.FALSE})` : d.FALSE);
  }
  for (const [bound, column, sym] of QUERY_TIME_BOUNDS) {
    const raw: unknown = query[bound];
    if (raw !== undefined && raw !== null) terms.push(`(${d.column(column)} ${sym} ${d.bindInstant(queryInstant(raw))})`);
  }
  for (const [list, column] of [['created_bys', 'created_by'], ['updated_bys', 'updated_by']] as const) {
    const users: unknown = query[list];
    if (users === undefined || users === null) continue;
    if (!Array.isArray(users)) throw new QueryError(`Query field '${list}' must be a list of user names`);
    const names = users.filter((u): u is string => typeof u === 'string' && d.storable(u));
    terms.push(names.length === 0 ? d.FALSE : d.memberOf(d.column(column), 'text', names));
  }
  for (const [field, dataOnly] of [['data_conditions', true], ['conditions', false]] as const) {
    const filters: unknown = query[field];
    if (filters === undefined || filters === null) continue;
    if (!Array.isArray(filters)) throw new QueryError(`Query field '${field}' must be a list`);
    // A meta without indexed data never matches data conditions (upstream behaviour).
    if (dataOnly) terms.push(`(${d.dataColumn} IS NOT NULL)`);
    const ctx: FilterContext<K> = { dialect: d, dataOnly };
    for (const filter of topLevelFilters(filters as SearchFilter[])) {
      const node = translateFilter(filter, ctx, true);
      if (node.kind === 'exact') terms.push(node.sql);
      else {
        exact = false;
        terms.push(possiblyTrue(node));
      }
    }
  }
  for (const hint of d.hints) terms.push(hint);
  return { where: d.join(terms, 'AND', d.TRUE), exact };
}

const META_SORT_COLUMNS: ReadonlySet<string> = new Set(META_SORT_KEYS);

/**
 * Sorts → ORDER BY: missing and null values are greatest, mixed types order by the evaluator's
 * fixed type rank, strings by code point, lists and maps like `compareBySorts`, and ties always
 * end on resource_id ascending.
 */
function translateSorts<K extends SqlDataKey>(sorts: readonly SearchSort[] | undefined | null, d: SqlDialect<K>): string {
  if (sorts === undefined || sorts === null || sorts.length === 0) return d.defaultOrder;
  const terms: string[] = [];
  for (const sort of sorts) {
    const loose = sort as unknown as Record<string, unknown>;
    const direction = loose['direction'] === '-' ? 'DESC' : 'ASC';
    if (sort.type === 'meta') {
      const key = loose['key'];
      if (typeof key !== 'string' || !META_SORT_COLUMNS.has(key)) throw new QueryError(`Unknown meta sort key '${String(key)}'`);
      terms.push(...d.metaSort(META_COLUMNS[key as keyof typeof META_COLUMNS], direction));
      // resource_id is unique: later sorts and the tie-break never decide, and a repeated term
      // would keep the database from reading the order off an index.
      if (key === 'resource_id') return terms.join(', ');
    } else {
      const path = loose['field_path'];
      if (typeof path !== 'string') throw new QueryError('Data sort is missing field_path');
      terms.push(...d.dataSort(path, direction));
    }
  }
  terms.push(`${d.column('resource_id')} ASC`);
  return terms.join(', ');
}

/**
 * Translates a search with a fresh dialect instance: validation in the evaluator's order
 * (paging, filters, sorts), then WHERE and ORDER BY.
 */
export function translateSearch<D extends SqlDialect<SqlDataKey>>(query: ResourceMetaSearchQuery, dialect: D): SqlQuery<D> {
  checkSearchQuery(query);
  const { limit, offset } = pageBounds(query);
  compileQuery(query);
  compareBySorts(query.sorts);
  try {
    const { where, exact } = translateWhere(query, dialect);
    // A query finished in code is sorted by core's evaluator after it filters.
    const orderBy = exact ? translateSorts(query.sorts, dialect) : '';
    dialect.finish();
    return { where, orderBy, exact, limit, offset, dialect };
  } catch (error) {
    dialect.abandon();
    throw error;
  }
}

/** Translates the filter part only: count ignores sorts, limit and offset. */
export function translateCount<D extends SqlDialect<SqlDataKey>>(query: ResourceMetaSearchQuery, dialect: D): SqlQuery<D> {
  checkSearchQuery(query);
  compileQuery(query);
  try {
    const { where, exact } = translateWhere(query, dialect);
    dialect.finish();
    return { where, orderBy: '', exact, limit: 0, offset: 0, dialect };
  } catch (error) {
    dialect.abandon();
    throw error;
  }
}
