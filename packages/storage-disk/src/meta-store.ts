/**
 * The meta store of a SQLite database: one row per resource, with a real column for every meta
 * attribute a query can name, indexed_data as JSONB, and the full encoded meta so reads return
 * exactly what was written. Searches run entirely in SQLite (@specstar/storage-sql's SQLite dialect).
 *
 * The connection belongs to the caller (who sets WAL, busy timeout and closes it). Every method
 * has a synchronous twin, for use inside the caller's `db.transaction()`.
 */
import type Database from 'better-sqlite3';
import {
  ConfigurationError,
  QueryError,
  ValidationError,
  type IMetaStore,
  type MetaCommit,
  type MetaExpectation,
  type MetaStoreCapabilities,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
} from '@specstar/interfaces';
import { asBuffer, checkResourceIdArgument, decodeMeta, encodeRecord } from '@specstar/core/adapter';
import { SqliteMetaCommitter } from './meta-commit';
import {
  DATA_COLUMN,
  META_COLUMNS,
  REV_NULL_MASK_COLUMN,
  SqliteDataKey,
  SqliteDialect,
  metaColumnValues,
  quoteIdentifier,
  registerSearchFunctions,
  translateCount,
  translateSearch,
  type SqlQuery,
  type SqlValue,
} from '@specstar/storage-sql';

export interface SqliteMetaStoreOptions {
  /** Table name (default `meta`); any name, quoted in SQL. */
  table?: string;
}

/** Expression indexes created on demand per table; past this, queries on new keys still work, unindexed. */
export const MAX_AUTO_INDEXES = 64;
const STATEMENT_CACHE_SIZE = 256;
/** Rows per round trip of keys() / values(), so no cursor stays open across an await. */
const ITERATION_PAGE = 500;

const COLUMNS = [...Object.keys(META_COLUMNS), REV_NULL_MASK_COLUMN];
/** indexed_data is taken from the encoded record itself, so search sees exactly what get() returns. */
const INDEXED_DATA_FROM_RECORD = `jsonb_extract(CAST(@record AS TEXT), '$.indexed_data')`;

function isSqliteError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

export class SqliteMetaStore implements IMetaStore {
  readonly capabilities: MetaStoreCapabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true };
  readonly table: string;
  private readonly quoted: string;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly knownIndexes = new Set<string>();
  /** Made by the first commit() (a store used only through the synchronous API never needs it). */
  private committer: SqliteMetaCommitter | undefined;
  private readonly write: {
    upsert: Database.Statement;
    insert: Database.Statement;
    putIfCurrent: Database.Statement;
    delete: Database.Statement;
    get: Database.Statement;
    has: Database.Statement;
    size: Database.Statement;
    firstKeys: Database.Statement;
    nextKeys: Database.Statement;
    firstRecords: Database.Statement;
    nextRecords: Database.Statement;
  };

  constructor(
    private readonly db: Database.Database,
    options: SqliteMetaStoreOptions = {},
  ) {
    const table = options.table ?? 'meta';
    if (typeof table !== 'string' || table === '' || table.includes('\0') || /^sqlite_/i.test(table)) {
      throw new ConfigurationError(`Invalid meta table name ${JSON.stringify(table)}: use a non-empty name without NUL that does not start with sqlite_`);
    }
    this.table = table;
    this.quoted = quoteIdentifier(table);
    registerSearchFunctions(db);
    if (!db.readonly) this.createSchema();
    for (const name of this.db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND substr(name, 1, length(?)) = ?`)
      .pluck()
      .all(table, `${table}_ix_`, `${table}_ix_`) as string[]) {
      this.knownIndexes.add(name);
    }
    this.write = this.prepareStatements();
  }

  private createSchema(): void {
    const t = this.quoted;
    this.db.exec(`
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
      CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${this.table}_created_time`)} ON ${t} (created_time, resource_id);
      CREATE INDEX IF NOT EXISTS ${quoteIdentifier(`${this.table}_updated_time`)} ON ${t} (updated_time, resource_id);
    `);
  }

  private prepareStatements(): SqliteMetaStore['write'] {
    const t = this.quoted;
    const insertColumns = `(${COLUMNS.join(', ')}, ${DATA_COLUMN}, record)`;
    const insertValues = `(${COLUMNS.map((c) => `@${c}`).join(', ')}, ${INDEXED_DATA_FROM_RECORD}, @record)`;
    const assignments = [...COLUMNS.filter((c) => c !== 'resource_id').map((c) => `${c} = @${c}`), `${DATA_COLUMN} = ${INDEXED_DATA_FROM_RECORD}`, 'record = @record'].join(', ');
    const prepare = (sql: string): Database.Statement => this.db.prepare(sql).safeIntegers(false);
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
    };
  }

  // ---- synchronous API ------------------------------------------------------------------

  getSync(resourceId: string): ResourceMeta | undefined {
    checkResourceIdArgument(resourceId);
    const record = this.write.get.get(resourceId) as Buffer | undefined;
    return record === undefined ? undefined : decodeMeta(record, 'json');
  }

  hasSync(resourceId: string): boolean {
    checkResourceIdArgument(resourceId);
    return this.write.has.get(resourceId) !== undefined;
  }

  /** Upsert. */
  putSync(meta: ResourceMeta): void {
    this.write.upsert.run(this.row(meta));
  }

  /** Create-if-absent: false (writing nothing) when the id exists. */
  insertSync(meta: ResourceMeta): boolean {
    return this.write.insert.run(this.row(meta)).changes > 0;
  }

  /** Compare-and-set on current_revision_id: false (writing nothing) when the stored meta differs or is absent. */
  putIfCurrentSync(meta: ResourceMeta, expect: MetaExpectation): boolean {
    const expected: unknown = expect?.current_revision_id;
    if (typeof expected !== 'string') {
      throw new ValidationError('A compare-and-set expectation needs current_revision_id as a string', {
        kind: 'input',
        issues: [{ path: '/current_revision_id', message: 'must be a string' }],
      });
    }
    return this.write.putIfCurrent.run({ ...this.row(meta), expected }).changes > 0;
  }

  /** Another live resource whose indexed `field` equals `value` (the search's eq is type-strict). */
  uniqueHolderSync(field: string, value: unknown, exceptId: string): string | undefined {
    const holders = this.searchSync({
      is_deleted: false,
      data_conditions: [{ type: 'DataSearchCondition', field_path: field, operator: 'eq', value, transform: null }],
      limit: 2,
      offset: 0,
    });
    return holders.find((meta) => meta.resource_id !== exceptId)?.resource_id;
  }

  deleteSync(resourceId: string): boolean {
    checkResourceIdArgument(resourceId);
    return this.write.delete.run(resourceId).changes > 0;
  }

  sizeSync(): number {
    return this.write.size.get() as number;
  }

  putManySync(metas: readonly ResourceMeta[]): void {
    if (!Array.isArray(metas)) {
      throw new ValidationError('putMany needs a list of metas', { kind: 'input', issues: [{ path: '', message: 'must be a list' }] });
    }
    const rows = metas.map((meta) => this.row(meta)); // validate everything before writing anything
    this.db.transaction(() => {
      for (const row of rows) this.write.upsert.run(row);
    })();
  }

  /** The page of metas matching the query, sorted, offset and limit applied. */
  searchSync(query: ResourceMetaSearchQuery): ResourceMeta[] {
    const sql = translateSearch(query, new SqliteDialect());
    try {
      if (sql.limit === 0) return [];
      this.ensureIndexes(sql);
      const statement = this.statement(
        `SELECT record FROM ${this.quoted} WHERE ${sql.where} ORDER BY ${sql.orderBy} LIMIT @limit OFFSET @offset`,
      ).pluck();
      const records = statement.all({ ...sql.dialect.params, limit: sql.limit, offset: sql.offset }) as Buffer[];
      return records.map((record) => decodeMeta(record, 'json'));
    } finally {
      sql.dialect.release();
    }
  }

  /** The number of matching metas; sorts, limit and offset are ignored. */
  countSync(query: ResourceMetaSearchQuery): number {
    const sql = translateCount(query, new SqliteDialect());
    try {
      this.ensureIndexes(sql);
      const statement = this.statement(`SELECT count(*) FROM ${this.quoted} WHERE ${sql.where}`).pluck();
      return statement.get(sql.dialect.params) as number;
    } finally {
      sql.dialect.release();
    }
  }

  /**
   * The SQL and bound parameters a search runs, for EXPLAIN QUERY PLAN and debugging. Creates
   * the expression indexes the search would create.
   */
  explainSearch(query: ResourceMetaSearchQuery): { sql: string; params: Record<string, SqlValue>; plan: string[] } {
    const sql = translateSearch(query, new SqliteDialect());
    try {
      this.ensureIndexes(sql);
      const text = `SELECT record FROM ${this.quoted} WHERE ${sql.where} ORDER BY ${sql.orderBy} LIMIT @limit OFFSET @offset`;
      const params = { ...sql.dialect.params, limit: sql.limit, offset: sql.offset };
      const plan = (this.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((row) => row.detail);
      return { sql: text, params, plan };
    } finally {
      sql.dialect.release();
    }
  }

  // ---- IMetaStore ------------------------------------------------------------------------

  async get(resourceId: string): Promise<ResourceMeta | undefined> {
    return this.getSync(resourceId);
  }

  async put(meta: ResourceMeta): Promise<void> {
    this.putSync(meta);
  }

  async delete(resourceId: string): Promise<boolean> {
    return this.deleteSync(resourceId);
  }

  async has(resourceId: string): Promise<boolean> {
    return this.hasSync(resourceId);
  }

  /** Every id, in resource_id order, read a page at a time. */
  async *keys(): AsyncIterable<string> {
    let page = this.write.firstKeys.all() as string[];
    for (;;) {
      yield* page;
      if (page.length < ITERATION_PAGE) return;
      page = this.write.nextKeys.all(page[page.length - 1]) as string[];
    }
  }

  /** Every meta (deleted ones included), in resource_id order, read a page at a time. */
  async *values(): AsyncIterable<ResourceMeta> {
    let page = this.write.firstRecords.all() as [string, Buffer][];
    for (;;) {
      // Decode the whole page first: a caller may write between yields.
      const metas = page.map(([, record]) => decodeMeta(record, 'json'));
      yield* metas;
      if (page.length < ITERATION_PAGE) return;
      page = this.write.nextRecords.all((page[page.length - 1] as [string, Buffer])[0]) as [string, Buffer][];
    }
  }

  async size(): Promise<number> {
    return this.sizeSync();
  }

  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    return this.searchSync(query);
  }

  async count(query: ResourceMetaSearchQuery): Promise<number> {
    return this.countSync(query);
  }

  async insert(meta: ResourceMeta): Promise<boolean> {
    return this.insertSync(meta);
  }

  async putIfCurrent(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    return this.putIfCurrentSync(meta, expect);
  }

  async putMany(metas: ResourceMeta[]): Promise<void> {
    this.putManySync(metas);
  }

  /** See SqliteMetaCommitter: serialised per database across processes by a commit lock file. */
  async commit(write: MetaCommit): Promise<void> {
    this.row(write?.meta); // bad input is refused before anything is written
    this.committer ??= new SqliteMetaCommitter(this.db, this);
    await this.committer.commit(write);
  }

  /** Drops cached statements; the connection stays open (it belongs to the caller). */
  async close(): Promise<void> {
    await this.committer?.close();
    this.statements.clear();
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * The column values of a meta. It is encoded, then decoded again: what reaches the table is
   * exactly what reads will return, and a meta that would not read back is refused here.
   */
  private row(meta: ResourceMeta): Record<string, SqlValue> {
    if (meta === null || typeof meta !== 'object') {
      throw new ValidationError('A meta must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
    }
    const record = asBuffer(encodeRecord('meta', meta, 'json'));
    return { ...metaColumnValues(decodeMeta(record, 'json')), record };
  }

  /** A prepared statement per SQL text (per query shape), least recently used dropped first. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement !== undefined) {
      this.statements.delete(sql);
    } else {
      try {
        statement = this.db.prepare(sql).safeIntegers(false);
      } catch (error) {
        // Generated SQL only fails to compile when a query exceeds SQLite's limits.
        if (isSqliteError(error) && error.code !== 'SQLITE_BUSY' && error.code !== 'SQLITE_LOCKED') {
          throw new QueryError(`Search query is too large for SQLite (${error.message})`);
        }
        throw error;
      }
      if (this.statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.statements.keys().next().value as string;
        this.statements.delete(oldest);
      }
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /**
   * Creates the (rank, value) expression index of every indexed_data key the query filters or
   * sorts on, the first time it is asked for. The store cannot know a model's indexed fields,
   * so indexes follow use. Best effort: outside a caller's transaction (which could roll the
   * index back) and on a writable connection only; a failure leaves the search unindexed.
   */
  private ensureIndexes(sql: SqlQuery<SqliteDialect>): void {
    const keys = sql.dialect.indexKeys;
    if (keys.size === 0 || this.db.readonly || this.db.inTransaction) return;
    for (const key of keys) {
      const index = new SqliteDataKey(key).indexDefinition(this.table);
      if (this.knownIndexes.has(index.name)) continue;
      if (this.knownIndexes.size >= MAX_AUTO_INDEXES) return;
      try {
        this.db.exec(index.sql);
        this.knownIndexes.add(index.name);
      } catch {
        // Locked by another writer, read-only file, disk full, connection busy: search unindexed.
      }
    }
  }
}
