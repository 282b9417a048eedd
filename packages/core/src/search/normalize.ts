/**
 * Turns whatever a caller passes as a query (a QB builder, a plain object with wire names,
 * or nothing) into a validated, canonical ResourceMetaSearchQuery. Every problem is a
 * QueryError that names the offending key, operator or value.
 */
import {
  DATA_SEARCH_OPERATORS,
  DEFAULT_QUERY_LIMIT,
  META_SORT_KEYS,
  META_TIME_FIELDS,
  QueryError,
  type DataSearchCondition,
  type DataSearchGroup,
  type DataSearchOperator,
  type ResourceMetaSearchQuery,
  type SearchFilter,
  type SearchSort,
} from '@specstar/interfaces';
import { parseInstant } from '../codec/instants';
import { compileSearchRegex, isPlainObject, isValidDate, textForm, toIsoMillis } from './evaluator';
import { isQueryBuilder, type QueryBuilder } from './qb';

export type QueryInput = QueryBuilder | Partial<ResourceMetaSearchQuery> | undefined;

export interface NormalizeQueryOptions {
  /** Indexed paths holding date-times: ISO-string operands on them are normalised to ms UTC. */
  dateTimeFields?: ReadonlySet<string>;
  /** Limit used when the input sets none (default 10). */
  defaultLimit?: number;
}

/** Deeper filters are rejected so hostile JSON cannot exhaust the stack. */
const MAX_NORMALIZE_DEPTH = 2048;

const TIME_BOUNDS = ['created_time_start', 'created_time_end', 'updated_time_start', 'updated_time_end'] as const;
const QUERY_KEYS: ReadonlySet<string> = new Set([
  'is_deleted',
  ...TIME_BOUNDS,
  'created_bys',
  'updated_bys',
  'data_conditions',
  'conditions',
  'limit',
  'offset',
  'sorts',
]);
const GROUP_OPERATORS: ReadonlySet<string> = new Set(['and', 'or', 'not']);
/** Operators whose operand is compared as a value (so instants are coerced). */
const VALUE_OPERATORS: ReadonlySet<string> = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'not_in']);
const META_SORT_KEY_SET: ReadonlySet<string> = new Set(META_SORT_KEYS);

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : textForm(value);
}

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function checkCount(value: unknown, key: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new QueryError(`Query '${key}' must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

function instantBound(value: unknown, key: string): Date {
  if (isValidDate(value)) return new Date(value.getTime());
  if (typeof value === 'string') {
    const parsed = parseInstant(value);
    if (parsed) return parsed;
  }
  throw new QueryError(`Query '${key}' must be an ISO-8601 date-time or a Date, got ${show(value)}`);
}

function userList(value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.some((u) => typeof u !== 'string')) {
    throw new QueryError(`Query '${key}' must be a list of user names, got ${show(value)}`);
  }
  return [...(value as string[])];
}

// ---- operands ----------------------------------------------------------------------

function mapOperand(value: unknown, scalar: (v: unknown) => unknown): unknown {
  return Array.isArray(value) ? value.map(scalar) : scalar(value);
}

function metaInstantOperand(value: unknown, where: string): unknown {
  return mapOperand(value, (v) => {
    if (isValidDate(v)) return new Date(v.getTime());
    if (typeof v === 'string') {
      const parsed = parseInstant(v);
      if (!parsed) throw new QueryError(`${where}: ${show(v)} is not an ISO-8601 date-time`);
      return parsed;
    }
    return v;
  });
}

function dataOperand(value: unknown, isDateTimeField: boolean, coerceStrings: boolean): unknown {
  return mapOperand(value, (v) => {
    if (isValidDate(v)) return toIsoMillis(v);
    if (isDateTimeField && coerceStrings && typeof v === 'string') {
      const parsed = parseInstant(v);
      return parsed ? toIsoMillis(parsed) : v;
    }
    return v;
  });
}

// ---- filters -----------------------------------------------------------------------

interface FilterContext {
  dataOnly: boolean;
  dateTimeFields: ReadonlySet<string> | undefined;
}

function normalizeCondition(raw: Record<string, unknown>, ctx: FilterContext, where: string): DataSearchCondition {
  const path = raw['field_path'];
  if (typeof path !== 'string') throw new QueryError(`Search condition ${where} is missing field_path`);
  const operator = raw['operator'];
  if (typeof operator !== 'string' || !DATA_SEARCH_OPERATORS.has(operator)) {
    throw new QueryError(`Unknown search operator ${show(operator)} in ${where} (field '${path}')`);
  }
  if (raw['value'] === undefined) {
    throw new QueryError(`Search condition ${where} (field '${path}') is missing its value`);
  }
  const transform = raw['transform'] ?? null;
  if (transform !== null && transform !== 'len') {
    throw new QueryError(`Unknown field transform ${show(transform)} in ${where} (field '${path}')`);
  }
  let value: unknown = raw['value'];
  const valueOperator = VALUE_OPERATORS.has(operator);
  if (!ctx.dataOnly && META_TIME_FIELDS.has(path) && transform === null && valueOperator) {
    value = metaInstantOperand(value, `${where} (field '${path}')`);
  } else {
    value = dataOperand(value, ctx.dateTimeFields?.has(path) ?? false, valueOperator);
  }
  if (operator === 'regex') compileSearchRegex(value, path); // reject bad patterns up front
  return {
    type: 'DataSearchCondition',
    field_path: path,
    operator: operator as DataSearchOperator,
    value,
    transform,
  };
}

function normalizeFilter(raw: unknown, ctx: FilterContext, where: string, depth: number): SearchFilter {
  if (!isPlainObject(raw)) throw new QueryError(`${where} must be a condition or group object, got ${show(raw)}`);
  if (depth > MAX_NORMALIZE_DEPTH) {
    throw new QueryError(`${where} is nested more than ${MAX_NORMALIZE_DEPTH} levels deep`);
  }
  const type = raw['type'];
  let isGroup: boolean;
  if (type === 'DataSearchGroup') isGroup = true;
  else if (type === 'DataSearchCondition') isGroup = false;
  else if (type !== undefined) throw new QueryError(`${where} has unknown filter type ${show(type)}`);
  else isGroup = raw['field_path'] === undefined && raw['conditions'] !== undefined;
  if (!isGroup) return normalizeCondition(raw, ctx, where);

  const operator = raw['operator'];
  if (typeof operator !== 'string' || !GROUP_OPERATORS.has(operator)) {
    throw new QueryError(`Unknown group operator ${show(operator)} in ${where}`);
  }
  const children = raw['conditions'];
  if (!Array.isArray(children)) throw new QueryError(`Search group ${where} must have a conditions list`);
  const group: DataSearchGroup = {
    type: 'DataSearchGroup',
    operator: operator as DataSearchGroup['operator'],
    conditions: children.map((c, i) => normalizeFilter(c, ctx, `${where}.conditions[${i}]`, depth + 1)),
  };
  return group;
}

function normalizeFilters(raw: unknown, key: string, ctx: FilterContext): SearchFilter[] {
  if (!Array.isArray(raw)) throw new QueryError(`Query '${key}' must be a list of conditions, got ${show(raw)}`);
  return raw.map((f, i) => normalizeFilter(f, ctx, `${key}[${i}]`, 0));
}

// ---- sorts -------------------------------------------------------------------------

function normalizeSort(raw: unknown, where: string): SearchSort {
  if (!isPlainObject(raw)) throw new QueryError(`${where} must be a sort object, got ${show(raw)}`);
  let type = raw['type'];
  if (type === undefined) {
    type = raw['key'] !== undefined ? 'meta' : raw['field_path'] !== undefined ? 'data' : undefined;
  }
  if (type !== 'meta' && type !== 'data') throw new QueryError(`${where} has unknown sort type ${show(type)}`);
  const direction = raw['direction'];
  if (direction === undefined) throw new QueryError(`${where} is missing its direction ("+" or "-")`);
  if (direction !== '+' && direction !== '-') {
    throw new QueryError(`${where} has an invalid direction ${show(direction)}; use "+" or "-"`);
  }
  if (type === 'meta') {
    const key = raw['key'];
    if (typeof key !== 'string' || !META_SORT_KEY_SET.has(key)) {
      throw new QueryError(`${where} has unknown meta sort key ${show(key)}`);
    }
    return { type: 'meta', key: key as (typeof META_SORT_KEYS)[number], direction };
  }
  const path = raw['field_path'];
  if (typeof path !== 'string' || path === '') throw new QueryError(`${where} is missing field_path`);
  return { type: 'data', field_path: path, direction };
}

// ---- entry point -------------------------------------------------------------------

/**
 * Validates and canonicalises a query: fills limit (default 10 or `defaultLimit`) and offset 0,
 * tags untagged conditions/groups, and coerces instants (ISO strings on meta time fields →
 * Date; Date operands on data fields → ISO ms UTC; `*_time_start/_end` strings → Date).
 */
export function normalizeQuery(input: QueryInput, options: NormalizeQueryOptions = {}): ResourceMetaSearchQuery {
  const defaultLimit = options.defaultLimit ?? DEFAULT_QUERY_LIMIT;
  checkCount(defaultLimit, 'defaultLimit');
  let raw: Record<string, unknown>;
  if (input === undefined || input === null) raw = {};
  else if (isQueryBuilder(input)) raw = input.build({ defaultLimit }) as unknown as Record<string, unknown>;
  else if (isPlainObject(input)) raw = input;
  else throw new QueryError(`A query must be a QB builder or a query object, got ${show(input)}`);

  for (const key of Object.keys(raw)) {
    if (!QUERY_KEYS.has(key) && raw[key] !== undefined) throw new QueryError(`Unknown query field '${key}'`);
  }

  const query = {} as ResourceMetaSearchQuery;
  const isDeleted = raw['is_deleted'];
  if (isPresent(isDeleted)) {
    if (typeof isDeleted !== 'boolean') {
      throw new QueryError(`Query 'is_deleted' must be a boolean, got ${show(isDeleted)}`);
    }
    query.is_deleted = isDeleted;
  }
  for (const key of TIME_BOUNDS) {
    if (isPresent(raw[key])) query[key] = instantBound(raw[key], key);
  }
  if (isPresent(raw['created_bys'])) query.created_bys = userList(raw['created_bys'], 'created_bys');
  if (isPresent(raw['updated_bys'])) query.updated_bys = userList(raw['updated_bys'], 'updated_bys');
  const dateTimeFields = options.dateTimeFields;
  if (isPresent(raw['data_conditions'])) {
    const ctx = { dataOnly: true, dateTimeFields };
    query.data_conditions = normalizeFilters(raw['data_conditions'], 'data_conditions', ctx);
  }
  if (isPresent(raw['conditions'])) {
    query.conditions = normalizeFilters(raw['conditions'], 'conditions', { dataOnly: false, dateTimeFields });
  }
  query.limit = isPresent(raw['limit']) ? checkCount(raw['limit'], 'limit') : defaultLimit;
  query.offset = isPresent(raw['offset']) ? checkCount(raw['offset'], 'offset') : 0;
  const sorts = raw['sorts'];
  if (isPresent(sorts)) {
    if (!Array.isArray(sorts)) throw new QueryError(`Query 'sorts' must be a list, got ${show(sorts)}`);
    if (sorts.length > 0) query.sorts = sorts.map((s, i) => normalizeSort(s, `sorts[${i}]`));
  }
  return query;
}
