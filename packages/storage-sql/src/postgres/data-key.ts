/**
 * SQL expressions over one indexed_data key of a PostgreSQL meta table (alias `m`, jsonb). The
 * key is a bound parameter, bound on first use so that a condition decided without looking at
 * the row binds nothing.
 */
import type { SqlDataKey } from '../dialect';
import type { Params } from './params';
import { isStorableText } from './text';

export class DataKey implements SqlDataKey {
  private placeholder: string | undefined;

  constructor(
    readonly key: string,
    private readonly params: Params,
  ) {}

  /** The jsonb value; NULL when the key is missing. */
  get v(): string {
    // A key PostgreSQL text cannot hold is in no stored row: it is missing everywhere.
    if (!isStorableText(this.key)) return '(NULL::jsonb)';
    this.placeholder ??= this.params.add(this.key, 'text');
    return `(m.indexed_data -> ${this.placeholder})`;
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
