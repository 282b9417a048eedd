/**
 * The part of a SQLite connection the meta table needs. better-sqlite3's `Database` fits it as
 * it is, so this package stays free of a driver: a store opens the connection with its driver
 * and hands it over.
 */
import type { SqliteFunctionHost } from './search-functions';

/** A prepared statement (better-sqlite3's `Statement`). */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  /** Rows as their first column. */
  pluck(toggle?: boolean): this;
  /** Rows as arrays. */
  raw(toggle?: boolean): this;
  safeIntegers(toggle?: boolean): this;
}

export interface SqliteConnection extends SqliteFunctionHost {
  readonly readonly: boolean;
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
}

/**
 * Runs `fn` atomically: its own transaction, or a savepoint inside the caller's (as
 * better-sqlite3's `db.transaction()` does). A throw rolls back everything `fn` wrote.
 */
export function atomically<T>(db: SqliteConnection, fn: () => T): T {
  if (db.inTransaction) {
    db.exec('SAVEPOINT specstar_atomic');
    try {
      const result = fn();
      db.exec('RELEASE specstar_atomic');
      return result;
    } catch (error) {
      db.exec('ROLLBACK TO specstar_atomic; RELEASE specstar_atomic');
      throw error;
    }
  }
  db.exec('BEGIN');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}
