/**
 * Btree expression indexes on indexed_data keys, made on demand: the store cannot know a
 * model's indexed fields, so an index follows the first search that filters or sorts on a key
 * (as the SQLite meta table does). One index per key serves eq, ranges, `in` and sorts with a
 * limit (columns: PostgresDataKey.indexDefinition). Built CONCURRENTLY on a connection of its
 * own, so writes to the table go on while it builds (a plain CREATE INDEX would hold them for the
 * whole build of a large table). Best effort: while it cannot be made (a read-only role, a build
 * that failed), searches still answer, without it.
 */
import { PostgresDataKey, keyDigest } from '@specstar/storage-sql';
import { fitIdentifier, quoteIdentifier, type TableNames } from './schema';

/** Expression indexes made on demand per table; past this, searches on new keys still work, unindexed. */
export const MAX_AUTO_INDEXES = 64;
const RETRY_AFTER_MS = 30_000;
/** While another connection builds on the table, searches go on unindexed and look again after this. */
const BUSY_RETRY_MS = 500;

interface Unsafe {
  unsafe(query: string, parameters?: readonly unknown[]): PromiseLike<unknown>;
}

/** What creating an index needs of the pool: a connection of its own (postgres.js `sql.reserve`), outside any transaction. */
export interface IndexExec extends Unsafe {
  reserve?: () => Promise<Unsafe & { release(): void }>;
}

export class DataIndexes {
  /** Index names known to exist, loaded from the catalog on first use. */
  private existing: Promise<Set<string>> | undefined;
  private readonly pending = new Map<string, Promise<void>>();
  /** Builds of this store run one after another: two concurrent builds on one table deadlock. */
  private queue: Promise<unknown> = Promise.resolve();
  /** When an index may be tried again (a build failed, or another connection was building). */
  private readonly retryAt = new Map<string, number>();
  private readonly indexNames = new Map<string, string>();

  constructor(private readonly names: TableNames) {}

  /** The index name of a key: the table's name, a marker and a digest of the key. */
  indexName(key: string): string {
    let name = this.indexNames.get(key);
    if (name === undefined) {
      name = fitIdentifier(`${this.names.meta}_k_${keyDigest(key)}`);
      if (this.indexNames.size < MAX_AUTO_INDEXES * 4) this.indexNames.set(key, name); // bounded: keys come from queries
    }
    return name;
  }

  /** Makes sure every key has its index before the statement that reads through it runs. */
  async ensure(exec: IndexExec, keys: ReadonlySet<string>): Promise<void> {
    if (keys.size === 0 || exec.reserve === undefined) return; // inside a transaction: never build there
    const existing = await this.load(exec);
    const waits: Promise<void>[] = [];
    for (const key of keys) {
      const name = this.indexName(key);
      if (existing.has(name)) continue;
      if (existing.size >= MAX_AUTO_INDEXES) break;
      const retry = this.retryAt.get(name);
      if (retry !== undefined && Date.now() < retry) continue;
      let job = this.pending.get(name);
      if (job === undefined) {
        const queued = this.queue.then(() => this.create(exec, key, name, existing));
        this.queue = queued;
        job = queued.finally(() => this.pending.delete(name));
        this.pending.set(name, job);
      }
      waits.push(job);
    }
    await Promise.all(waits);
  }

  private load(exec: IndexExec): Promise<Set<string>> {
    this.existing ??= Promise.resolve(
      exec.unsafe(
        'SELECT c.relname AS indexname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid ' +
          'WHERE t.relname = $1 AND t.relnamespace = current_schema()::regnamespace AND i.indisvalid',
        [this.names.meta],
      ),
    ).then(
      // Valid indexes only: an interrupted concurrent build leaves an INVALID one, rebuilt on demand.
      (rows) => new Set((rows as { indexname: string }[]).map((row) => row.indexname)),
      (error: unknown) => {
        this.existing = undefined;
        throw error;
      },
    );
    return this.existing;
  }

  /**
   * Builds one index, or leaves it to whoever is building on the table now. CREATE INDEX
   * CONCURRENTLY waits for every transaction older than itself, ANALYZE takes the table lock a
   * concurrent build holds: two builds (or a build and an ANALYZE) on one table, in this process
   * or another, deadlock. So one build per table at a time, under a table-wide advisory lock taken
   * with a try (a session blocked waiting for it would be one of the transactions the build
   * waits for): when it is taken, this search goes on unindexed and the next ones look again.
   */
  private async create(exec: IndexExec, key: string, name: string, existing: Set<string>): Promise<void> {
    const quoted = quoteIdentifier(name);
    const build = new PostgresDataKey(key).indexDefinition(this.names.metaSql, quoted).replace(/^CREATE INDEX /, 'CREATE INDEX CONCURRENTLY ');
    const lock = `specstar:ix:${this.names.meta}`;
    let connection: (Unsafe & { release(): void }) | undefined;
    try {
      connection = await exec.reserve!();
      const [taken] = (await connection.unsafe('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS taken', [lock])) as { taken: boolean }[];
      if (!taken?.taken) {
        this.retryAt.set(name, Date.now() + BUSY_RETRY_MS);
        return;
      }
      try {
        const state = (await connection.unsafe('SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1', [name])) as { valid: boolean }[];
        if (state[0]?.valid !== true) {
          // A build that was interrupted left the name taken by an INVALID index: it never becomes usable, so drop it first.
          if (state.length > 0) await connection.unsafe(`DROP INDEX CONCURRENTLY IF EXISTS ${quoted}`);
          await connection.unsafe(build);
          // Statistics of the new index's expressions, so the planner knows how selective a value is
          // (until the next ANALYZE it would guess, and pick a bitmap of every match over the page).
          // On the reserved connection: a pool of one has no other to give while this one is held.
          await connection.unsafe(`ANALYZE ${this.names.metaSql}`);
        }
      } finally {
        await connection.unsafe('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [lock]);
      }
      existing.add(name);
      this.retryAt.delete(name);
    } catch {
      this.retryAt.set(name, Date.now() + RETRY_AFTER_MS); // the search runs unindexed; a later one tries again
    } finally {
      connection?.release();
    }
  }
}
