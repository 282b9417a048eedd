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
  /** GIN containment terms implied by top-level equalities of lists and maps. */
  readonly hints: string[] = [];
  /** indexed_data keys a top-level condition or a sort reads through the key's expression index. */
  readonly indexKeys = new Set<string>();
  readonly defaultOrder = 'm.created_time ASC, m.resource_id ASC';
  /** The statement's bound values: `params.finalize(text)` gives `$n` text and values. */
  readonly params = new Params();
  private readonly keys = new Map<string, DataKey>();

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

  /** Keys repeat across the conditions and sorts of a query; each is built once. */
  dataKey(path: string): DataKey {
    let found = this.keys.get(path);
    if (found === undefined) {
      found = new DataKey(path);
      this.keys.set(path, found);
    }
    return found;
  }

  dataEquals(k: DataKey, x: unknown): HintedSql | undefined {
    if (isJsonExact(x) && x !== null) {
      const sql = `(CASE WHEN ${present(k)} THEN ${k.v} = ${this.params.json(x)} END)`;
      const scalar = this.indexedScalar(k, x, '=');
      if (scalar !== undefined) return { sql, hint: scalar, hintDecides: true };
      // Equality of a list or map implies containment, which the GIN index on indexed_data serves.
      return { sql, hint: k.indexable ? `(m.indexed_data @> ${this.params.json({ [k.key]: x })})` : undefined };
    }
    // null, undefined, NaN, ±Infinity, bigint, unstorable text: equal to no stored value
    if (isPrimitive(x) || typeof x === 'function') return { sql: unlessUnknown(k.presentType, 'FALSE') };
    return undefined;
  }

  dataCompare(k: DataKey, sym: Ordering, x: number | string): HintedSql {
    const sql =
      typeof x === 'number'
        ? `(CASE WHEN ${k.presentType} = 'number' THEN ${k.number} ${sym} ${this.params.add(String(x), 'float8')} END)`
        : `(CASE WHEN ${k.presentType} = 'string' THEN (${k.v} #>> '{}') COLLATE "C" ${sym} ${this.params.add(x, 'text')} END)`;
    return { sql, hint: this.indexedScalar(k, x, sym), hintDecides: true };
  }

  /** Members no stored value can equal (null, NaN, unstorable text, …) are left out. */
  dataIn(k: DataKey, list: readonly unknown[]): HintedSql {
    const members = list.filter((m) => m !== null && isJsonExact(m));
    if (members.length === 0) return { sql: unlessUnknown(k.presentType, 'FALSE') };
    const sql = `(CASE WHEN ${present(k)} THEN ${k.v} IN (SELECT jsonb_array_elements(${this.params.json(members)})) END)`;
    const hint = this.indexedMembers(k, members);
    return hint === undefined ? { sql } : { sql, hint, hintDecides: true };
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

  /** A deciding hint replaces the condition (it reads the key's btree index); others are ANDed apart. */
  hinted(k: DataKey, { sql, hint, hintDecides }: HintedSql & { hint: string }): string {
    if (hintDecides === true) {
      this.indexKeys.add(k.key);
      return hint;
    }
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

  /**
   * The evaluator's type rank, then the value; lists and maps by the sort key written with the
   * row. Within one rank only that rank's value column varies, so these are exactly the columns
   * of the key's index, in its order: a sort with a limit walks the index.
   */
  dataSort(path: string, direction: 'ASC' | 'DESC'): string[] {
    const k = this.dataKey(path);
    if (k.indexable) this.indexKeys.add(k.key);
    const e = k.indexed;
    return [e.rank, e.number, e.text, e.bool, e.sortKey].map((term) => `${term} ${direction}`);
  }

  finish(): void {}
  abandon(): void {}

  /**
   * `op` against a scalar as the key's index columns spell it: the rank, then the typed column;
   * `=` pins every other column as well, so the matches come out in resource_id order. Exactly
   * the condition where it is TRUE; undefined for operands the index does not hold.
   */
  private indexedScalar(k: DataKey, x: unknown, op: '=' | Ordering): string | undefined {
    if (!k.indexable) return undefined;
    const e = k.indexed;
    const pinned = (rank: number, number: string, text: string, bool: string): string =>
      `(${e.rank} = ${rank} AND ${e.number} = ${number} AND ${e.text} = ${text} AND ${e.bool} = ${bool} AND ${e.sortKey} = '')`;
    if (typeof x === 'number') {
      if (!Number.isFinite(x) && op === '=') return undefined;
      const p = this.params.add(String(x), 'float8');
      return op === '=' ? pinned(1, p, `''`, 'FALSE') : `(${e.rank} = 1 AND ${e.number} ${op} ${p})`;
    }
    if (typeof x === 'string') {
      const p = this.params.add(x, 'text');
      return op === '=' ? pinned(2, '0', p, 'FALSE') : `(${e.rank} = 2 AND ${e.number} = 0 AND ${e.text} ${op} ${p})`;
    }
    if (typeof x === 'boolean' && op === '=') return pinned(0, '0', `''`, x ? 'TRUE' : 'FALSE');
    return undefined;
  }

  /** `in` over members of one JSON type as an index lookup; undefined for lists, maps or mixed types. */
  private indexedMembers(k: DataKey, members: readonly unknown[]): string | undefined {
    if (!k.indexable) return undefined;
    const e = k.indexed;
    const kinds = new Set(members.map((m) => typeof m));
    if (kinds.size !== 1) return undefined;
    const list = this.params.json(members);
    if (kinds.has('number')) return `(${e.rank} = 1 AND ${e.number} = ANY (ARRAY(SELECT (jsonb_array_elements_text(${list}))::float8)))`;
    if (kinds.has('string')) return `(${e.rank} = 2 AND ${e.number} = 0 AND ${e.text} = ANY (ARRAY(SELECT jsonb_array_elements_text(${list}))))`;
    if (kinds.has('boolean')) return `(${e.rank} = 0 AND ${e.number} = 0 AND ${e.text} = '' AND ${e.bool} = ANY (ARRAY(SELECT (jsonb_array_elements_text(${list}))::boolean)))`;
    return undefined;
  }

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
