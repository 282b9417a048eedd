/**
 * Search filters → SQL with the evaluator's three-valued logic: every condition yields TRUE,
 * FALSE or NULL (unknown), so SQL's AND / OR / NOT give the group rules for free. A missing key
 * and a JSON null both read as SQL NULL; only exists / isna / is_null look at the difference.
 * Values are always bound; what SQL cannot decide goes to the dialect's residual strategy.
 */
import { QueryError, type DataSearchCondition, type SearchFilter } from '@specstar/interfaces';
import { flattenSameOperator, isSearchGroup } from '@specstar/core/adapter';
import { dataCondition } from './data-conditions';
import type { SqlDataKey, SqlDialect } from './dialect';
import { META_COLUMNS, isMetaField } from './meta-columns';
import { metaCondition } from './meta-conditions';
import { exact, type Node } from './nodes';

export interface FilterContext<K extends SqlDataKey> {
  dialect: SqlDialect<K>;
  /** The deprecated data_conditions channel: every path is an indexed_data key. */
  dataOnly: boolean;
}

function combine<K extends SqlDataKey>(children: Node[], operator: 'AND' | 'OR', d: SqlDialect<K>): Node {
  const identity = operator === 'AND' ? d.TRUE : d.FALSE;
  if (children.every((c) => c.kind === 'exact')) return exact(d.join(children.map((c) => (c as { sql: string }).sql), operator, identity));
  const ps = children.map((c) => (c.kind === 'exact' ? `((${c.sql}) IS TRUE)` : c.p));
  const qs = children.map((c) => (c.kind === 'exact' ? `((${c.sql}) IS FALSE)` : c.q));
  // and: may be true if all may be; may be false if any may be. or: the converse.
  const other = operator === 'AND' ? 'OR' : 'AND';
  return { kind: 'mixed', p: d.join(ps, operator, identity), q: d.join(qs, other, operator === 'AND' ? d.FALSE : d.TRUE) };
}

/**
 * One filter as SQL. A top-level filter (directly ANDed into the query) may also get implied,
 * index-friendly terms: there only TRUE matters, so a predicate every TRUE row satisfies changes
 * nothing but lets the database use an index.
 */
export function translateFilter<K extends SqlDataKey>(filter: SearchFilter, ctx: FilterContext<K>, topLevel: boolean): Node {
  if (filter === null || typeof filter !== 'object') throw new QueryError('Search filter must be a condition or a group object');
  if (!isSearchGroup(filter)) return translateCondition(filter, ctx, topLevel);
  if (!Array.isArray(filter.conditions)) throw new QueryError(`Search group '${String(filter.operator)}' is missing its conditions list`);
  const d = ctx.dialect;
  const op: string = filter.operator;
  switch (op) {
    case 'and':
      return combine(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'AND', d);
    case 'or':
      return combine(flattenSameOperator(filter).map((c) => translateFilter(c, ctx, false)), 'OR', d);
    case 'not': {
      const inner = combine(filter.conditions.map((c) => translateFilter(c, ctx, false)), 'AND', d);
      return inner.kind === 'exact' ? exact(`(NOT ${inner.sql})`) : { kind: 'mixed', p: inner.q, q: inner.p };
    }
    default:
      throw new QueryError(`Unknown search group operator '${op}'`);
  }
}

function translateCondition<K extends SqlDataKey>(cond: DataSearchCondition, ctx: FilterContext<K>, topLevel: boolean): Node {
  const path = cond.field_path;
  if (typeof path !== 'string') throw new QueryError('Search condition is missing field_path');
  const op: string = cond.operator;
  const transform = cond.transform ?? null;
  const presence = op === 'exists' || op === 'isna' || op === 'is_null';
  if (!presence && transform !== null && transform !== 'len') {
    throw new QueryError(`Unknown field transform '${String(transform)}' on field '${path}'`);
  }
  if (!ctx.dataOnly && isMetaField(path)) return metaCondition(cond, META_COLUMNS[path], ctx.dialect);
  return dataCondition(cond, ctx.dialect.dataKey(path), ctx, topLevel);
}
