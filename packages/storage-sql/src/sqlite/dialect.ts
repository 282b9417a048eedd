/**
 * The SQLite dialect: named parameters (`@p0`, …) in one record, booleans as 1/0, instants as
 * epoch milliseconds, indexed_data as JSONB addressed by literal paths (so expression indexes
 * match), and every condition SQL cannot decide exactly (regex, deep equality, text forms of
 * lists and maps, strings holding NUL) evaluated inside SQL by core's evaluator through the
 * registered `specstar_eval`, one row value at a time — so every query is exact.
 */
import { QueryError, type DataSearchCondition, type ResourceMeta } from '@specstar/interfaces';
import { compileFilter } from '@specstar/core/adapter';
import type { HintedSql, MemberKind, Ordering, Residual, SqlDialect, TextOperator } from '../dialect';
import type { MetaColumn } from '../meta-columns';
import { exact, joinBalanced, unlessUnknown, type Node } from '../nodes';
import { MAX_SAFE, isBitFlags, operandKind, splitMembers } from '../operands';
import { DATA_COLUMN, DataKey, NUMERIC } from './data-key';
import { metaValueFromColumn } from './meta-row';
import { EVAL_FUNCTION, SORT_KEY_FUNCTION, registerEvaluation, releaseEvaluations } from './search-functions';

/** What better-sqlite3 binds (booleans are bound as 1/0). */
export type SqlValue = string | number | bigint | Buffer | null;

/** SQLite's default limit on bound parameters (SQLITE_MAX_VARIABLE_NUMBER, 32766 since 3.32). */
export const MAX_SQL_VARIABLES = 32766;

/** Meta sort keys whose column may be NULL (null sorts greatest). */
const NULLABLE_SORT_COLUMNS: ReadonlySet<string> = new Set(['schema_version', 'rev_created_time', 'rev_updated_time']);

export class SqliteDialect implements SqlDialect<DataKey> {
  readonly TRUE = '1';
  readonly FALSE = '0';
  readonly dataColumn = DATA_COLUMN;
  /** Index terms are ANDed into their own condition (see hinted), never added apart. */
  readonly hints: readonly string[] = [];
  readonly defaultOrder = 'created_time ASC, resource_id ASC';
  /** Named parameters in binding order; spread them into the statement's arguments. */
  readonly params: Record<string, SqlValue> = {};
  /** indexed_data keys a top-level condition or a sort can use an index on. */
  readonly indexKeys = new Set<string>();
  private readonly handles: number[] = [];
  private readonly keys = new Map<string, DataKey>();
  /** Keys a top-level condition pins with `=`: to one scalar type, or to one value (see HintedSql.pins). */
  private readonly pinned = new Map<string, 'type' | 'value'>();
  /** Data-sorted keys whose order includes the list-and-map sort key (see dataSort). */
  readonly compositeSorts = new Set<string>();
  private count = 0;

  /**
   * `scalarSortKeys`: keys the caller has checked hold no list or map on any row (in the
   * snapshot the statement runs in), so their sorts need no sort-key term.
   */
  constructor(private readonly options: { scalarSortKeys?: ReadonlySet<string> } = {}) {}

  /** Number of bound parameters. */
  get size(): number {
    return this.count;
  }

  /** Binds a value and returns its placeholder. Placeholders are never shared, so SQL text depends only on the query's shape. */
  bind(value: SqlValue): string {
    const name = `p${this.count++}`;
    this.params[name] = value;
    return `@${name}`;
  }

  join(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
    return joinBalanced(terms, operator, empty);
  }
  column(name: string): string {
    return name;
  }
  storable(): boolean {
    return true;
  }
  exactJson(): boolean {
    return false; // composites are compared by the evaluator
  }
  bindText(text: string): string {
    return this.bind(text);
  }
  bindNumber(value: number): string {
    return this.bind(value);
  }
  bindInstant(instant: Date): string {
    return this.bind(instant.getTime());
  }

  memberOf(expr: string, kind: MemberKind, members: readonly unknown[]): string {
    const values = kind === 'bool' ? members.map((b) => (b ? 1 : 0)) : kind === 'instant' ? (members as Date[]).map((d) => d.getTime()) : members;
    // One JSON parameter whatever the list size, so the statement shape does not depend on it.
    return `(${expr} IN (SELECT value FROM json_each(${this.bind(JSON.stringify(values))})))`;
  }

  /** NUL-safe: instr and BLOB substr read every byte. */
  textTest(op: TextOperator, text: string, needle: string): string {
    if (op === 'contains') return `(instr(${text}, ${this.bind(needle)}) > 0)`;
    if (needle === '') return unlessUnknown(text, '1');
    const p = this.bind(needle);
    if (op === 'starts_with') return `(instr(${text}, ${p}) = 1)`;
    // Byte suffix = character suffix in UTF-8. substr() of an empty BLOB is NULL, hence the length guard.
    const bytes = `CAST(${text} AS BLOB)`;
    const suffix = `CAST(${p} AS BLOB)`;
    return `(length(${bytes}) >= length(${suffix}) AND substr(${bytes}, -length(${suffix})) = ${suffix})`;
  }

  bitFlags(num: string, flags: number): string {
    if (!Number.isSafeInteger(flags)) return unlessUnknown(num, '0'); // flags beyond 2^53 match nothing, as in the evaluator
    const p = this.bind(flags);
    return `(abs(${num}) <= ${MAX_SAFE} AND (${num} & ${p}) = ${p})`;
  }

  asNumber(column: string): string {
    return column;
  }
  numberText(): undefined {
    return undefined;
  }
  boolText(): undefined {
    return undefined;
  }
  textLength(column: string): { length: string; unsure: string } {
    return { length: `length(${column})`, unsure: `instr(${column}, char(0)) > 0` };
  }

  /** Keys repeat across the conditions and sorts of a query; each expression set is built once. */
  dataKey(path: string): DataKey {
    let found = this.keys.get(path);
    if (found === undefined) {
      found = new DataKey(path);
      this.keys.set(path, found);
    }
    return found;
  }

  dataEquals(key: DataKey, x: unknown): HintedSql | undefined {
    const kind = operandKind(x);
    const { presentType, value } = key;
    if (kind === 'composite') return undefined;
    if (kind === 'text' || kind === 'number') {
      const p = this.bind(x as string | number);
      return {
        sql: `(${value} = ${p} AND ${presentType} ${kind === 'text' ? `= 'text'` : `IN ${NUMERIC}`})`,
        hint: `${key.rank} = ${kind === 'text' ? 2 : 1} AND ${key.scalar} = ${p}`,
        hintDecides: true,
        pins: 'value',
      };
    }
    if (kind === 'bool') return { sql: `(${presentType} = '${x ? 'true' : 'false'}')`, hint: `${key.rank} = 0 AND ${key.scalar} = ${x ? 1 : 0}`, hintDecides: true, pins: 'value' };
    return { sql: unlessUnknown(presentType, '0') };
  }

  dataCompare(key: DataKey, sym: Ordering, x: number | string): HintedSql {
    const p = this.bind(x);
    const [types, rank] = typeof x === 'number' ? [`IN ${NUMERIC}`, 1] : [`= 'text'`, 2];
    return { sql: `(CASE WHEN ${key.presentType} ${types} THEN ${key.value} ${sym} ${p} END)`, hint: `${key.rank} = ${rank} AND ${key.scalar} ${sym} ${p}`, hintDecides: true, pins: 'type' };
  }

  /** One typed test per JSON type the list holds. */
  dataIn(key: DataKey, list: readonly unknown[]): HintedSql {
    const members = splitMembers(list);
    const { presentType, value } = key;
    const parts: string[] = [];
    const ranks: number[] = [];
    if (members.texts.length > 0) {
      parts.push(`(${presentType} = 'text' AND ${this.memberOf(value, 'text', members.texts)})`);
      ranks.push(2);
    }
    if (members.numbers.length > 0) {
      parts.push(`(${presentType} IN ${NUMERIC} AND ${this.memberOf(value, 'number', members.numbers)})`);
      ranks.push(1);
    }
    if (members.hasTrue) parts.push(`(${presentType} = 'true')`);
    if (members.hasFalse) parts.push(`(${presentType} = 'false')`);
    if (members.hasTrue || members.hasFalse) ranks.push(0);
    if (parts.length === 0) return { sql: unlessUnknown(presentType, '0') };
    const scalars = [...members.texts, ...members.numbers, ...(members.hasTrue ? [1] : []), ...(members.hasFalse ? [0] : [])];
    const hint = `${key.rank} IN (${ranks.join(', ')}) AND ${key.scalar} IN (SELECT value FROM json_each(${this.bind(JSON.stringify(scalars))}))`;
    // With one JSON type the (rank, scalar) test is the condition; with several, a scalar of one
    // type could match a member of another (true is 1), so the typed parts stay.
    return ranks.length === 1 ? { sql: joinBalanced(parts, 'OR', '0'), hint, hintDecides: true, pins: 'type' } : { sql: joinBalanced(parts, 'OR', '0'), hint };
  }

  /** Element membership of a primitive operand, type-aware. */
  listContains(key: DataKey, x: unknown): string {
    let match: string;
    switch (operandKind(x)) {
      case 'text':
        match = `type = 'text' AND atom = ${this.bind(x as string)}`;
        break;
      case 'number':
        match = `type IN ${NUMERIC} AND atom = ${this.bind(x as number)}`;
        break;
      case 'bool':
        match = `type = '${x ? 'true' : 'false'}'`;
        break;
      case 'null':
        match = `type = 'null'`;
        break;
      default:
        return '0';
    }
    return `EXISTS (SELECT 1 FROM json_each(${DATA_COLUMN}, ${key.path}) WHERE ${match})`;
  }

  /** A bit test for integers with an integer operand, else the substring of the text form. */
  scalarContains(key: DataKey, x: unknown, substring: string): string {
    if (!isBitFlags(x)) return substring;
    const { presentType, value } = key;
    let bits = '0'; // flags beyond 2^53 match nothing, as in the evaluator
    if (Number.isSafeInteger(x)) {
      const flags = this.bind(x);
      bits = `(abs(${value}) <= ${MAX_SAFE} AND (${value} & ${flags}) = ${flags})`;
    }
    return `(CASE WHEN ${presentType} IN ${NUMERIC} AND ${value} = round(${value}) THEN ${bits} ELSE ${substring} END)`;
  }

  /**
   * The implied term goes into the condition itself, so SQLite can seek the key's (rank, scalar)
   * index; when it decides the condition it runs alone, read from the index without touching
   * the row's JSON.
   */
  hinted(key: DataKey, { sql, hint, hintDecides, pins }: HintedSql & { hint: string }): string {
    this.indexKeys.add(key.key);
    if (hintDecides !== true) return `(${sql} AND ${hint})`;
    if (pins !== undefined && this.pinned.get(key.key) !== 'value') this.pinned.set(key.key, pins);
    return `(${hint})`;
  }

  residual(condition: DataSearchCondition, dataOnly: boolean, subject: MetaColumn | DataKey): Residual {
    return new EvaluatedInSql(this, condition, dataOnly, subject);
  }

  metaSort(column: MetaColumn, direction: 'ASC' | 'DESC'): string[] {
    const c = column.name;
    return NULLABLE_SORT_COLUMNS.has(c) ? [`(${c} IS NULL) ${direction}`, `${c} ${direction}`] : [`${c} ${direction}`];
  }

  /**
   * rank and scalar are the first columns of the key's expression index, in that order; lists
   * and maps by their sort key. Terms a top-level condition (translated first) makes constant
   * on every match are left out: SQLite reads no order off an index for an ORDER BY term it has
   * pinned with `=` (it sorts everything instead), and with them gone the index gives the whole
   * order, tie-break included, so a limit stops after the page.
   */
  dataSort(path: string, direction: 'ASC' | 'DESC'): string[] {
    const key = this.dataKey(path);
    this.indexKeys.add(path);
    const pinned = this.pinned.get(path);
    if (pinned === 'value') return [];
    if (pinned === 'type') return [`${key.scalar} ${direction}`]; // one scalar type: one rank, no sort key
    const terms = [`${key.rank} ${direction}`, `${key.scalar} ${direction}`];
    if (this.options.scalarSortKeys?.has(path)) return terms;
    this.compositeSorts.add(path);
    return [...terms, `(CASE WHEN ${key.type} IN ('array', 'object') THEN ${SORT_KEY_FUNCTION}(${key.json}) END) ${direction}`];
  }

  /** Refuses a query SQLite would refuse, before it spends seconds parsing it (+2 for limit and offset). */
  finish(): void {
    if (this.count + 2 > MAX_SQL_VARIABLES) {
      this.release();
      throw new QueryError(`Search query is too large: it needs ${this.count + 2} bound values, SQLite allows ${MAX_SQL_VARIABLES}`);
    }
  }
  abandon(): void {
    this.release();
  }

  /** Frees the evaluator handles once the statement has run. */
  release(): void {
    releaseEvaluations(this.handles);
    this.handles.length = 0;
  }

  /**
   * SQL that evaluates `condition` with core's evaluator on the value `argument` yields for a
   * row; `build` turns that SQL value back into the part of a meta the condition reads.
   */
  private evaluate(condition: DataSearchCondition, dataOnly: boolean, argument: string, build: (sqlValue: unknown) => ResourceMeta): string {
    const handle = registerEvaluation({ build, match: compileFilter(condition, dataOnly) });
    this.handles.push(handle);
    return `${EVAL_FUNCTION}(${this.bind(handle)}, ${argument})`;
  }

  /** @internal */
  evaluateMeta(condition: DataSearchCondition, col: MetaColumn): string {
    return this.evaluate(condition, false, col.name, (v) => ({ [col.name]: metaValueFromColumn(col.kind, v) }) as unknown as ResourceMeta);
  }

  /** @internal */
  evaluateData(condition: DataSearchCondition, dataOnly: boolean, key: DataKey): string {
    return this.evaluate(condition, dataOnly, key.json, (json) => {
      const data: Record<string, unknown> = {};
      // defineProperty: a key such as "__proto__" must become an own property, as JSON.parse makes it.
      if (typeof json === 'string') Object.defineProperty(data, key.key, { value: JSON.parse(json), enumerable: true, writable: true, configurable: true });
      return { indexed_data: data } as unknown as ResourceMeta;
    });
  }
}

/** The residual strategy of SQLite: the evaluator runs inside SQL, so every node stays exact. */
class EvaluatedInSql implements Residual {
  constructor(
    private readonly dialect: SqliteDialect,
    private readonly condition: DataSearchCondition,
    private readonly dataOnly: boolean,
    private readonly subject: MetaColumn | DataKey,
  ) {}

  whole(): Node {
    return exact(this.evaluate());
  }

  partial(unsure: string, decided: Node): Node {
    return exact(`(CASE WHEN ${unsure} THEN ${this.evaluate()} ELSE ${(decided as { sql: string }).sql} END)`);
  }

  private evaluate(): string {
    const { dialect, condition, subject } = this;
    return subject instanceof DataKey ? dialect.evaluateData(condition, this.dataOnly, subject) : dialect.evaluateMeta(condition, subject);
  }
}
