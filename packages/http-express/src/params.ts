/**
 * Query-string parameters. The raw query string is read with
 * URLSearchParams, so the host app's `query parser` setting does not matter. Type problems
 * are collected framework-style (422, list detail, `loc: ["query", name]`); the inline checks
 * (400, `Invalid <name> format: …`) raise their exact string details afterwards.
 */
import type { Request } from 'express';
import { parseQb, type ResourceManager } from '@specstar/core';
import { parseInstant } from '@specstar/core/adapter';
import {
  QueryError,
  type ResourceMetaSearchQuery,
  type SearchFilter,
} from '@specstar/interfaces';
import { HttpError, RequestValidationError, type ValidationIssue } from './errors';

// ---- typed reading -------------------------------------------------------------------

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'no', 'off']);
const INTEGER = /^\s*[+-]?\d+\s*$/;

/** Typed access to one request's query string; problems accumulate until `check()`. */
export class QueryReader {
  private readonly params: URLSearchParams;
  private readonly issues: ValidationIssue[] = [];

  constructor(req: Request) {
    const url = req.url;
    const mark = url.indexOf('?');
    this.params = new URLSearchParams(mark < 0 ? '' : url.slice(mark + 1));
  }

  has(name: string): boolean {
    return this.params.has(name);
  }

  /** Present with a non-empty value (the test for qb's forbidden companions). */
  hasValue(name: string): boolean {
    return this.params.getAll(name).some((v) => v !== '');
  }

  /** The last value, as the reference framework takes scalar parameters. */
  string(name: string): string | undefined {
    const all = this.params.getAll(name);
    return all.length === 0 ? undefined : all[all.length - 1];
  }

  list(name: string): string[] {
    return this.params.getAll(name);
  }

  private problem(issue: Omit<ValidationIssue, 'loc'> & { name: string }): undefined {
    const { name, ...rest } = issue;
    this.issues.push({ ...rest, loc: ['query', name] });
    return undefined;
  }

  int(name: string, options: { ge?: number } = {}): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const value = INTEGER.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value)) {
      return this.problem({ name, type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer', input: raw });
    }
    if (options.ge !== undefined && value < options.ge) {
      return this.problem({
        name,
        type: 'greater_than_equal',
        msg: `Input should be greater than or equal to ${options.ge}`,
        input: raw,
        ctx: { ge: options.ge },
      });
    }
    return value;
  }

  /** Case-insensitive true/false, 1/0, yes/no, on/off. `emptyMeans` lets an empty value through. */
  bool(name: string, options: { emptyMeans?: null } = {}): boolean | null | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if (raw === '' && options.emptyMeans === null) return null;
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    return this.problem({ name, type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input', input: raw });
  }

  /** ISO 8601 date or date-time; naive values are UTC. */
  datetime(name: string): Date | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    const parsed = parseInstant(raw);
    if (parsed) return parsed;
    return this.problem({ name, type: 'datetime_parsing', msg: 'Input should be a valid ISO 8601 datetime', input: raw });
  }

  literal<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const raw = this.string(name);
    if (raw === undefined) return undefined;
    if ((allowed as readonly string[]).includes(raw)) return raw as T;
    return this.literalProblem(name, raw, allowed);
  }

  /** Every value of a repeatable parameter must be one of `allowed`. */
  literals<T extends string>(name: string, allowed: readonly T[]): T[] {
    const out: T[] = [];
    for (const raw of this.list(name)) {
      if (raw === '') continue;
      if ((allowed as readonly string[]).includes(raw)) out.push(raw as T);
      else this.literalProblem(name, raw, allowed);
    }
    return out;
  }

  private literalProblem(name: string, raw: string, allowed: readonly string[]): undefined {
    const expected = allowed.map((a) => `'${a}'`).join(' or ');
    return this.problem({ name, type: 'literal_error', msg: `Input should be ${expected}`, input: raw, ctx: { expected } });
  }

  /** Throws the collected framework-style problems, if any (422). */
  check(): void {
    if (this.issues.length > 0) throw new RequestValidationError([...this.issues]);
  }
}

// ---- returns and partial ------------------------------------------------------------

export type Section = 'data' | 'info' | 'meta';

export interface Returns {
  sections: ReadonlySet<Section>;
  /** `returns=only-data`: the bare data object instead of an envelope. */
  onlyData: boolean;
}

const ALL_SECTIONS: ReadonlySet<Section> = new Set(['data', 'info', 'meta']);
const RETURN_TOKENS: Readonly<Record<string, Section>> = { data: 'data', revision_info: 'info', info: 'info', meta: 'meta' };

/** `returns`: comma-separated, trimmed, unknown tokens ignored; `info` aliases `revision_info`. */
export function readReturns(q: QueryReader): Returns {
  const raw = q.string('returns');
  if (raw === undefined) return { sections: ALL_SECTIONS, onlyData: false };
  const sections = new Set<Section>();
  let onlyData = false;
  for (const token of raw.split(',')) {
    const name = token.trim();
    if (name === 'only-data') onlyData = true;
    const section = Object.prototype.hasOwnProperty.call(RETURN_TOKENS, name) ? RETURN_TOKENS[name] : undefined;
    if (section) sections.add(section);
  }
  return { sections, onlyData };
}

/** `partial` wins over `partial[]` when both are sent. */
export function readPartialSelectors(q: QueryReader): string[] {
  const plain = q.list('partial');
  return plain.length > 0 ? plain : q.list('partial[]');
}

export type Partials = Record<Section, string[]>;

const PREFIXES: ReadonlyArray<readonly [string, Section]> = [
  ['data/', 'data'],
  ['meta/', 'meta'],
  ['info/', 'info'],
];

/**
 * Routes selectors to sections by their `data/`, `meta/`, `info/` prefix (removed), others to
 * the endpoint's default section. Sections outside `honoured` drop their selectors.
 */
export function routePartials(selectors: readonly string[], defaultSection: Section, honoured: ReadonlySet<Section> = ALL_SECTIONS): Partials {
  const out: Partials = { data: [], info: [], meta: [] };
  for (const selector of selectors) {
    const text = selector.replace(/^\/+/, '');
    let section = defaultSection;
    let path = text;
    for (const [prefix, target] of PREFIXES) {
      if (text.startsWith(prefix)) {
        section = target;
        path = text.slice(prefix.length);
        break;
      }
    }
    if (honoured.has(section)) out[section].push(path);
  }
  return out;
}

/** The manager's `partial` option: every selector prefixed with its section. */
export function prefixedPartials(partials: Partials): string[] {
  return [
    ...partials.data.map((p) => `data/${p}`),
    ...partials.info.map((p) => `info/${p}`),
    ...partials.meta.map((p) => `meta/${p}`),
  ];
}

// ---- search -------------------------------------------------------------------------

const TIME_PARAMS = ['created_time_start', 'created_time_end', 'updated_time_start', 'updated_time_end'] as const;
const REV_TIME_PARAMS = [
  ['rev_created_time_start', 'rev_created_time', 'gte'],
  ['rev_created_time_end', 'rev_created_time', 'lte'],
  ['rev_updated_time_start', 'rev_updated_time', 'gte'],
  ['rev_updated_time_end', 'rev_updated_time', 'lte'],
] as const;
const REV_USER_PARAMS = [
  ['rev_created_bys', 'rev_created_by'],
  ['rev_updated_bys', 'rev_updated_by'],
] as const;

/** The meta filter parameters, in the order a qb conflict lists them; OpenAPI documents the same list. */
export const META_FILTER_PARAMS = [
  ...TIME_PARAMS,
  'created_bys',
  'updated_bys',
  'rev_statuses',
  'rev_created_bys',
  'rev_updated_bys',
  'rev_created_time_start',
  'rev_created_time_end',
  'rev_updated_time_start',
  'rev_updated_time_end',
] as const;
const QB_FORBIDDEN = ['data_conditions', 'conditions', 'sorts', ...META_FILTER_PARAMS] as const;

export interface SearchOptions {
  /** Batch delete/restore force `is_deleted` and ignore whatever was sent. */
  forceIsDeleted?: boolean;
  /** "Now" of the qb time helpers. */
  now?: Date;
}

/** A checked search query in wire form, ready for the manager. */
export type SearchQuery = Partial<ResourceMetaSearchQuery>;

function condition(field_path: string, operator: string, value: unknown): SearchFilter {
  return { type: 'DataSearchCondition', field_path, operator, value, transform: null } as SearchFilter;
}

function nonEmpty(values: string[]): string[] {
  return values.filter((v) => v !== '');
}

/** Runs the manager's query check on one channel; a QueryError becomes `400 <prefix><reason>`. */
function checked<T>(prefix: string, run: () => T): T {
  try {
    return run();
  } catch (error) {
    if (error instanceof QueryError) {
      throw new HttpError(400, error.message.startsWith(prefix) ? error.message : `${prefix}${error.message}`);
    }
    throw error;
  }
}

function parseJsonParam(text: string, prefix: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new HttpError(400, `${prefix}${(error as Error).message}`);
  }
}

function readFilters(q: QueryReader, rm: ResourceManager, name: 'data_conditions' | 'conditions'): SearchFilter[] | undefined {
  const text = q.string(name);
  if (text === undefined || text === '') return undefined;
  const prefix = `Invalid ${name} format: `;
  const parsed = parseJsonParam(text, prefix);
  if (!Array.isArray(parsed)) throw new HttpError(400, `${prefix}expected a JSON array of conditions`);
  return checked(prefix, () => rm.query({ [name]: parsed as SearchFilter[] })[name]);
}

function readSorts(q: QueryReader, rm: ResourceManager): ResourceMetaSearchQuery['sorts'] {
  const text = q.string('sorts');
  if (text === undefined || text === '') return undefined;
  const prefix = 'Invalid sorts format: ';
  const parsed = parseJsonParam(text, prefix);
  if (!Array.isArray(parsed)) throw new HttpError(400, `${prefix}expected a JSON array of sorts`);
  for (const sort of parsed) {
    const type = typeof sort === 'object' && sort !== null ? (sort as Record<string, unknown>)['type'] : undefined;
    if (type !== undefined && type !== 'meta' && type !== 'data') throw new HttpError(400, `${prefix}Invalid sort type: ${typeof type === 'string' ? type : JSON.stringify(type)}`);
  }
  return checked(prefix, () => rm.query({ sorts: parsed as ResourceMetaSearchQuery['sorts'] }).sorts);
}

/**
 * Every search parameter → one checked query. Framework-style 422s come first (all of them at
 * once), then the qb companion rule (422), then qb / JSON parsing (400).
 */
export function readSearch(q: QueryReader, rm: ResourceManager, options: SearchOptions = {}): SearchQuery {
  const limit = q.int('limit', { ge: 0 });
  const offset = q.int('offset', { ge: 0 });
  // Empty `is_deleted=` means live and deleted together.
  const sent = options.forceIsDeleted === undefined ? q.bool('is_deleted', { emptyMeans: null }) : undefined;
  const isDeleted: boolean | null = options.forceIsDeleted ?? (sent === undefined ? false : sent);
  const times = TIME_PARAMS.map((name) => [name, q.datetime(name)] as const);
  const revTimes = REV_TIME_PARAMS.map(([name, field, op]) => [field, op, q.datetime(name)] as const);
  const revStatuses = q.literals('rev_statuses', ['draft', 'stable'] as const);
  q.check();

  const qb = q.string('qb');
  if (qb !== undefined && qb !== '') {
    const companions = QB_FORBIDDEN.filter((name) => q.hasValue(name));
    if (companions.length > 0) {
      throw new HttpError(
        422,
        `Cannot use 'qb' parameter together with: ${companions.join(', ')}. Please use either 'qb' or the individual query parameters.` +
          ' In QB mode, include metadata filters directly in the QB expression.',
      );
    }
    const prefix = 'Invalid QB expression: ';
    return checked(prefix, () => {
      const built = parseQb(qb, { now: options.now }).build({ defaultLimit: rm.query({}).limit });
      const query: SearchQuery = { ...built };
      if (isDeleted !== null) query.is_deleted = isDeleted;
      // A URL limit/offset overrides the expression's only when that parameter is present.
      if (limit !== undefined) query.limit = limit;
      if (offset !== undefined) query.offset = offset;
      return rm.query(query);
    });
  }

  const query: SearchQuery = {};
  if (isDeleted !== null) query.is_deleted = isDeleted;
  for (const [name, value] of times) if (value !== undefined) query[name] = value;
  const createdBys = nonEmpty(q.list('created_bys'));
  if (createdBys.length > 0) query.created_bys = createdBys;
  const updatedBys = nonEmpty(q.list('updated_bys'));
  if (updatedBys.length > 0) query.updated_bys = updatedBys;

  const dataConditions = readFilters(q, rm, 'data_conditions');
  if (dataConditions) query.data_conditions = dataConditions;
  // The rev_* filters are conditions on the meta mirrors of the current revision.
  const conditions = readFilters(q, rm, 'conditions') ?? [];
  if (revStatuses.length > 0) conditions.push(condition('rev_status', 'in', revStatuses));
  for (const [param, field] of REV_USER_PARAMS) {
    const users = nonEmpty(q.list(param));
    if (users.length > 0) conditions.push(condition(field, 'in', users));
  }
  for (const [field, op, value] of revTimes) if (value !== undefined) conditions.push(condition(field, op, value));
  if (conditions.length > 0) query.conditions = conditions;

  const sorts = readSorts(q, rm);
  if (sorts) query.sorts = sorts;
  if (limit !== undefined) query.limit = limit;
  if (offset !== undefined) query.offset = offset;
  return rm.query(query);
}
