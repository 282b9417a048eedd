/**
 * The normative search evaluator. Memory stores run it directly; SQL adapters must return the
 * same result sets. Its parts: value-semantics.ts (value forms and comparisons), filter.ts (conditions
 * and groups, three-valued), sort.ts (the order of results), query.ts (whole queries, paging,
 * counting).
 *
 * A query is compiled once into closures (one per condition, regexes compiled once), so
 * evaluating it against many metas allocates nothing per meta on the common paths.
 */
export { compileFilter, evaluateFilter, flattenSameOperator, isGroup, MAX_FILTER_DEPTH, type Truth } from './filter';
export { compareBySorts, compareSortValues } from './sort';
export { compileQuery, countQuery, matchesQuery, runQuery, topLevelFilters } from './query';
export {
  compareStrings,
  compileSearchRegex,
  deepEqual,
  isPlainObject,
  isValidDate,
  pyTruthy,
  textForm,
  toIsoMillis,
} from './value-semantics';
