/**
 * SQL expressions over one indexed_data key. `indexed_data` is a JSONB column; a key is
 * addressed by a literal path (escaped by jsonKeyPath) so the same key always gives the same
 * expression text — which is what lets SQLite match an expression index to a query.
 */
import type { SqlDataKey } from '../dialect';
import { jsonKeyPathLiteral, keyDigest, quoteIdentifier } from './identifiers';

export const DATA_COLUMN = 'indexed_data';
export const NUMERIC = `('integer', 'real')`;
/** Part of the index name: a new definition gets a new name, so an old index is never mistaken for it. */
const INDEX_VERSION = 2;

export class DataKey implements SqlDataKey {
  /** The literal JSON path, e.g. `'$."level"'`. */
  readonly path: string;
  /** JSON type name; NULL when the key is missing, `'null'` for a JSON null. */
  readonly type: string;
  /** Type name, NULL when missing or null: the value is unknown to every value operator. */
  readonly presentType: string;
  /** SQL value: text, number, 1/0 for booleans, JSON text for lists and maps; NULL when missing or null. */
  readonly value: string;
  /** The value as JSON text (strings quoted); NULL when missing. */
  readonly json: string;
  /** The value's text form for a scalar (core's textForm), NULL otherwise. */
  readonly text: string;
  /** Sort rank of the evaluator (false/true 0, numbers 1, strings 2, lists 4, maps 5, missing/null 7). */
  readonly rank: string;
  /** The scalar value (NULL for lists, maps, null and missing): the second index column. */
  readonly scalar: string;
  readonly presence: string;
  /** Length for `len`; SQLite's length() stops at a NUL, so strings holding one are left to the evaluator. */
  readonly length: string;
  readonly lengthUnsure: string;
  readonly textUnsure: string;
  readonly containsUnsure: string;

  constructor(readonly key: string) {
    this.path = jsonKeyPathLiteral(key);
    this.type = `json_type(${DATA_COLUMN}, ${this.path})`;
    this.presentType = `nullif(${this.type}, 'null')`;
    this.value = `json_extract(${DATA_COLUMN}, ${this.path})`;
    this.json = `(${DATA_COLUMN} -> ${this.path})`;
    this.text =
      `(CASE ${this.type} WHEN 'text' THEN ${this.value} WHEN 'integer' THEN ${this.json} ` +
      `WHEN 'real' THEN ${this.json} WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' END)`;
    this.rank =
      `(CASE ${this.type} WHEN 'true' THEN 0 WHEN 'false' THEN 0 WHEN 'integer' THEN 1 WHEN 'real' THEN 1 ` +
      `WHEN 'text' THEN 2 WHEN 'array' THEN 4 WHEN 'object' THEN 5 ELSE 7 END)`;
    this.scalar = `(CASE WHEN ${this.type} IN ('array', 'object') THEN NULL ELSE ${this.value} END)`;
    this.presence = this.type;
    this.length =
      `(CASE ${this.type} WHEN 'text' THEN length(${this.value}) WHEN 'array' THEN json_array_length(${DATA_COLUMN}, ${this.path}) ` +
      `WHEN 'object' THEN (SELECT count(*) FROM json_each(${DATA_COLUMN}, ${this.path})) END)`;
    this.lengthUnsure = `${this.type} = 'text' AND instr(${this.value}, char(0)) > 0`;
    this.textUnsure = `${this.type} IN ('array', 'object')`;
    this.containsUnsure = `${this.type} = 'object'`;
  }

  /**
   * The expression index serving filters and sorts on this key: (rank, scalar, resource_id). The
   * trailing resource_id keeps the rows of one value in id order, so an equality with the usual
   * tie-break (or a sort by id) reads only the page instead of sorting every match. `legacy` is
   * the name of the (rank, scalar) index earlier versions made, dropped once this one exists.
   */
  indexDefinition(table: string): { name: string; sql: string; legacy: string } {
    const name = `${table}_ix_${keyDigest(this.key, INDEX_VERSION)}`;
    return {
      name,
      sql: `CREATE INDEX IF NOT EXISTS ${quoteIdentifier(name)} ON ${quoteIdentifier(table)} (${this.rank}, ${this.scalar}, resource_id)`,
      legacy: `${table}_ix_${keyDigest(this.key)}`,
    };
  }
}
