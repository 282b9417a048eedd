/**
 * The PostgreSQL dialect: `$n` parameters with casts, real booleans, timestamptz instants,
 * indexed_data as jsonb on the meta table aliased `m`, text compared COLLATE "C" (code point
 * order). What SQL cannot decide exactly (regex with Python syntax, the text form of lists and
 * maps, numbers JavaScript prints in exponent form, operands PostgreSQL text cannot hold) is
 * never dropped: the condition becomes a superset in SQL and the store finishes the query with
 * core's evaluator over the candidates.
 */
import { isPrimitive } from '@specstar/core/adapter';
import type { HintedSql, MemberKind, Ordering, Residual, SqlDialect, TextOperator } from '../dialect';
import type { MetaColumn } from '../meta-columns';
import { joinFlat, unlessUnknown, type Node } from '../nodes';
import { MAX_SAFE, isBitFlags } from '../operands';
import { DataKey } from './data-key';
import { Params } from './params';
import { isJsonExact, isStorableText } from './text';

/** Evaluated in code wherever `present` holds (elsewhere the condition is unknown). */
function residualWhere(present: string): Node {
  return { kind: 'mixed', p: present, q: present };
}

/** Evaluated in code where `unsure` holds; `decided` is exact on every other row. */
function partial(unsure: string, decided: Node): Node {
  if (decided.kind === 'mixed') return { kind: 'mixed', p: `((${unsure}) IS TRUE OR ${decided.p})`, q: `((${unsure}) IS TRUE OR ${decided.q})` };
  return { kind: 'mixed', p: `((${unsure}) IS TRUE OR (${decided.sql}) IS TRUE)`, q: `((${unsure}) IS TRUE OR (${decided.sql}) IS FALSE)` };
}

const RESIDUAL: Residual = { whole: residualWhere, partial };

export class PostgresDialect implements SqlDialect<DataKey> {
  readonly TRUE = 'TRUE';
  readonly FALSE = 'FALSE';
  readonly dataColumn = 'm.indexed_data';
  /** GIN containment terms implied by top-level equalities. */
  readonly hints: string[] = [];
  readonly defaultOrder = 'm.created_time ASC, m.resource_id ASC';
  /** The statement's bound values: `params.finalize(text)` gives `$n` text and values. */
  readonly params = new Params();

  join(terms: readonly string[], operator: 'AND' | 'OR', empty: string): string {
    return joinFlat(terms, operator, empty);
  }
  column(name: string): string {
    return `m.${name}`;
  }
  storable(text: string): boolean {
    return isStorableText(text);
  }
  exactJson(value: unknown): boolean {
    return isJsonExact(value);
  }
  bindText(text: string): string {
    return this.params.add(text, 'text');
  }
  bindNumber(value: number): string {
    return this.params.add(String(value), 'float8');
  }
  bindInstant(instant: Date): string {
    return this.params.add(instant.toISOString(), 'timestamptz');
  }

  memberOf(expr: string, kind: MemberKind, members: readonly unknown[]): string {
    switch (kind) {
      case 'text':
        return `(${expr} IN (SELECT jsonb_array_elements_text(${this.params.json(members)})))`;
      case 'number':
        return `(${expr} IN (SELECT (e)::float8 FROM jsonb_array_elements(${this.params.json(members)}) e))`;
      case 'instant': {
        const instants = (members as Date[]).map((d) => d.toISOString());
        return `(${expr} IN (SELECT (jsonb_array_elements_text(${this.params.json(instants)}))::timestamptz))`;
      }
      case 'bool':
        return `(${expr} IN (${members.map((b) => (b ? 'TRUE' : 'FALSE')).join(', ')}))`;
    }
  }

  textTest(op: TextOperator, text: string, needle: string): string {
    const p = this.params.add(needle, 'text');
    if (op === 'contains') return `(strpos(${text}, ${p}) > 0)`;
    if (op === 'starts_with') return `starts_with(${text}, ${p})`;
    return `(right(${text}, char_length(${p})) = ${p})`;
  }

  bitFlags(num: string, flags: number): string {
    return unlessUnknown(num, this.bitTest(num, flags));
  }

  asNumber(column: string): string {
    return `(${column}::float8)`;
  }
  /** Integers below 2^53 print the same in JavaScript and PostgreSQL. */
  numberText(num: string): string {
    return `((${num})::numeric::text)`;
  }
  boolText(column: string): string {
    return `(CASE WHEN ${column} THEN 'true' ELSE 'false' END)`;
  }
  textLength(column: string): { length: string } {
    return { length: `(char_length(${column})::float8)` };
  }

  dataKey(path: string): DataKey {
    return new DataKey(path, this.params);
  }

  dataEquals(k: DataKey, x: unknown): HintedSql | undefined {
    if (isJsonExact(x) && x !== null) {
      // Equality implies containment, which the GIN index on indexed_data serves.
      const hint = isStorableText(k.key) ? `(m.indexed_data @> ${this.params.json({ [k.key]: x })})` : undefined;
      return { sql: `(CASE WHEN ${present(k)} THEN ${k.v} = ${this.params.json(x)} END)`, hint };
    }
    // null, undefined, NaN, ±Infinity, bigint, unstorable text: equal to no stored value
    if (isPrimitive(x) || typeof x === 'function') return { sql: unlessUnknown(k.presentType, 'FALSE') };
    return undefined;
  }

  dataCompare(k: DataKey, sym: Ordering, x: number | string): HintedSql {
    if (typeof x === 'number') return { sql: `(CASE WHEN ${k.presentType} = 'number' THEN ${k.number} ${sym} ${this.params.add(String(x), 'float8')} END)` };
    return { sql: `(CASE WHEN ${k.presentType} = 'string' THEN (${k.v} #>> '{}') COLLATE "C" ${sym} ${this.params.add(x, 'text')} END)` };
  }

  /** Members no stored value can equal (null, NaN, unstorable text, …) are left out. */
  dataIn(k: DataKey, list: readonly unknown[]): HintedSql {
    const members = list.filter((m) => m !== null && isJsonExact(m));
    if (members.length === 0) return { sql: unlessUnknown(k.presentType, 'FALSE') };
    return { sql: `(CASE WHEN ${present(k)} THEN ${k.v} IN (SELECT jsonb_array_elements(${this.params.json(members)})) END)` };
  }

  listContains(k: DataKey, x: unknown): string {
    // undefined, NaN, ±Infinity, bigint, unstorable text: in no stored list
    return isJsonExact(x) ? `EXISTS (SELECT 1 FROM jsonb_array_elements(${k.v}) e WHERE e = ${this.params.json(x)})` : 'FALSE';
  }

  /** Integers with an integer operand: a bit test (nested CASE: the cast only runs on numbers). */
  scalarContains(k: DataKey, x: unknown, substring: string): string {
    if (!isBitFlags(x)) return substring;
    const number = k.number;
    return `(CASE WHEN ${k.presentType} = 'number' THEN (CASE WHEN ${number} = trunc(${number}) THEN ${this.bitTest(number, x)} ELSE ${substring} END) ELSE ${substring} END)`;
  }

  hinted(_key: DataKey, sql: string, hint: string): string {
    this.hints.push(hint);
    return sql;
  }

  residual(): Residual {
    return RESIDUAL;
  }

  /** PostgreSQL's default NULLS LAST ascending / FIRST descending puts null greatest. */
  metaSort(column: MetaColumn, direction: 'ASC' | 'DESC'): string[] {
    return [`m.${column.name} ${direction}`];
  }

  /** The evaluator's type rank, then the value; lists and maps by the sort key written with the row. */
  dataSort(path: string, direction: 'ASC' | 'DESC'): string[] {
    const { v, type: t } = this.dataKey(path);
    const sortKey = isStorableText(path) ? `(m.sort_keys ->> ${this.params.add(path, 'text')})` : 'NULL::text';
    return [
      `(CASE ${t} WHEN 'boolean' THEN 0 WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 7 END) ${direction}`,
      `(CASE WHEN ${t} = 'boolean' THEN (${v})::boolean END) ${direction}`,
      `(CASE WHEN ${t} = 'number' THEN (${v})::float8 END) ${direction}`,
      `(CASE WHEN ${t} = 'string' THEN ${v} #>> '{}' END) COLLATE "C" ${direction}`,
      `${sortKey} COLLATE "C" ${direction}`,
    ];
  }

  finish(): void {}
  abandon(): void {}

  /** All bits of the integer flags set in the integer-valued float8 expression `num`. */
  private bitTest(num: string, flags: number): string {
    if (!Number.isSafeInteger(flags)) return 'FALSE';
    const p = this.params.add(String(flags), 'bigint');
    return `(CASE WHEN abs(${num}) <= ${MAX_SAFE} THEN ((${num})::bigint & ${p}) = ${p} ELSE FALSE END)`;
  }
}

function present(k: DataKey): string {
  return `(${k.presentType} IS NOT NULL)`;
}
