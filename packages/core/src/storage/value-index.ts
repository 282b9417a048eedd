import { META_FIELDS, type ResourceMeta, type ResourceMetaSearchQuery, type SearchFilter } from '@specstar/interfaces';
import { isGroup } from '../search/evaluator';

const META_FIELD_SET: ReadonlySet<string> = new Set(META_FIELDS);

type Primitive = string | number | boolean;

function isIndexable(value: unknown): value is Primitive {
  const t = typeof value;
  return t === 'string' || t === 'boolean' || (t === 'number' && !Number.isNaN(value));
}

/** A condition or group, tagged or not (stores may be called with wire-form queries). */
type LooseFilter = { type?: unknown; operator?: unknown; conditions?: unknown; field_path?: unknown; transform?: unknown; value?: unknown };

/**
 * Hash indexes over the primitive values of `indexed_data`, per key: value → resource ids.
 * A search whose required conditions include `eq` (or `in`) on a key evaluates only the metas
 * the index names instead of scanning them all. The full query still runs on those candidates,
 * so results are exactly the normative evaluator's: the index only narrows. Strict equality of
 * primitives is what `eq` means (bool ≠ number), and Map keys agree.
 *
 * A key's index is built the first time a search filters on it by equality and kept current
 * from then on, so models that are never searched that way pay nothing on writes.
 */
export class ValueIndex {
  private readonly byKey = new Map<string, Map<Primitive, Set<string>>>();

  /** `source` lists every stored meta, for building a key's index on first use. */
  constructor(private readonly source: () => Iterable<ResourceMeta>) {}

  /** Whether any key is indexed yet (before that, writes need not report to the index). */
  get active(): boolean {
    return this.byKey.size > 0;
  }

  /** Moves `resourceId` from the entries of `before` to those of `after` (either may be absent). */
  replace(resourceId: string, before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined): void {
    if (this.byKey.size === 0) return;
    for (const [key, values] of this.byKey) {
      const old = before?.[key];
      const value = after?.[key];
      if (old === value) continue;
      if (isIndexable(old)) {
        const ids = values.get(old);
        if (ids !== undefined) {
          ids.delete(resourceId);
          if (ids.size === 0) values.delete(old);
        }
      }
      if (isIndexable(value)) add(values, value, resourceId);
    }
  }

  private indexOf(key: string): Map<Primitive, Set<string>> {
    let values = this.byKey.get(key);
    if (values === undefined) {
      values = new Map();
      for (const meta of this.source()) {
        const data = meta.indexed_data;
        if (data !== undefined && Object.prototype.hasOwnProperty.call(data, key) && isIndexable(data[key])) {
          add(values, data[key], meta.resource_id);
        }
      }
      this.byKey.set(key, values);
    }
    return values;
  }

  /** Ids whose `indexed_data[key]` is the primitive `value`; undefined for a non-primitive value. */
  holders(key: string, value: unknown): ReadonlySet<string> | undefined {
    return isIndexable(value) ? (this.indexOf(key).get(value) ?? EMPTY) : undefined;
  }

  /**
   * The smallest id set some required condition of the query restricts matches to, or
   * undefined when no condition can use the index (then every meta must be evaluated).
   */
  candidates(query: ResourceMetaSearchQuery): ReadonlySet<string> | undefined {
    let best: ReadonlySet<string> | undefined;
    const consider = (filters: unknown, dataOnly: boolean): void => {
      if (!Array.isArray(filters)) return;
      for (const filter of filters as LooseFilter[]) {
        if (filter === null || typeof filter !== 'object') continue;
        if (isGroup(filter as SearchFilter)) {
          // Every child of an AND must hold, so each may narrow; OR and NOT may not.
          if (filter.operator === 'and') consider(filter.conditions, dataOnly);
          continue;
        }
        const found = this.lookup(filter, dataOnly);
        if (found !== undefined && (best === undefined || found.size < best.size)) best = found;
      }
    };
    consider(query.conditions, false);
    consider(query.data_conditions, true);
    return best;
  }

  private lookup(condition: LooseFilter, dataOnly: boolean): ReadonlySet<string> | undefined {
    const path = condition.field_path;
    if (typeof path !== 'string' || (condition.transform !== undefined && condition.transform !== null)) return undefined;
    // In `conditions` a meta attribute shadows the data key of the same name.
    if (!dataOnly && META_FIELD_SET.has(path)) return undefined;
    const operand = condition.value;
    if (condition.operator === 'eq') {
      if (!isIndexable(operand)) return undefined;
      return this.indexOf(path).get(operand) ?? EMPTY;
    }
    if (condition.operator === 'in') {
      if (!Array.isArray(operand)) return EMPTY; // `in` with a non-list operand never matches
      if (!operand.every(isIndexable)) return undefined;
      const values = this.indexOf(path);
      const union = new Set<string>();
      for (const v of operand) for (const id of values.get(v) ?? EMPTY) union.add(id);
      return union;
    }
    return undefined;
  }
}

const EMPTY: ReadonlySet<string> = new Set();

function add(values: Map<Primitive, Set<string>>, value: Primitive, resourceId: string): void {
  let ids = values.get(value);
  if (ids === undefined) values.set(value, (ids = new Set()));
  ids.add(resourceId);
}
