/** Search order: a total order over sort values and the comparator of a query's sorts. */
import { META_SORT_KEYS, META_TIME_FIELDS, QueryError, type ResourceMeta, type SearchSort } from '@specstar/interfaces';
import { compareStrings, isValidDate, metaInstant, textForm, toIsoMillis } from './value-semantics';

const META_SORT_KEY_SET: ReadonlySet<string> = new Set(META_SORT_KEYS);

/** Fixed rank of value types so mixed-type data sorts never throw; missing/null is greatest. */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 7;
  switch (typeof value) {
    case 'boolean':
      return 0;
    case 'number':
    case 'bigint':
      return 1;
    case 'string':
      return 2;
    default:
      if (value instanceof Date) return 3;
      if (Array.isArray(value)) return 4;
      return 5;
  }
}

/** Total order over sort values: null/missing greatest, then by type rank, then by value. */
export function compareSortValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 7:
      return 0;
    case 0:
      return Number(a) - Number(b);
    case 1: {
      const x = a as number;
      const y = b as number;
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 2:
      return compareStrings(a as string, b as string);
    case 3: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) ? (Number.isNaN(y) ? 0 : 1) : -1;
      return x - y;
    }
    case 4: {
      const x = a as unknown[];
      const y = b as unknown[];
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const c = compareSortValues(x[i], y[i]);
        if (c !== 0) return c;
      }
      return x.length - y.length;
    }
    default:
      return compareStrings(textForm(a), textForm(b));
  }
}

export type Comparator = (a: ResourceMeta, b: ResourceMeta) => number;

function sortKeyGetter(sort: SearchSort): (meta: ResourceMeta) => unknown {
  const loose = sort as unknown as Record<string, unknown>;
  if (sort.type === 'meta') {
    const key = loose['key'];
    if (typeof key !== 'string' || !META_SORT_KEY_SET.has(key)) {
      throw new QueryError(`Unknown meta sort key '${String(key)}'`);
    }
    const k = key as keyof ResourceMeta;
    // Instants sort as epoch milliseconds: a number comparison instead of Date handling per call.
    if (META_TIME_FIELDS.has(key)) return (meta) => instantSortKey(meta[k]);
    return (meta) => meta[k];
  }
  if (sort.type === 'data') {
    const path = loose['field_path'];
    if (typeof path !== 'string') throw new QueryError('Data sort is missing field_path');
    return (meta) => {
      const data = meta.indexed_data;
      if (data === undefined || data === null || !Object.prototype.hasOwnProperty.call(data, path)) return undefined;
      const v = data[path];
      return v instanceof Date && isValidDate(v) ? toIsoMillis(v) : v;
    };
  }
  throw new QueryError(`Unknown sort type '${String(loose['type'])}'`);
}

function byResourceId(a: ResourceMeta, b: ResourceMeta): number {
  return compareStrings(a.resource_id, b.resource_id);
}

/** Epoch milliseconds of a meta instant; undefined (sorts greatest) when absent or invalid. */
function instantSortKey(value: unknown): number | undefined {
  const instant = metaInstant(value);
  if (!(instant instanceof Date)) return undefined;
  const t = instant.getTime();
  return Number.isNaN(t) ? undefined : t;
}

/** The default order: created_time ascending (missing or invalid last), then resource_id. */
function byCreationThenId(a: ResourceMeta, b: ResourceMeta): number {
  const x = a.created_time instanceof Date ? a.created_time.getTime() : instantSortKey(a.created_time);
  const y = b.created_time instanceof Date ? b.created_time.getTime() : instantSortKey(b.created_time);
  if (x !== y) {
    if (x === undefined || Number.isNaN(x)) return 1;
    if (y === undefined || Number.isNaN(y)) return -1;
    return x < y ? -1 : 1;
  }
  return compareStrings(a.resource_id, b.resource_id);
}

/**
 * Comparator for the given sorts, applied lexicographically, ties broken by resource_id
 * ascending. Without sorts: created_time ascending, then resource_id.
 */
export function compareBySorts(sorts: SearchSort[] | undefined): Comparator {
  if (sorts === undefined || sorts === null || sorts.length === 0) return byCreationThenId;
  if (!Array.isArray(sorts)) throw new QueryError("Query field 'sorts' must be a list");
  const keys = sorts.map((sort) => {
    if (sort === null || typeof sort !== 'object') throw new QueryError('Each sort must be an object');
    const direction = (sort as unknown as Record<string, unknown>)['direction'];
    if (direction !== '+' && direction !== '-') {
      throw new QueryError(`Sort direction must be "+" or "-", got ${textForm(direction)}`);
    }
    return { get: sortKeyGetter(sort), sign: direction === '-' ? -1 : 1 };
  });
  return (a, b) => {
    for (const key of keys) {
      const c = compareSortValues(key.get(a), key.get(b));
      if (c !== 0) return c * key.sign;
    }
    return byResourceId(a, b);
  };
}
