/**
 * SQL expressions over one indexed_data key of a PostgreSQL meta table (alias `m`, jsonb). The
 * key is written as a literal (never a parameter), so the expressions are the same text as the
 * key's expression index (see indexDefinition) and the planner can match them to it.
 */
import type { SqlDataKey } from '../dialect';
import { pgStringLiteral } from './literal';
import { isStorableText } from './text';

/**
 * The index columns of a key, in order: the evaluator's type rank, then one typed value per
 * rank. A column that does not apply to a row's type holds a constant (0, '', FALSE) rather
 * than NULL, so a filter can pin it with `=` and PostgreSQL then reads rows in resource_id order.
 */
export interface IndexedExpressions {
  rank: string;
  number: string;
  text: string;
  bool: string;
  sortKey: string;
}

export class DataKey implements SqlDataKey {
  /** Whether the key can be in a stored row (PostgreSQL text holds it) and so be indexed. */
  readonly indexable: boolean;
  private readonly literal: string;

  constructor(readonly key: string) {
    this.indexable = isStorableText(key);
    this.literal = this.indexable ? pgStringLiteral(key) : '';
  }

  /** The jsonb value; NULL when the key is missing. */
  get v(): string {
    // A key PostgreSQL text cannot hold is in no stored row: it is missing everywhere.
    return this.indexable ? `(m.indexed_data -> ${this.literal})` : '(NULL::jsonb)';
  }

  /** The expressions of the key's index, as a query over alias `m` spells them. */
  get indexed(): IndexedExpressions {
    return this.expressions('m.');
  }

  /** The key's btree expression index (the caller checks `indexable`). */
  indexDefinition(table: string, name: string): string {
    const e = this.expressions('');
    return `CREATE INDEX IF NOT EXISTS ${name} ON ${table} (${e.rank}, ${e.number}, ${e.text}, ${e.bool}, ${e.sortKey}, resource_id)`;
  }

  private expressions(alias: string): IndexedExpressions {
    const v = this.indexable ? `(${alias}indexed_data -> ${this.literal})` : '(NULL::jsonb)';
    const t = `jsonb_typeof(${v})`;
    const sortKey = this.indexable ? `(${alias}sort_keys ->> ${this.literal})` : 'NULL::text';
    return {
      rank: `(CASE ${t} WHEN 'boolean' THEN 0 WHEN 'number' THEN 1 WHEN 'string' THEN 2 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 7 END)`,
      number: `(CASE WHEN ${t} = 'number' THEN (${v})::float8 ELSE 0 END)`,
      text: `((CASE WHEN ${t} = 'string' THEN ${v} #>> '{}' ELSE '' END) COLLATE "C")`,
      bool: `(CASE WHEN ${t} = 'boolean' THEN (${v})::boolean ELSE FALSE END)`,
      sortKey: `(COALESCE(${sortKey}, '') COLLATE "C")`,
    };
  }
  get presence(): string {
    return this.v;
  }
  /** jsonb_typeof: 'null' for a JSON null, NULL when missing. */
  get type(): string {
    return `jsonb_typeof(${this.v})`;
  }
  get presentType(): string {
    return `nullif(${this.type}, 'null')`;
  }
  get length(): string {
    const { v, presentType } = this;
    return (
      `(CASE ${presentType} WHEN 'string' THEN char_length(${v} #>> '{}')::float8 WHEN 'array' THEN jsonb_array_length(${v})::float8 ` +
      `WHEN 'object' THEN (SELECT count(*) FROM jsonb_object_keys(${v}))::float8 END)`
    );
  }
  get lengthUnsure(): undefined {
    return undefined;
  }
  /** The value as float8, for numbers. */
  get number(): string {
    return `(${this.v})::float8`;
  }
  get text(): string {
    return `(CASE WHEN ${this.presentType} IN ('string', 'number', 'boolean') THEN ${this.v} #>> '{}' END)`;
  }
  /** Numbers JavaScript prints in exponent form (≥ 1e21, below 1e-6); PostgreSQL never does. */
  get exponent(): string {
    const number = this.number;
    return `(CASE WHEN ${this.presentType} = 'number' THEN abs(${number}) >= 1e21 OR (${number} <> 0 AND abs(${number}) < 1e-6) ELSE FALSE END)`;
  }
  get textUnsure(): string {
    return `(${this.presentType} IN ('array', 'object') OR ${this.exponent})`;
  }
  /** Maps compare by their JSON text in stored key order, which jsonb does not keep. */
  get containsUnsure(): string {
    return `(${this.presentType} = 'object' OR ${this.exponent})`;
  }
}
