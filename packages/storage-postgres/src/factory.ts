import { ConfigurationError, type IBlobStore, type IStorage, type IStorageFactory } from '@specstar/interfaces';
import { MemoryBlobStore } from '@specstar/core/adapter';
import { checkConnectionOptions, describeTarget, openPool, PostgresConfigurationError, setupError, type PostgresConnectionOptions, type PostgresTarget, type Sql } from './connection';
import { tableNames } from './schema';
import { PostgresStorage } from './storage';

export interface PostgresStorageFactoryOptions extends PostgresConnectionOptions {
  /** Prepended to every table and index name (default ''). */
  tablePrefix?: string;
  /**
   * Accepted for backend-config compatibility (`defaults.encoding`). Payload bytes are stored
   * exactly as the engine encoded them (the model's encoding); records in the tables are JSON.
   */
  encoding?: 'json' | 'msgpack';
  /** The shared blob store (default: in memory — blobs do not survive a restart). */
  blobStore?: IBlobStore;
}

/**
 * Connects (opening one pooled connection) and checks that tables can be created: the first
 * thing a deployment should learn about a wrong DSN, a stopped server or a missing grant.
 */
export async function checkServer(sql: Sql, target: PostgresTarget): Promise<void> {
  let row: { schema: string | null; can_create: boolean | null } | undefined;
  try {
    const rows = await sql.unsafe(
      `SELECT current_schema() AS schema, CASE WHEN current_schema() IS NULL THEN NULL ELSE has_schema_privilege(current_schema(), 'CREATE') END AS can_create`,
    );
    row = rows[0] as typeof row;
  } catch (error) {
    throw setupError(error, target, 'connecting') ?? error;
  }
  if (row?.schema === null || row?.schema === undefined) {
    throw new PostgresConfigurationError(`${describeTarget(target)}: no schema of the search_path exists to create tables in`, 'permission', target.host, target.database);
  }
  if (row.can_create !== true) {
    throw new PostgresConfigurationError(
      `${describeTarget(target)}: user '${target.user}' may not create tables in schema '${row.schema}' (GRANT CREATE ON SCHEMA ${row.schema} TO ${target.user})`,
      'permission',
      target.host,
      target.database,
    );
  }
}

/**
 * Meta and revisions of every model in PostgreSQL (one pool shared by all models), blobs in
 * memory unless a blob store is given. Tables are created on first use; `connect()` checks the
 * server at startup. close() ends the pool.
 */
export class PostgresStorageFactory implements IStorageFactory {
  readonly target: PostgresTarget;
  readonly tablePrefix: string;
  protected readonly sql: Sql;
  private blobStore: IBlobStore | undefined;
  private closed = false;

  constructor(protected readonly options: PostgresStorageFactoryOptions) {
    this.target = checkConnectionOptions(options);
    this.tablePrefix = options.tablePrefix ?? '';
    tableNames(this.tablePrefix, 'check');
    this.sql = openPool(options);
    this.blobStore = options.blobStore;
  }

  /** Connects and checks the CREATE privilege; PostgresConfigurationError naming host and database. */
  connect(): Promise<void> {
    return checkServer(this.sql, this.target);
  }

  build(modelName: string): IStorage {
    this.assertOpen();
    return new PostgresStorage(this.sql, { target: this.target, names: tableNames(this.tablePrefix, modelName) });
  }

  buildBlobStore(): IBlobStore {
    this.blobStore ??= new MemoryBlobStore();
    return this.blobStore;
  }

  /** The pool, for callers that want to run their own statements (tests, maintenance). */
  get pool(): Sql {
    return this.sql;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.sql.end({ timeout: 5 });
  }

  protected assertOpen(): void {
    if (this.closed) throw new ConfigurationError(`The PostgreSQL storage factory for ${describeTarget(this.target)} is closed`);
  }
}
