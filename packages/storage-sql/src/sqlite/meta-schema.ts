/**
 * The SQLite meta table: one row per resource, a real column for every meta attribute a query
 * can name, indexed_data as JSONB, and the full encoded meta (`record`) so reads return exactly
 * what was written. Here: its DDL and the statements every SQLite meta store runs.
 */
import { META_COLUMNS, REV_NULL_MASK_COLUMN } from '../meta-columns';
import type { SqliteConnection, SqliteStatement } from './connection';
import { DATA_COLUMN } from './data-key';
import { quoteIdentifier } from './identifiers';

/** Rows per round trip of keys() / values(), so no cursor stays open across an await. */
export const ITERATION_PAGE = 500;

const COLUMNS = [...Object.keys(META_COLUMNS), REV_NULL_MASK_COLUMN];
/** indexed_data is taken from the encoded record itself, so search sees exactly what get() returns. */
const INDEXED_DATA_FROM_RECORD = `jsonb_extract(CAST(@record AS TEXT), '$.indexed_data')`;

/** Creates the table and its time indexes when missing. */
export function createMetaSchema(db: SqliteConnection, table: string): void {
  const t = quoteIdentifier(table);
  db.exec(`
    CREATE TABLE IF NOT EXISTS ${t} (
      resource_id TEXT NOT NULL PRIMARY KEY,
      current_revision_id TEXT NOT NULL,
      schema_version TEXT,
      total_revision_count INTEGER NOT NULL,
      created_time INTEGER NOT NULL,
      updated_time INTEGER NOT NULL,
      created_by TEXT NOT NULL,
      updated_by TEXT NOT NULL,
      is_deleted INTEGER NOT NULL,
      rev_status TEXT,
      rev_created_by TEXT,
      rev_updated_by TEXT,
      rev_created_time INTEGER,
      rev_updated_time INTEGER,
      ${REV_NULL_MASK_COLUMN} INTEGER NOT NULL DEFAULT 0,
      ${DATA_COLUMN} BLOB,
      record BLOB NOT NULL
    );
    CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_created_time`)} ON ${t} (created_time, resource_id);
    CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${table}_updated_time`)} ON ${t} (updated_time, resource_id);
  `);
}

/** The statements of the meta table, prepared once per connection. Writes bind a row of encodedMetaRow(). */
export interface MetaStatements {
  upsert: SqliteStatement;
  insert: SqliteStatement;
  /** Binds the row plus `expected` (the current_revision_id it must replace). */
  putIfCurrent: SqliteStatement;
  delete: SqliteStatement;
  get: SqliteStatement;
  has: SqliteStatement;
  size: SqliteStatement;
  firstKeys: SqliteStatement;
  nextKeys: SqliteStatement;
  firstRecords: SqliteStatement;
  nextRecords: SqliteStatement;
  /** Names of the expression indexes created on demand (`<table>_ix_…`). */
  autoIndexes: SqliteStatement;
}

export function prepareMetaStatements(db: SqliteConnection, table: string): MetaStatements {
  const t = quoteIdentifier(table);
  const insertColumns = `(${COLUMNS.join(', ')}, ${DATA_COLUMN}, record)`;
  const insertValues = `(${COLUMNS.map((c) => `@${c}`).join(', ')}, ${INDEXED_DATA_FROM_RECORD}, @record)`;
  const assignments = [...COLUMNS.filter((c) => c !== 'resource_id').map((c) => `${c} = @${c}`), `${DATA_COLUMN} = ${INDEXED_DATA_FROM_RECORD}`, 'record = @record'].join(', ');
  const prepare = (sql: string): SqliteStatement => db.prepare(sql).safeIntegers(false);
  return {
    upsert: prepare(`INSERT INTO ${t} ${insertColumns} VALUES ${insertValues} ON CONFLICT (resource_id) DO UPDATE SET ${assignments}`),
    insert: prepare(`INSERT INTO ${t} ${insertColumns} VALUES ${insertValues} ON CONFLICT (resource_id) DO NOTHING`),
    putIfCurrent: prepare(`UPDATE ${t} SET ${assignments} WHERE resource_id = @resource_id AND current_revision_id = @expected`),
    delete: prepare(`DELETE FROM ${t} WHERE resource_id = ?`),
    get: prepare(`SELECT record FROM ${t} WHERE resource_id = ?`).pluck(),
    has: prepare(`SELECT 1 FROM ${t} WHERE resource_id = ?`).pluck(),
    size: prepare(`SELECT count(*) FROM ${t}`).pluck(),
    firstKeys: prepare(`SELECT resource_id FROM ${t} ORDER BY resource_id LIMIT ${ITERATION_PAGE}`).pluck(),
    nextKeys: prepare(`SELECT resource_id FROM ${t} WHERE resource_id > ? ORDER BY resource_id LIMIT ${ITERATION_PAGE}`).pluck(),
    firstRecords: prepare(`SELECT resource_id, record FROM ${t} ORDER BY resource_id LIMIT ${ITERATION_PAGE}`).raw(),
    nextRecords: prepare(`SELECT resource_id, record FROM ${t} WHERE resource_id > ? ORDER BY resource_id LIMIT ${ITERATION_PAGE}`).raw(),
    autoIndexes: db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = @table AND substr(name, 1, length(@prefix)) = @prefix`)
      .pluck(),
  };
}
