/**
 * IMetaStore.commit for a SQLite meta table whose payloads live in another store. The decision
 * (expectation and unique claims) must stay held while the payload is written, but the meta
 * database's own write lock cannot be held that long: the payload store may write to the same
 * file (DiskResourceStore keeps its index there), and other writers would stall. So commits of
 * one database serialise on a commit lock instead, a second SQLite file next to it (OS file
 * locks: released when a process dies), taken without blocking the event loop:
 *
 *   1. lock   in-process queue per database, then BEGIN IMMEDIATE on the lock file (retried
 *             asynchronously while another process holds it)
 *   2. decide expectation + claims against the meta table; a refusal writes nothing
 *   3. payload write.beforeWrite()
 *   4. write  one short IMMEDIATE transaction on the meta database that checks again (a writer
 *             that does not take the commit lock, such as DiskStorage, may have moved first) and
 *             writes the meta
 *   5. unlock
 */
import Database from 'better-sqlite3';
import { ConfigurationError, type MetaCommit } from '@specstar/interfaces';
import { SerialLock } from '@specstar/core/adapter';
import { applyMetaCommit, metaRefusal, type SyncMetaTable } from '@specstar/storage-sql';

/** How long a commit waits for another process's commit lock before giving up. */
const LOCK_WAIT_MS = 30_000;

/** In-process queues, one per database file (connections to one file share it). */
const queues = new Map<string, { lock: SerialLock; users: number }>();

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

export class SqliteMetaCommitter {
  private readonly key: string;
  private readonly queue: { lock: SerialLock; users: number };
  /** Opened on first commit; undefined for an in-memory database (no other process can see it). */
  private lockDb: Database.Database | undefined;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly table: SyncMetaTable,
  ) {
    const file = db.name;
    this.key = db.memory || file === '' ? `memory:${Math.random()}` : file;
    let queue = queues.get(this.key);
    if (queue === undefined) queues.set(this.key, (queue = { lock: new SerialLock(), users: 0 }));
    queue.users++;
    this.queue = queue;
  }

  commit(write: MetaCommit): Promise<void> {
    return this.queue.lock.run(async () => {
      const release = await this.lockAcrossProcesses();
      try {
        const refused = metaRefusal(this.table, write);
        if (refused !== undefined) throw refused;
        await write.beforeWrite?.();
        // Decided again: a writer that does not take the commit lock may have moved first.
        this.db.transaction(() => applyMetaCommit(this.table, write)).immediate();
      } finally {
        release();
      }
    });
  }

  /** Takes the commit lock file's write lock; resolves to its release. */
  private async lockAcrossProcesses(): Promise<() => void> {
    if (this.key.startsWith('memory:')) return () => undefined;
    if (this.closed) throw new ConfigurationError(`The SQLite meta store of ${this.db.name} is closed`);
    this.lockDb ??= this.openLockDb();
    const lockDb = this.lockDb;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        lockDb.exec('BEGIN IMMEDIATE');
        return () => {
          if (lockDb.inTransaction) lockDb.exec('ROLLBACK');
        };
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
        // Another process is committing: wait without blocking this process's event loop.
        await sleep(Math.min(1 + attempt, 20) * (0.5 + Math.random()));
      }
    }
  }

  private openLockDb(): Database.Database {
    const lockDb = new Database(`${this.db.name}.commit-lock`);
    lockDb.pragma('busy_timeout = 0');
    return lockDb;
  }

  /** After the commits already queued. */
  close(): Promise<void> {
    return this.queue.lock.run(async () => {
      if (this.closed) return;
      this.closed = true;
      this.lockDb?.close();
      if (--this.queue.users === 0) queues.delete(this.key);
    });
  }
}
