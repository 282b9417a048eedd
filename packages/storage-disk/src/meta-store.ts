/**
 * The meta store of a SQLite database: @specstar/storage-sql's SqliteMetaTable (the table, its
 * statements and the search push-down, shared with the S3-synced meta store) on a better-sqlite3
 * connection, with commit() serialised across processes by the commit lock file (meta-commit.ts).
 *
 * The connection belongs to the caller (who sets WAL, busy timeout and closes it). Every method
 * has a synchronous twin, for use inside the caller's `db.transaction()`.
 */
import type Database from 'better-sqlite3';
import type { IMetaStore, MetaCommit } from '@specstar/interfaces';
import { SqliteMetaTable, encodedMetaRow, type SqliteMetaTableOptions } from '@specstar/storage-sql';
import { SqliteMetaCommitter } from './meta-commit';

export { MAX_AUTO_INDEXES } from '@specstar/storage-sql';

export type SqliteMetaStoreOptions = SqliteMetaTableOptions;

export class SqliteMetaStore extends SqliteMetaTable implements IMetaStore {
  /** Made by the first commit() (a store used only through the synchronous API never needs it). */
  private committer: SqliteMetaCommitter | undefined;

  constructor(
    private readonly database: Database.Database,
    options: SqliteMetaStoreOptions = {},
  ) {
    super(database, options);
  }

  /** See SqliteMetaCommitter: serialised per database across processes by a commit lock file. */
  async commit(write: MetaCommit): Promise<void> {
    encodedMetaRow(write?.meta); // bad input is refused before anything is written
    this.committer ??= new SqliteMetaCommitter(this.database, this);
    await this.committer.commit(write);
  }

  /** Drops cached statements; the connection stays open (it belongs to the caller). */
  override async close(): Promise<void> {
    await this.committer?.close();
    await super.close();
  }
}
