/** Whole queries over metas: the filter part compiled once, then sorting, paging and counting. */
import { DEFAULT_QUERY_LIMIT, QueryError, type ResourceMeta, type ResourceMetaSearchQuery, type SearchFilter } from '@specstar/interfaces';
import { parseInstant } from '../codec/instants';
import { compileFilter, type FilterMatcher, isGroup } from './filter';
import { compareBySorts } from './sort';
import { isValidDate, textForm } from './value-semantics';

function instantMillis(value: unknown, what: string): number {
  if (isValidDate(value)) return value.getTime();
  if (typeof value === 'string') {
    const parsed = parseInstant(value);
    if (parsed) return parsed.getTime();
  }
  throw new QueryError(`Query field '${what}' must be a date-time, got ${textForm(value)}`);
}

function metaMillis(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return parseInstant(value)?.getTime() ?? Number.NaN;
  return Number.NaN;
}

function userSet(value: unknown, what: string): ReadonlySet<unknown> {
  if (!Array.isArray(value)) throw new QueryError(`Query field '${what}' must be a list of user names`);
  return new Set(value);
}

/** Top-level entries, with AND groups inlined: an AND is true exactly when every child is. */
export function topLevelFilters(filters: readonly SearchFilter[]): SearchFilter[] {
  const out: SearchFilter[] = [];
  const stack = [...filters].reverse();
  while (stack.length > 0) {
    const f = stack.pop() as SearchFilter;
    if (f !== null && typeof f === 'object' && isGroup(f) && f.operator === 'and' && Array.isArray(f.conditions)) {
      for (let i = f.conditions.length - 1; i >= 0; i--) stack.push(f.conditions[i] as SearchFilter);
    } else out.push(f);
  }
  return out;
}

/** Compiles a whole query's filter part (everything except sorting and paging). */
export function compileQuery(query: ResourceMetaSearchQuery): (meta: ResourceMeta) => boolean {
  // Every check returns a Truth; a meta matches when all of them are exactly true.
  const checks: FilterMatcher[] = [];
  if (query.is_deleted !== undefined && query.is_deleted !== null) {
    const want = query.is_deleted;
    checks.push((meta) => meta.is_deleted === want);
  }
  const windows: Array<[keyof ResourceMetaSearchQuery, 'created_time' | 'updated_time', boolean]> = [
    ['created_time_start', 'created_time', true],
    ['created_time_end', 'created_time', false],
    ['updated_time_start', 'updated_time', true],
    ['updated_time_end', 'updated_time', false],
  ];
  for (const [bound, field, isStart] of windows) {
    const raw = query[bound];
    if (raw === undefined || raw === null) continue;
    const t = instantMillis(raw, bound);
    checks.push(isStart ? (meta) => metaMillis(meta[field]) >= t : (meta) => metaMillis(meta[field]) <= t);
  }
  if (query.created_bys !== undefined && query.created_bys !== null) {
    const users = userSet(query.created_bys, 'created_bys');
    checks.push((meta) => users.has(meta.created_by));
  }
  if (query.updated_bys !== undefined && query.updated_bys !== null) {
    const users = userSet(query.updated_bys, 'updated_bys');
    checks.push((meta) => users.has(meta.updated_by));
  }
  if (query.data_conditions !== undefined && query.data_conditions !== null) {
    if (!Array.isArray(query.data_conditions)) throw new QueryError("Query field 'data_conditions' must be a list");
    // A meta without indexed data never matches data conditions (upstream behaviour).
    checks.push((meta) => meta.indexed_data !== undefined && meta.indexed_data !== null);
    for (const filter of topLevelFilters(query.data_conditions)) checks.push(compileFilter(filter, true));
  }
  if (query.conditions !== undefined && query.conditions !== null) {
    if (!Array.isArray(query.conditions)) throw new QueryError("Query field 'conditions' must be a list");
    for (const filter of topLevelFilters(query.conditions)) checks.push(compileFilter(filter, false));
  }
  switch (checks.length) {
    case 0:
      return () => true;
    case 1: {
      const only = checks[0] as FilterMatcher;
      return (meta) => only(meta) === true;
    }
    case 2: {
      const [a, b] = checks as [FilterMatcher, FilterMatcher];
      return (meta) => a(meta) === true && b(meta) === true;
    }
    default:
      return (meta) => {
        for (let i = 0; i < checks.length; i++) if ((checks[i] as FilterMatcher)(meta) !== true) return false;
        return true;
      };
  }
}

/** Whether a meta matches every criterion of the query (paging and sorting ignored). */
export function matchesQuery(meta: ResourceMeta, query: ResourceMetaSearchQuery): boolean {
  return compileQuery(query)(meta);
}

// ---- sorting and paging ----------------------------------------------------------------

function pageBounds(query: ResourceMetaSearchQuery): { offset: number; limit: number } {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  const offset = query.offset ?? 0;
  for (const [key, value] of [['limit', limit], ['offset', offset]] as const) {
    if (!Number.isInteger(value) || value < 0) {
      throw new QueryError(`Query ${key} must be a non-negative integer, got ${textForm(value)}`);
    }
  }
  return { offset, limit };
}

// Pages up to this size keep only their best matches while scanning; larger ones sort them all.
const SMALL_PAGE = 256;

/**
 * The `wanted` smallest of the matching metas, in order. For a small page the scan keeps a
 * sorted array of the best so far and rejects every other match with one comparison against
 * its worst, so a large match set is never collected or sorted whole.
 */
function bestMatches(
  metas: Iterable<ResourceMeta>,
  match: (meta: ResourceMeta) => boolean,
  cmp: (a: ResourceMeta, b: ResourceMeta) => number,
  wanted: number,
): ResourceMeta[] {
  if (wanted > SMALL_PAGE) {
    const all: ResourceMeta[] = [];
    forEachMatch(metas, match, (meta) => void all.push(meta));
    return all.sort(cmp).slice(0, wanted);
  }
  const best: ResourceMeta[] = [];
  forEachMatch(metas, match, (meta) => {
    if (best.length === wanted && cmp(meta, best[wanted - 1] as ResourceMeta) >= 0) return;
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(best[mid] as ResourceMeta, meta) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, meta);
    if (best.length > wanted) best.pop();
  });
  return best;
}

/**
 * Calls `onMatch` for every matching meta. Arrays and other iterables get loops of their own:
 * one `for…of` site fed both kinds turns polymorphic and loses V8's fast iteration, which
 * costs a 100k-meta scan several times its filtering work.
 */
function forEachMatch(metas: Iterable<ResourceMeta>, match: (meta: ResourceMeta) => boolean, onMatch: (meta: ResourceMeta) => void): void {
  if (Array.isArray(metas)) {
    for (let i = 0; i < metas.length; i++) {
      const meta = metas[i] as ResourceMeta;
      if (match(meta)) onMatch(meta);
    }
    return;
  }
  for (const meta of metas) if (match(meta)) onMatch(meta);
}

/** Filters, sorts, then applies offset and limit. */
export function runQuery(metas: Iterable<ResourceMeta>, query: ResourceMetaSearchQuery): ResourceMeta[] {
  const { offset, limit } = pageBounds(query);
  const match = compileQuery(query);
  const cmp = compareBySorts(query.sorts);
  if (limit === 0) return [];
  return bestMatches(metas, match, cmp, offset + limit).slice(offset);
}

/** Number of matches; limit and offset are ignored (a port decision). */
export function countQuery(metas: Iterable<ResourceMeta>, query: ResourceMetaSearchQuery): number {
  const match = compileQuery(query);
  let n = 0;
  forEachMatch(metas, match, () => {
    n++;
  });
  return n;
}
