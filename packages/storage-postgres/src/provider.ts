/**
 * The `postgres` backend provider: `{ "type": "postgres", "options": { "dsn": "postgres://…" } }`
 * for the meta and resource roles. Options: `dsn` (alias `connection_string`), `table_prefix`,
 * `encoding` (accepted; records are JSON, payloads stored as the engine encoded them), `max`
 * (pool size), `connect_timeout` and `idle_timeout` (seconds). One pool per distinct connection
 * setting is shared by every model and role; `spec.close()` ends them (provider.close()).
 * validate() connects and checks the CREATE privilege, so a wrong DSN, a stopped server or a
 * missing grant fails configure() naming host and database.
 */
import type { BackendProvider, BackendRole, IMetaStore, IResourceStore, IStorage, ResolvedOptions } from '@specstar/interfaces';
import { checkConnectionOptions, openPool, PostgresConfigurationError, type PostgresConnectionOptions, type PostgresTarget, type Sql } from './connection';
import { checkServer } from './factory';
import { PostgresMetaStore } from './meta-store';
import { PostgresResourceStore } from './resource-store';
import { tableNames } from './schema';
import { PostgresStorage } from './storage';

const TYPE = 'postgres';
const ROLES: ReadonlyArray<BackendRole> = ['meta', 'resource'];
const ENCODINGS = new Set(['json', 'msgpack']);

interface Resolved {
  connection: PostgresConnectionOptions;
  target: PostgresTarget;
  tablePrefix: string;
}

function optionError(message: string, role?: BackendRole): PostgresConfigurationError {
  return new PostgresConfigurationError(`Backend type 'postgres'${role === undefined ? '' : ` (${role} role)`}: ${message}`, 'invalid_option');
}

function numberOption(options: ResolvedOptions, name: string, role?: BackendRole): number | undefined {
  const value = options[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw optionError(`option '${name}' must be a number, got ${JSON.stringify(value)}`, role);
  return value;
}

/** The connection and naming settings of resolved options; PostgresConfigurationError naming a bad one. */
export function resolvePostgresOptions(options: ResolvedOptions, role?: BackendRole): Resolved {
  const dsn = options['dsn'];
  const alias = options['connection_string'];
  if (dsn !== undefined && dsn !== null && alias !== undefined && alias !== null && dsn !== alias) {
    throw optionError(`options 'dsn' and 'connection_string' are aliases; give one (they differ here)`, role);
  }
  const tablePrefix = options['table_prefix'] ?? '';
  if (typeof tablePrefix !== 'string') throw optionError(`option 'table_prefix' must be a string`, role);
  const encoding = options['encoding'];
  if (encoding !== undefined && encoding !== null && (typeof encoding !== 'string' || !ENCODINGS.has(encoding))) {
    throw optionError(`option 'encoding' must be 'json' or 'msgpack', got ${JSON.stringify(encoding)}`, role);
  }
  const connection: PostgresConnectionOptions = {
    dsn: (dsn ?? alias) as string,
    max: numberOption(options, 'max', role),
    connectTimeout: numberOption(options, 'connect_timeout', role),
    idleTimeout: numberOption(options, 'idle_timeout', role),
  };
  const target = checkConnectionOptions(connection);
  tableNames(tablePrefix, 'check');
  return { connection, target, tablePrefix };
}

/**
 * Open pools by connection settings: every model and role of a config shares one. Each store
 * built on a pool counts as a user and hands it back on close(); the last one out ends the
 * pool, so two registries on the same DSN never close each other's connections.
 */
interface PoolEntry {
  sql: Sql;
  users: number;
}
const pools = new Map<string, PoolEntry>();

function poolKey(connection: PostgresConnectionOptions): string {
  return JSON.stringify([connection.dsn, connection.max ?? null, connection.connectTimeout ?? null, connection.idleTimeout ?? null]);
}

function poolFor(connection: PostgresConnectionOptions): PoolEntry {
  const key = poolKey(connection);
  let entry = pools.get(key);
  if (entry === undefined) {
    entry = { sql: openPool(connection), users: 0 };
    pools.set(key, entry);
  }
  return entry;
}

/** A pool for one store, with the release its close() calls. */
function lease(connection: PostgresConnectionOptions): { sql: Sql; release: () => Promise<void> } {
  const key = poolKey(connection);
  const entry = poolFor(connection);
  entry.users += 1;
  const release = async (): Promise<void> => {
    entry.users -= 1;
    if (entry.users > 0) return;
    if (pools.get(key) === entry) pools.delete(key);
    await entry.sql.end({ timeout: 5 });
  };
  return { sql: entry.sql, release };
}

export const postgresBackendProvider: BackendProvider = Object.freeze({
  type: TYPE,
  roles: ROLES,

  buildStorage(model: string, options: ResolvedOptions): IStorage {
    const { connection, target, tablePrefix } = resolvePostgresOptions(options, 'meta');
    const { sql, release } = lease(connection);
    return new PostgresStorage(sql, { target, names: tableNames(tablePrefix, model), release });
  },

  buildMetaStore(model: string, options: ResolvedOptions): IMetaStore {
    const { connection, target, tablePrefix } = resolvePostgresOptions(options, 'meta');
    const { sql, release } = lease(connection);
    return new PostgresMetaStore(sql, { target, names: tableNames(tablePrefix, model), release });
  },

  buildResourceStore(model: string, options: ResolvedOptions): IResourceStore {
    const { connection, target, tablePrefix } = resolvePostgresOptions(options, 'resource');
    const { sql, release } = lease(connection);
    return new PostgresResourceStore(sql, { target, names: tableNames(tablePrefix, model), release });
  },

  async validate(role: BackendRole, options: ResolvedOptions): Promise<void> {
    if (!ROLES.includes(role)) throw optionError(`cannot serve role '${role}': it serves ${ROLES.join(', ')}`);
    const { connection, target } = resolvePostgresOptions(options, role);
    const entry = poolFor(connection);
    try {
      await checkServer(entry.sql, target);
    } catch (error) {
      // A configuration that fails is never built: nothing would end this pool later.
      if (entry.users === 0) {
        if (pools.get(poolKey(connection)) === entry) pools.delete(poolKey(connection));
        await entry.sql.end({ timeout: 0 });
      }
      throw error;
    }
  },

  /** Ends the pools no open store uses (validated but never built); stores end theirs on close(). */
  async close(): Promise<void> {
    const idle = [...pools.entries()].filter(([, entry]) => entry.users === 0);
    for (const [key] of idle) pools.delete(key);
    await Promise.all(idle.map(([, entry]) => entry.sql.end({ timeout: 5 })));
  },
});
