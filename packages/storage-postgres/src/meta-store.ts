/**
 * The meta table of one model: one row per resource, searched entirely in SQL (./sql). Every
 * statement takes an executor, so PostgresStorage can run the same statements inside its commit
 * transaction; the IMetaStore methods run them on the pool.
 */
import {
  ValidationError,
  type IMetaStore,
  type MetaCommit,
  type MetaExpectation,
  type MetaStoreCapabilities,
  type ResourceMeta,
  type ResourceMetaSearchQuery,
  type StoredRevision,
} from '@specstar/interfaces';
import { checkResourceIdArgument, countQuery, decodeInfo, decodeMeta, runQuery } from '@specstar/core/adapter';
import type { PostgresTarget, Sql } from './connection';
import { lastWins } from './last-wins';
import { META_COLUMN_LIST, META_COLUMN_NAMES, META_UPDATE_SET, META_UPSERT_SET, metaRow, valuesTuple, type SqlValue } from './meta-rows';
import { SchemaGate, type TableNames } from './schema';
import { claimsOf, holdingTransaction, takeClaims, writeMetaRow } from './meta-commit';
import { guardPool, type Runner } from './guard';
import { PostgresDialect, decodeMetaJson, translateCount, translateSearch, type SqlQuery } from '@specstar/storage-sql';
import { isStorableText } from './text';
import { DataIndexes } from './data-indexes';

/** Rows of a statement (typed by the caller) and the number of rows it affected. */
export type Rows = Array<Record<string, any>> & { count: number };

/** Anything that runs a statement: the pool or a transaction. */
export interface Exec {
  unsafe(query: string, parameters?: readonly unknown[], options?: { prepare?: boolean }): PromiseLike<Rows>;
}

/** Rows per round trip of keys() / values(), so no cursor stays open across a yield. */
const ITERATION_PAGE = 500;
/** Rows per multi-row INSERT (18 parameters each, well below PostgreSQL's 65535). */
const BATCH_ROWS = 500;

function decodeRow(row: { record: Buffer }): ResourceMeta {
  return decodeMeta(row.record, 'json');
}

/**
 * The encoded meta (JSON) as text: half the bytes of bytea's hex form on the wire, no hex
 * decoding per row, and parsed as it arrives (decodeMetaJson: core's decoder for anything but
 * the canonical form).
 */
const RECORD_TEXT = `convert_from(m.record, 'UTF8')`;

function decodeRecordText(row: { record: string }): ResourceMeta {
  return decodeMetaJson(row.record);
}

/** A limit as SQL text: an integer, or ALL past what bigint holds. */
function pageLimit(limit: number): string {
  return Number.isSafeInteger(limit) && limit >= 0 ? String(limit) : 'ALL';
}

export class MetaTable {
  /** The expression indexes searches on indexed_data keys read through, made on first use. */
  readonly indexes: DataIndexes;

  constructor(readonly names: TableNames) {
    this.indexes = new DataIndexes(names);
  }

  async get(exec: Exec, resourceId: string): Promise<ResourceMeta | undefined> {
    checkResourceIdArgument(resourceId);
    if (!isStorableText(resourceId)) return undefined;
    const rows = await exec.unsafe(`SELECT record FROM ${this.names.metaSql} WHERE resource_id = $1::text`, [resourceId], { prepare: true });
    const row = rows[0] as { record: Buffer } | undefined;
    return row === undefined ? undefined : decodeRow(row);
  }

  /** The meta and, in the same statement, its current revision (under the meta's schema version). */
  async getWithCurrent(exec: Exec, resourceId: string, revisionsSql: string): Promise<{ meta: ResourceMeta; revision?: StoredRevision } | undefined> {
    checkResourceIdArgument(resourceId);
    if (!isStorableText(resourceId)) return undefined;
    const rows = await exec.unsafe(
      `SELECT m.record, r.info, r.data FROM ${this.names.metaSql} m LEFT JOIN ${revisionsSql} r ON r.resource_id = m.resource_id ` +
        `AND r.revision_id = m.current_revision_id AND r.version_key = (CASE WHEN m.schema_version IS NULL THEN '' ELSE 'v' || m.schema_version END) ` +
        `WHERE m.resource_id = $1::text`,
      [resourceId],
      { prepare: true },
    );
    const row = rows[0] as { record: Buffer; info: Buffer | null; data: Buffer | null } | undefined;
    if (row === undefined) return undefined;
    const meta = decodeRow(row);
    if (row.info === null || row.data === null) return { meta };
    return { meta, revision: { info: decodeInfo(row.info, 'json'), data: row.data } };
  }

  async currentRevision(exec: Exec, resourceId: string): Promise<string | undefined> {
    const rows = await exec.unsafe(`SELECT current_revision_id FROM ${this.names.metaSql} WHERE resource_id = $1::text`, [resourceId], { prepare: true });
    return (rows[0] as { current_revision_id: string } | undefined)?.current_revision_id;
  }

  async has(exec: Exec, resourceId: string): Promise<boolean> {
    checkResourceIdArgument(resourceId);
    if (!isStorableText(resourceId)) return false;
    const rows = await exec.unsafe(`SELECT 1 FROM ${this.names.metaSql} WHERE resource_id = $1::text`, [resourceId], { prepare: true });
    return rows.length > 0;
  }

  /** Upsert. */
  async put(exec: Exec, meta: ResourceMeta): Promise<void> {
    await this.putRow(exec, metaRow(meta));
  }

  async putRow(exec: Exec, row: SqlValue[]): Promise<void> {
    await exec.unsafe(
      `INSERT INTO ${this.names.metaSql} (${META_COLUMN_NAMES}) VALUES ${valuesTuple(0)} ON CONFLICT (resource_id) DO UPDATE SET ${META_UPSERT_SET}`,
      row,
      { prepare: true },
    );
  }

  /** Create-if-absent: false (writing nothing) when the id exists. */
  async insert(exec: Exec, meta: ResourceMeta): Promise<boolean> {
    return this.insertRow(exec, metaRow(meta));
  }

  async insertRow(exec: Exec, row: SqlValue[]): Promise<boolean> {
    const result = await exec.unsafe(
      `INSERT INTO ${this.names.metaSql} (${META_COLUMN_NAMES}) VALUES ${valuesTuple(0)} ON CONFLICT (resource_id) DO NOTHING`,
      row,
      { prepare: true },
    );
    return result.count > 0;
  }

  /**
   * Compare-and-set on current_revision_id: false (writing nothing) when the stored meta differs
   * or is absent. Under READ COMMITTED a concurrent writer of the same row makes this one wait and
   * then re-check the condition against the committed row, so exactly one of them wins.
   */
  async putIfCurrent(exec: Exec, meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    const expected: unknown = expect?.current_revision_id;
    if (typeof expected !== 'string') {
      throw new ValidationError('A compare-and-set expectation needs current_revision_id as a string', {
        kind: 'input',
        issues: [{ path: '/current_revision_id', message: 'must be a string' }],
      });
    }
    return this.putRowIfCurrent(exec, metaRow(meta), expected);
  }

  async putRowIfCurrent(exec: Exec, row: SqlValue[], expected: string): Promise<boolean> {
    if (!isStorableText(expected)) return false;
    const result = await exec.unsafe(
      `UPDATE ${this.names.metaSql} SET ${META_UPDATE_SET} WHERE resource_id = $1::text AND current_revision_id = $${row.length + 1}::text`,
      [...row, expected],
      { prepare: true },
    );
    return result.count > 0;
  }

  async delete(exec: Exec, resourceId: string): Promise<boolean> {
    checkResourceIdArgument(resourceId);
    if (!isStorableText(resourceId)) return false;
    const result = await exec.unsafe(`DELETE FROM ${this.names.metaSql} WHERE resource_id = $1::text`, [resourceId], { prepare: true });
    return result.count > 0;
  }

  async size(exec: Exec): Promise<number> {
    const rows = await exec.unsafe(`SELECT count(*)::float8 AS n FROM ${this.names.metaSql}`, [], { prepare: true });
    return (rows[0] as { n: number }).n;
  }

  /** Bulk upsert in multi-row statements (the caller provides the transaction, if any). */
  async putMany(exec: Exec, metas: readonly ResourceMeta[]): Promise<void> {
    if (!Array.isArray(metas)) {
      throw new ValidationError('putMany needs a list of metas', { kind: 'input', issues: [{ path: '', message: 'must be a list' }] });
    }
    const rows = lastWins(metas, (meta) => meta?.resource_id).map((meta) => metaRow(meta)); // validate everything before writing anything
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const chunk = rows.slice(start, start + BATCH_ROWS);
      const values: SqlValue[] = chunk.flat();
      await exec.unsafe(
        `INSERT INTO ${this.names.metaSql} (${META_COLUMN_NAMES}) VALUES ${chunk.map((_, i) => valuesTuple(i)).join(', ')} ` +
          `ON CONFLICT (resource_id) DO UPDATE SET ${META_UPSERT_SET}`,
        values,
      );
    }
  }

  /** The page of metas matching the query, sorted, offset and limit applied. */
  async search(exec: Exec, query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    const sql = translateSearch(query, new PostgresDialect());
    if (sql.limit === 0) return [];
    await this.indexes.ensure(exec, sql.dialect.indexKeys);
    const statement = this.searchStatement(sql);
    const rows = await exec.unsafe(statement.text, statement.values, { prepare: true });
    const metas = rows.map((row) => decodeRecordText(row as { record: string }));
    return sql.exact ? metas : runQuery(metas, query);
  }

  /** The number of matching metas; sorts, limit and offset are ignored. */
  async count(exec: Exec, query: ResourceMetaSearchQuery): Promise<number> {
    const sql = translateCount(query, new PostgresDialect());
    await this.indexes.ensure(exec, sql.dialect.indexKeys);
    if (!sql.exact) {
      const statement = sql.dialect.params.finalize(`SELECT ${RECORD_TEXT} AS record FROM ${this.names.metaSql} m WHERE ${sql.where}`);
      const rows = await exec.unsafe(statement.text, statement.values, { prepare: true });
      return countQuery(rows.map((row) => decodeRecordText(row as { record: string })), query);
    }
    const statement = sql.dialect.params.finalize(`SELECT count(*)::float8 AS n FROM ${this.names.metaSql} m WHERE ${sql.where}`);
    const rows = await exec.unsafe(statement.text, statement.values, { prepare: true });
    return (rows[0] as { n: number }).n;
  }

  /**
   * The statement of a search: exact queries page in SQL; mixed ones select the candidates
   * (a superset) for core's evaluator to filter, sort and page.
   */
  private searchStatement(sql: SqlQuery<PostgresDialect>): { text: string; values: unknown[] } {
    const select = `SELECT ${RECORD_TEXT} AS record FROM ${this.names.metaSql} m WHERE ${sql.where}`;
    if (!sql.exact) return sql.dialect.params.finalize(select);
    // The limit is written out (pages come in few sizes) and a zero offset left out: with both
    // known, the plan PostgreSQL caches for the prepared statement is the one-page plan, so it
    // stops planning on every call. Other offsets stay bound (they are many).
    const offset = sql.offset === 0 ? '' : ` OFFSET ${sql.dialect.params.add(String(sql.offset), 'bigint')}`;
    return sql.dialect.params.finalize(`${select} ORDER BY ${sql.orderBy} LIMIT ${pageLimit(sql.limit)}${offset}`);
  }

  /** The SQL a search runs and PostgreSQL's plan for it (EXPLAIN), for tests and debugging. */
  async explain(exec: Exec, query: ResourceMetaSearchQuery): Promise<{ sql: string; exact: boolean; plan: string[] }> {
    const sql = translateSearch(query, new PostgresDialect());
    await this.indexes.ensure(exec, sql.dialect.indexKeys);
    const statement = this.searchStatement(sql);
    const rows = await exec.unsafe(`EXPLAIN ${statement.text}`, statement.values);
    return { sql: statement.text, exact: sql.exact, plan: rows.map((row) => String((row as Record<string, unknown>)['QUERY PLAN'])) };
  }

  /** Every id, in resource_id order, a page at a time. */
  async *keys(exec: Exec): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const rows = (await (after === undefined
        ? exec.unsafe(`SELECT resource_id FROM ${this.names.metaSql} ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [], { prepare: true })
        : exec.unsafe(`SELECT resource_id FROM ${this.names.metaSql} WHERE resource_id > $1::text ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [after], {
            prepare: true,
          }))) as unknown as { resource_id: string }[];
      for (const row of rows) yield row.resource_id;
      if (rows.length < ITERATION_PAGE) return;
      after = rows[rows.length - 1]!.resource_id;
    }
  }

  /** Every meta (deleted ones included), in resource_id order, a page at a time. */
  async *values(exec: Exec): AsyncIterable<ResourceMeta> {
    let after: string | undefined;
    for (;;) {
      const rows = (await (after === undefined
        ? exec.unsafe(`SELECT resource_id, record FROM ${this.names.metaSql} ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [], { prepare: true })
        : exec.unsafe(`SELECT resource_id, record FROM ${this.names.metaSql} WHERE resource_id > $1::text ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [after], {
            prepare: true,
          }))) as unknown as { resource_id: string; record: Buffer }[];
      const metas = rows.map(decodeRow);
      yield* metas;
      if (rows.length < ITERATION_PAGE) return;
      after = rows[rows.length - 1]!.resource_id;
    }
  }

  /** Existing metas of the given ids, in the order given. */
  async many(exec: Exec, resourceIds: readonly string[]): Promise<ResourceMeta[]> {
    const ids = resourceIds.filter((id) => typeof id === 'string' && isStorableText(id));
    if (ids.length === 0) return [];
    const rows = (await exec.unsafe(
      `SELECT resource_id, record FROM ${this.names.metaSql} WHERE resource_id IN (SELECT jsonb_array_elements_text($1::text::jsonb))`,
      [JSON.stringify(ids)],
      { prepare: true },
    )) as unknown as { resource_id: string; record: Buffer }[];
    const byId = new Map(rows.map((row) => [row.resource_id, row]));
    const out: ResourceMeta[] = [];
    for (const id of new Set(ids)) {
      const row = byId.get(id);
      if (row !== undefined) out.push(decodeRow(row));
    }
    return out;
  }
}

export interface PostgresMetaStoreOptions {
  target: PostgresTarget;
  names: TableNames;
  /** Called once by close(): hands the pool back to whoever lent it (the provider counts its users). */
  release?: () => Promise<void>;
}

/** IMetaStore over a meta table on a pool (which belongs to the caller). */
export class PostgresMetaStore implements IMetaStore {
  readonly capabilities: MetaStoreCapabilities = { search: true, compareAndSet: true, createIfAbsent: true, batchWrite: true, atomicUnique: true };
  readonly table: MetaTable;
  private readonly gate: SchemaGate;

  private readonly sql: Runner;
  private release: (() => Promise<void>) | undefined;

  constructor(pool: Sql, options: PostgresMetaStoreOptions) {
    this.release = options.release;
    this.table = new MetaTable(options.names);
    this.sql = guardPool(pool, options.target, `the table ${options.names.meta}`);
    this.gate = new SchemaGate(pool, options.target, options.names, { meta: true, revisions: false });
  }

  /** Creates the table when absent (otherwise done on first use). */
  ready(): Promise<void> {
    return this.gate.ensure();
  }

  async get(resourceId: string): Promise<ResourceMeta | undefined> {
    await this.gate.ensure();
    return this.table.get(this.sql, resourceId);
  }
  async put(meta: ResourceMeta): Promise<void> {
    await this.gate.ensure();
    await this.table.put(this.sql, meta);
  }
  async delete(resourceId: string): Promise<boolean> {
    await this.gate.ensure();
    return this.table.delete(this.sql, resourceId);
  }
  async has(resourceId: string): Promise<boolean> {
    await this.gate.ensure();
    return this.table.has(this.sql, resourceId);
  }
  async *keys(): AsyncIterable<string> {
    await this.gate.ensure();
    yield* this.table.keys(this.sql);
  }
  async *values(): AsyncIterable<ResourceMeta> {
    await this.gate.ensure();
    yield* this.table.values(this.sql);
  }
  async size(): Promise<number> {
    await this.gate.ensure();
    return this.table.size(this.sql);
  }
  async search(query: ResourceMetaSearchQuery): Promise<ResourceMeta[]> {
    await this.gate.ensure();
    return this.table.search(this.sql, query);
  }
  async count(query: ResourceMetaSearchQuery): Promise<number> {
    await this.gate.ensure();
    return this.table.count(this.sql, query);
  }
  async insert(meta: ResourceMeta): Promise<boolean> {
    await this.gate.ensure();
    return this.table.insert(this.sql, meta);
  }
  async putIfCurrent(meta: ResourceMeta, expect: MetaExpectation): Promise<boolean> {
    await this.gate.ensure();
    return this.table.putIfCurrent(this.sql, meta, expect);
  }
  async putMany(metas: ResourceMeta[]): Promise<void> {
    await this.gate.ensure();
    await this.sql.begin((tx) => this.table.putMany(tx, metas));
  }
  /**
   * One transaction: the advisory locks and checks of the claimed values, the meta row under its
   * expectation (row lock for compare-and-set, unique index for insert), then `beforeWrite` while
   * all of that is held and the row is still invisible to others, then COMMIT.
   */
  async commit(write: MetaCommit): Promise<void> {
    const { meta, expect } = write;
    const row = metaRow(meta); // validated before the transaction opens: bad input writes nothing
    const claims = claimsOf(write, this.table.names.meta);
    await this.gate.ensure();
    const run = () =>
      this.sql.begin(async (tx) => {
        await takeClaims(tx, this.table.names.metaSql, claims, meta.resource_id);
        await writeMetaRow(tx, this.table, row, meta.resource_id, expect);
        await write.beforeWrite?.();
      });
    await (write.beforeWrite === undefined ? run() : holdingTransaction(this.sql, run));
  }
  /** EXPLAIN of the statement a search runs. */
  async explain(query: ResourceMetaSearchQuery): Promise<{ sql: string; exact: boolean; plan: string[] }> {
    await this.gate.ensure();
    return this.table.explain(this.sql, query);
  }
  /** The pool belongs to the factory or provider that lent it; closing hands it back. */
  async close(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    await release?.();
  }
}

export { META_COLUMN_LIST };
