/**
 * The local working copy of a meta database: a SQLite file in a directory of its own (under the
 * system temp dir unless told otherwise), removed at close. Writes not yet uploaded stay inside
 * one open transaction, each in a savepoint: the upload sends the connection's view of the file
 * (serialize() reads through the connection, so it includes them), and a refused upload rolls
 * the transaction back, leaving exactly the last synced state.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteMetaTable } from '@specstar/storage-sql';
import { MetaObjectError } from './meta-errors';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
const DB_FILE = 'meta.sqlite3';

export class LocalMetaCopy {
  readonly dir: string;
  readonly file: string;
  private db: Database.Database;
  private current: SqliteMetaTable;

  /** An empty copy in a fresh directory under `parentDir` (default: the system temp dir). */
  constructor(
    parentDir: string | undefined,
    private readonly source: { bucket: string; key: string },
  ) {
    const parent = parentDir ?? os.tmpdir();
    fs.mkdirSync(parent, { recursive: true });
    this.dir = fs.mkdtempSync(path.join(parent, 'specstar-s3-meta-'));
    this.file = path.join(this.dir, DB_FILE);
    [this.db, this.current] = this.open();
  }

  /** The table of the copy as it is now (a new object after every replace()). */
  get table(): SqliteMetaTable {
    return this.current;
  }

  /** Whether writes wait in the open transaction. */
  get pending(): boolean {
    return this.db.inTransaction;
  }

  /** Swaps the copy for `bytes` (a database image), or for an empty database. */
  replace(bytes: Uint8Array | undefined): void {
    if (bytes !== undefined && bytes.byteLength > 0 && !SQLITE_HEADER.equals(Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 16)))) {
      throw new MetaObjectError(this.source.bucket, this.source.key, 'it does not start with the SQLite header');
    }
    const previous = this.file + '.previous';
    this.closeConnection();
    fs.renameSync(this.file, previous);
    try {
      if (bytes !== undefined && bytes.byteLength > 0) fs.writeFileSync(this.file, bytes);
      [this.db, this.current] = this.open();
      fs.rmSync(previous, { force: true });
    } catch (error) {
      // Keep what we had: the store stays usable on its last synced state.
      fs.rmSync(this.file, { force: true });
      fs.renameSync(previous, this.file);
      [this.db, this.current] = this.open();
      throw error instanceof MetaObjectError ? error : new MetaObjectError(this.source.bucket, this.source.key, (error as Error).message);
    }
  }

  /**
   * Applies one write on top of the pending ones, in a savepoint: a throw undoes that write
   * alone and reaches the caller.
   */
  apply<T>(write: (table: SqliteMetaTable) => T): T {
    if (!this.db.inTransaction) this.db.exec('BEGIN IMMEDIATE');
    this.db.exec('SAVEPOINT specstar_write');
    try {
      const result = write(this.current);
      this.db.exec('RELEASE specstar_write');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK TO specstar_write; RELEASE specstar_write');
      throw error;
    }
  }

  /** The database as the connection sees it, pending writes included. */
  image(): Buffer {
    return this.db.serialize();
  }

  /** The pending writes become the synced state. */
  commit(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
  }

  /** Back to the last synced state. */
  rollback(): void {
    if (this.db.inTransaction) this.db.exec('ROLLBACK');
  }

  close(): void {
    this.closeConnection();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private open(): [Database.Database, SqliteMetaTable] {
    const db = new Database(this.file);
    try {
      // The bucket holds the durable copy; this one is rebuilt from it at every start.
      db.pragma('synchronous = OFF');
      return [db, new SqliteMetaTable(db)];
    } catch (error) {
      db.close();
      throw error;
    }
  }

  private closeConnection(): void {
    void this.current.close();
    if (this.db.open) this.db.close();
  }
}
