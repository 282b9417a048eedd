/**
 * The meta store of a SQLite database (see meta-schema.ts for the table). Searches run entirely
 * in SQLite through the SQLite dialect. Every method has a synchronous twin, for use inside the
 * caller's transaction. The connection belongs to the caller (who sets its pragmas and closes
 * it); a store adds commit() with its own way of holding the decision (meta-decision.ts).
 */
import {
  ConfigurationError,
  QueryError,
  ValidationError,
  type MetaExpectation,
  type MetaStoreCapabilities,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
} from '@specstar/interfaces';
import { checkResourceIdArgument } from '@specstar/core/adapter';
import { translateCount, translateSearch, type SqlQuery } from '../query';
import { atomically, type SqliteConnection, type SqliteStatement } from './connection';
import { DataKey } from './data-key';
import { SqliteDialect, type SqlValue } from './dialect';
import { quoteIdentifier } from './identifiers';
import { createMetaSchema, prepareMetaStatements, ITERATION_PAGE, type MetaStatements } from './meta-schema';
import { META_READ_COLUMNS, decodeMetaRecord, encodedMetaRow, metaFromReadColumns } from './meta-row';
import { registerSearchFunctions } from './search-functions';

export interface SqliteMetaTableOptions {
  /** Table name (default `meta`); any name, quoted in SQL. */
  table?: string;
}

/** Expression indexes created on demand per table; past this, queries on new keys still work, unindexed. */
export const MAX_AUTO_INDEXES = 64;
const STATEMENT_CACHE_SIZE = 256;

function isSqliteError(error: unknown): error is Error & { code: string } {
  const code: unknown = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('SQLITE_');
}

export class SqliteMetaTable {
  readonly capabilities: MetaStoreCapabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true };
  readonly table: string;
  private readonly quoted: string;
  private readonly statements = new Map<string, SqliteStatement>();
  private readonly knownIndexes = new Set<string>();
  /** Keys whose index is known to exist (spares a digest per search). */
  private readonly indexedKeys = new Set<string>();
  private readonly write: MetaStatements;

  constructor(
    protected readonly db: SqliteConnection,
    options: SqliteMetaTableOptions = {},
  ) {
    const table = options.table ?? 'meta';
    if (typeof table !== 'string' || table === '' || table.includes('\0') || /^sqlite_/i.test(table)) {
      throw new ConfigurationError(`Invalid meta table name ${JSON.stringify(table)}: use a non-empty name without NUL that does not start with sqlite_`);
    }
    this.table = table;
    this.quoted = quoteIdentifier(table);
    registerSearchFunctions(db);
    if (!db.readonly) createMetaSchema(db, table);
    this.write = prepareMetaStatements(db, table);
    for (const name of this.write.autoIndexes.all({ table, prefix: `${table}_ix_` }) as string[]) this.knownIndexes.add(name);
  }

  // ---- synchronous API ------------------------------------------------------------------

  getSync(resourceId: string): ResourceMeta | undefined {
    checkResourceIdArgument(resourceId);
    const record = this.write.get.get(resourceId) as Buffer | undefined;
    return record === undefined ? undefined : decodeMetaRecord(record);
  }

  hasSync(resourceId: string): boolean {
    checkResourceIdArgument(resourceId);
    return this.write.has.get(resourceId) !== undefined;
  }

  /** Upsert. */
  putSync(meta: ResourceMeta): void {
    this.write.upsert.run(encodedMetaRow(meta));
  }

  /** Create-if-absent: false (writing nothing) when the id exists. */
  insertSync(meta: ResourceMeta): boolean {
    return this.write.insert.run(encodedMetaRow(meta)).changes > 0;
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
    return this.write.putIfCurrent.run({ ...encodedMetaRow(meta), expected }).changes > 0;
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
    const rows = metas.map((meta) => encodedMetaRow(meta)); // validate everything before writing anything
    atomically(this.db, () => {
      for (const row of rows) this.write.upsert.run(row);
    });
  }

  /** The page of metas matching the query, sorted, offset and limit applied. */
  searchSync(query: ResourceMetaSearchQuery): ResourceMeta[] {
    return this.searchColumns(query, META_READ_COLUMNS).map(metaFromReadColumns);
  }

  /**
   * The ids of `searchSync`'s page, in its order. A key's index holds resource_id, so an indexed
   * condition answers this from the index alone, without reading a table row: a caller with its
   * own decoded metas (a cache) pays only for the ones it lacks.
   */
  searchIdsSync(query: ResourceMetaSearchQuery): string[] {
    return this.searchColumns(query, 'resource_id').map((row) => row[0] as string);
  }

  /** The metas of these ids that exist, in one statement. */
  getManySync(resourceIds: readonly string[]): Map<string, ResourceMeta> {
    const found = new Map<string, ResourceMeta>();
    if (resourceIds.length === 0) return found;
    const rows = this.statement(`SELECT ${META_READ_COLUMNS} FROM ${this.quoted} WHERE resource_id IN (SELECT value FROM json_each(?))`)
      .raw()
      .all(JSON.stringify(resourceIds)) as unknown[][];
    for (const row of rows) found.set(row[1] as string, metaFromReadColumns(row));
    return found;
  }

  private searchColumns(query: ResourceMetaSearchQuery, columns: string): unknown[][] {
    const first = translateSearch(query, new SqliteDialect());
    let sql = first;
    try {
      if (sql.limit === 0) return [];
      this.ensureIndexes(sql);
      const run = (): unknown[][] => {
        sql = this.withoutNeedlessSortKeys(query, first);
        return this.statement(this.searchText(sql, columns)).raw().all({ ...sql.dialect.params, offset: sql.offset }) as unknown[][];
      };
      // The check of withoutNeedlessSortKeys and the search must see the same rows.
      return first.dialect.compositeSorts.size === 0 ? run() : atomically(this.db, run);
    } finally {
      first.dialect.release();
      sql.dialect.release();
    }
  }

  /** The number of matching metas; sorts, limit and offset are ignored. */
  countSync(query: ResourceMetaSearchQuery): number {
    const sql = translateCount(query, new SqliteDialect());
    try {
      this.ensureIndexes(sql);
      return this.statement(`SELECT count(*) FROM ${this.quoted} WHERE ${sql.where}`).pluck().get(sql.dialect.params) as number;
    } finally {
      sql.dialect.release();
    }
  }

  /**
   * The SQL and bound parameters a search runs, for EXPLAIN QUERY PLAN and debugging. Creates
   * the expression indexes the search would create.
   */
  explainSearch(query: ResourceMetaSearchQuery): { sql: string; params: Record<string, SqlValue>; plan: string[] } {
    const first = translateSearch(query, new SqliteDialect());
    let sql = first;
    try {
      this.ensureIndexes(sql);
      sql = this.withoutNeedlessSortKeys(query, first);
      const text = this.searchText(sql, META_READ_COLUMNS);
      const params = { ...sql.dialect.params, offset: sql.offset };
      const plan = (this.db.prepare(`EXPLAIN QUERY PLAN ${text}`).all(params) as { detail: string }[]).map((row) => row.detail);
      return { sql: text, params, plan };
    } finally {
      first.dialect.release();
      sql.dialect.release();
    }
  }

  // ---- IMetaStore (without commit) ---------------------------------------------------------

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
      const metas = page.map(([, record]) => decodeMetaRecord(record));
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

  /** Drops cached statements; the connection stays open (it belongs to the caller). */
  async close(): Promise<void> {
    this.statements.clear();
  }

  // ---- internals -------------------------------------------------------------------------

  /**
   * A data sort orders lists and maps by a sort key SQLite cannot read off the key's index, so
   * it would sort every row of the first group of equal values. Where no row holds a list or a
   * map under the key (an index seek on its rank says so), the query is translated again
   * without that term and the index gives the whole order. Runs in the caller's snapshot.
   */
  private withoutNeedlessSortKeys(query: ResourceMetaSearchQuery, sql: SqlQuery<SqliteDialect>): SqlQuery<SqliteDialect> {
    const scalarOnly = new Set<string>();
    for (const key of sql.dialect.compositeSorts) {
      if (!this.indexedKeys.has(key)) continue; // unindexed, the check would scan the table
      const rank = new DataKey(key).rank;
      if (this.statement(`SELECT EXISTS (SELECT 1 FROM ${this.quoted} WHERE ${rank} IN (4, 5))`).pluck().get() === 0) scalarOnly.add(key);
    }
    return scalarOnly.size === 0 ? sql : translateSearch(query, new SqliteDialect({ scalarSortKeys: scalarOnly }));
  }

  /**
   * The SELECT of a search. The limit is written out (pages come in few sizes): bound, it makes
   * SQLite's statement several times slower on every run.
   */
  private searchText(sql: SqlQuery<SqliteDialect>, columns: string): string {
    const limit = Number.isSafeInteger(sql.limit) ? sql.limit : -1; // -1: no limit
    return `SELECT ${columns} FROM ${this.quoted} WHERE ${sql.where} ORDER BY ${sql.orderBy} LIMIT ${limit} OFFSET @offset`;
  }

  /** A prepared statement per SQL text (per query shape), least recently used dropped first. */
  private statement(sql: string): SqliteStatement {
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
   * Creates the (rank, value, resource_id) expression index of every indexed_data key the query filters or
   * sorts on, the first time it is asked for. The store cannot know a model's indexed fields,
   * so indexes follow use. Best effort: outside a caller's transaction (which could roll the
   * index back) and on a writable connection only; a failure leaves the search unindexed.
   */
  private ensureIndexes(sql: SqlQuery<SqliteDialect>): void {
    const keys = sql.dialect.indexKeys;
    if (keys.size === 0 || this.db.readonly || this.db.inTransaction) return;
    for (const key of keys) {
      if (this.indexedKeys.has(key)) continue;
      const index = new DataKey(key).indexDefinition(this.table);
      if (this.knownIndexes.has(index.name)) {
        this.indexedKeys.add(key);
        continue;
      }
      if (this.knownIndexes.size >= MAX_AUTO_INDEXES) return;
      try {
        this.db.exec(index.sql);
        this.knownIndexes.add(index.name);
        this.indexedKeys.add(key);
        if (this.knownIndexes.delete(index.legacy)) this.db.exec(`DROP INDEX IF EXISTS ${quoteIdentifier(index.legacy)}`);
      } catch {
        // Locked by another writer, read-only file, disk full, connection busy: search unindexed.
      }
    }
  }
}
