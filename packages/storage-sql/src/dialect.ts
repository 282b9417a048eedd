/**
 * What differs between the databases the translator writes SQL for. One dialect instance
 * translates one statement: it holds that statement's bound values (and, for SQLite, the
 * conditions handed to the evaluator), so create a fresh one per query.
 */
import type { DataSearchCondition } from '@specstar/interfaces';
import type { MetaColumn } from './meta-columns';
import type { Node } from './nodes';

export type Ordering = '>' | '>=' | '<' | '<=';
export type TextOperator = 'contains' | 'starts_with' | 'ends_with';
/** The SQL type of the members of an `in` list: strings, finite numbers, booleans or valid Dates. */
export type MemberKind = 'text' | 'number' | 'bool' | 'instant';

/** A condition's test, with the implied index-friendly term a top-level use may add. */
export interface HintedSql {
  sql: string;
  hint?: string | undefined;
  /**
   * The hint holds on exactly the rows where `sql` is TRUE, so a top-level use (where only TRUE
   * matters) may run the hint alone: the database then decides the condition from the index.
   */
  hintDecides?: boolean;
  /**
   * What a deciding hint fixes with `=` on every match: the key's JSON type (`type`), or its
   * value as well (`value`). A sort on the key can then leave out the terms that are constant.
   */
  pins?: 'type' | 'value';
}

/** SQL expressions over one indexed_data key. */
export interface SqlDataKey {
  readonly key: string;
  /** Not NULL exactly when the key is present (a JSON null included). */
  readonly presence: string;
  /** The JSON type name: `'null'` for a JSON null, NULL when missing. */
  readonly type: string;
  /** The type, NULL when missing or null: the value is unknown to every value operator. */
  readonly presentType: string;
  /** Length of a string, list or map as a number (the `len` transform); NULL otherwise. */
  readonly length: string;
  /** Rows where `length` is not the evaluator's (left to the residual); undefined when never. */
  readonly lengthUnsure: string | undefined;
  /** The text form of a scalar (core's textForm), NULL otherwise. */
  readonly text: string;
  /** Rows where `text` is not the evaluator's text form (lists, maps, …). */
  readonly textUnsure: string;
  /** Rows where `contains` is not decided by listContains / scalarContains. */
  readonly containsUnsure: string;
}

/**
 * How a condition SQL cannot decide is finished: by the evaluator inside SQL (SQLite's
 * registered function, exact) or by a superset filtered in code (PostgreSQL, mixed).
 */
export interface Residual {
  /** The whole condition; `present` holds on the rows where it is not unknown. */
  whole(present: string): Node;
  /** `decided` is exact except where `unsure` holds; there the residual decides. */
  partial(unsure: string, decided: Node): Node;
}

export interface SqlDialect<K extends SqlDataKey = SqlDataKey> {
  /** Boolean literals (and the SQL values boolean columns hold). */
  readonly TRUE: string;
  readonly FALSE: string;
  /** Joins conditions with AND / OR; `empty` when there are none. */
  join(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string;
  /** A meta column as the statement names it. */
  column(name: string): string;
  /** The indexed_data column as the statement names it. */
  readonly dataColumn: string;
  /** Extra terms implied by top-level conditions, ANDed into WHERE after them. */
  readonly hints: readonly string[];
  /** Whether a string can be bound and compared exactly (PostgreSQL text holds no NUL). */
  storable(text: string): boolean;
  /** Whether the database's JSON equality decides a composite operand as deep equality does. */
  exactJson(value: unknown): boolean;

  bindText(text: string): string;
  bindNumber(value: number): string;
  bindInstant(instant: Date): string;
  /** `expr` IN the (non-empty) members; NULL stays unknown. */
  memberOf(expr: string, kind: MemberKind, members: readonly unknown[]): string;
  /** contains / starts_with / ends_with of a storable needle on a text expression. */
  textTest(op: TextOperator, text: string, needle: string): string;
  /** `contains` with integer flags on an integer-valued number expression (the whole test). */
  bitFlags(num: string, flags: number): string;
  /** A meta number column as a number expression. */
  asNumber(column: string): string;
  /** The text form of a number / boolean expression, or undefined to leave text tests to the residual. */
  numberText(num: string): string | undefined;
  boolText(column: string): string | undefined;
  /** Length of a text column for `len`, and where it is not exact. */
  textLength(column: string): { length: string; unsure?: string };

  dataKey(path: string): K;
  /** eq of a primitive or JSON-exact operand; undefined to leave it to the residual. */
  dataEquals(key: K, operand: unknown): HintedSql | undefined;
  dataCompare(key: K, ordering: Ordering, operand: number | string): HintedSql;
  /** `in` over a list whose members are primitives or JSON-exact. */
  dataIn(key: K, members: readonly unknown[]): HintedSql;
  /** `contains` of a primitive or JSON-exact operand on a list value. */
  listContains(key: K, operand: unknown): string;
  /** `contains` on a scalar value, given the substring test of its text form. */
  scalarContains(key: K, operand: unknown, substring: string): string;
  /** A top-level condition with its implied index term (see HintedSql). */
  hinted(key: K, test: HintedSql & { hint: string }): string;

  residual(condition: DataSearchCondition, dataOnly: boolean, subject: MetaColumn | K): Residual;

  /** ORDER BY terms of a meta sort (null sorts greatest) and a data sort (the evaluator's order). */
  metaSort(column: MetaColumn, direction: 'ASC' | 'DESC'): string[];
  dataSort(path: string, direction: 'ASC' | 'DESC'): string[];
  /** Without sorts: creation time, then resource_id. */
  readonly defaultOrder: string;

  /** Called once the statement is translated: refuse what the database would refuse. */
  finish(): void;
  /** Called when translation fails: free what the statement held. */
  abandon(): void;
}
