/** Search: the normative evaluator, the QB builder, the qb string language, partial projection. */
export {
  compareBySorts,
  compareStrings,
  compileFilter,
  compileSearchRegex,
  flattenSameOperator,
  isGroup as isSearchGroup,
  textForm,
  topLevelFilters,
  compileQuery,
  countQuery,
  evaluateFilter,
  matchesQuery,
  runQuery,
  type Truth,
} from './evaluator';
export {
  ConditionBuilder,
  Field,
  QB,
  QueryBuilder,
  isQueryBuilder,
  setQbClock,
  type SortInput,
  type TimezoneInput,
} from './qb';
export { MAX_REGEX_LENGTH, type SearchRegex } from './pattern';
export { normalizeQuery, type NormalizeQueryOptions, type QueryInput } from './normalize';
export { parseQb, type ParseQbOptions } from './qb-parser';
export { projectPartial } from './partial';
export { QUERY_TIME_BOUNDS, checkSearchQuery, pageBounds, queryInstant, sortKey } from './push-down';
export { dataOperand, instantOperand, isPrimitive, isValidDate } from './value-semantics';
