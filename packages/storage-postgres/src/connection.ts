/**
 * Connection settings, the pool, and the errors a bad setup gets. Messages name the server
 * (host, port) and the database, never the password or the DSN itself.
 */
import postgres from 'postgres';
import { ConfigurationError, ServiceUnavailableError } from '@specstar/interfaces';

export type Sql = postgres.Sql<Record<string, never>>;

export interface PostgresConnectionOptions {
  /** `postgres://user:password@host:5432/database` (`postgresql://` too). */
  dsn: string;
  /** Pool size (default 10). */
  max?: number;
  /** Seconds to wait for a connection (default 10). */
  connectTimeout?: number;
  /** Seconds before an idle connection closes (default 0: kept open). */
  idleTimeout?: number;
}

/** Where a DSN points, for messages. */
export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
}

export type PostgresProblem = 'invalid_dsn' | 'invalid_option' | 'unreachable' | 'authentication' | 'no_database' | 'permission';

/** A PostgreSQL setup that does not work; `host` and `database` say which server it is about. */
export class PostgresConfigurationError extends ConfigurationError {
  override readonly code: string = 'postgres_configuration';
  constructor(
    message: string,
    readonly problem: PostgresProblem,
    readonly host?: string,
    readonly database?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The server does not answer (refused, unknown host, timeout, connection lost): an outage rather
 * than a setup a retry cannot fix, so a ServiceUnavailableError (503) and not a
 * PostgresConfigurationError; it carries the same `problem`, `host` and `database`.
 */
export class PostgresUnavailableError extends ServiceUnavailableError {
  override readonly code: string = 'postgres_unavailable';
  readonly problem = 'unreachable' as const;
  constructor(
    message: string,
    readonly host: string,
    readonly database: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const SCHEMES = new Set(['postgres:', 'postgresql:']);

/** Parses a DSN; PostgresConfigurationError (without echoing the DSN) when it is not a PostgreSQL URL. */
export function parseDsn(dsn: unknown): PostgresTarget {
  if (typeof dsn !== 'string' || dsn.trim() === '') {
    throw new PostgresConfigurationError(`PostgreSQL DSN must be a non-empty string like postgres://user@host:5432/database`, 'invalid_dsn');
  }
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    throw new PostgresConfigurationError(`PostgreSQL DSN is malformed: expected postgres://user@host:5432/database`, 'invalid_dsn');
  }
  if (!SCHEMES.has(url.protocol)) {
    throw new PostgresConfigurationError(`PostgreSQL DSN must start with postgres:// or postgresql://, got '${url.protocol}//'`, 'invalid_dsn');
  }
  const host = decodeURIComponent(url.hostname) || 'localhost';
  const port = url.port === '' ? 5432 : Number(url.port);
  const user = decodeURIComponent(url.username) || process.env['PGUSER'] || process.env['USER'] || 'postgres';
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  if (database.includes('/')) {
    throw new PostgresConfigurationError(`PostgreSQL DSN for host '${host}' names the database '${database}', which holds a '/'`, 'invalid_dsn', host, database);
  }
  return { host, port, database, user };
}

export function describeTarget(target: PostgresTarget): string {
  return `PostgreSQL at ${target.host}:${target.port} (database '${target.database}', user '${target.user}')`;
}

function positive(value: unknown, name: string, allowZero: boolean): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new PostgresConfigurationError(`PostgreSQL option '${name}' must be a ${allowZero ? 'non-negative' : 'positive'} number, got ${JSON.stringify(value)}`, 'invalid_option');
  }
  return value;
}

/** Checks connection options; returns the parsed target. */
export function checkConnectionOptions(options: PostgresConnectionOptions): PostgresTarget {
  const target = parseDsn(options.dsn);
  const max = positive(options.max, 'max', false);
  if (max !== undefined && !Number.isInteger(max)) {
    throw new PostgresConfigurationError(`PostgreSQL option 'max' must be an integer, got ${max}`, 'invalid_option', target.host, target.database);
  }
  positive(options.connectTimeout, 'connect_timeout', false);
  positive(options.idleTimeout, 'idle_timeout', true);
  return target;
}

/**
 * Seconds before the next connection attempt after `retries` failed ones: postgres.js's
 * randomized exponential backoff, capped at 2 s instead of its 20 s. While the server is gone
 * each statement waits for that attempt before failing (503), and the first statement after it
 * is back waits for it too.
 */
function reconnectDelay(retries: number): number {
  return (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, 2);
}

/** Opens a pool (connections are made on first use). */
export function openPool(options: PostgresConnectionOptions): Sql {
  checkConnectionOptions(options);
  return postgres(options.dsn, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    idle_timeout: options.idleTimeout ?? 0,
    backoff: reconnectDelay,
    // CREATE … IF NOT EXISTS reports "already exists" as a notice; nothing to show.
    onnotice: () => undefined,
    connection: { application_name: 'specstar' },
  }) as Sql;
}

/**
 * Failures of the connection rather than of a statement: socket errors, postgres.js's own
 * connection codes, and the server's connection_exception class (08…), shutdown and restart
 * (57P01–57P03). Nothing else: constraint violations, serialization failures and the like
 * belong to the caller.
 */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EPIPE',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  '57P01',
  '57P02',
  '57P03',
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isUnreachable(code: string): boolean {
  return UNREACHABLE.has(code) || /^08[0-9A-Z]{3}$/.test(code);
}

/**
 * PostgresUnavailableError when `error` says the server does not answer (while `doing`), else
 * undefined: the caller rethrows the error as it is.
 */
export function outageError(error: unknown, target: PostgresTarget, doing: string): PostgresUnavailableError | undefined {
  const code = codeOf(error);
  if (code === undefined || !isUnreachable(code)) return undefined;
  return new PostgresUnavailableError(
    `Cannot reach ${describeTarget(target)} while ${doing}: ${code}. Is the server running and the host/port right?`,
    target.host,
    target.database,
    { cause: error },
  );
}

/**
 * The typed error for a failure to connect or to create tables (PostgresUnavailableError when the
 * server does not answer, else PostgresConfigurationError), or undefined when `error` is
 * something else (a query problem, a constraint) that the caller rethrows.
 */
export function setupError(error: unknown, target: PostgresTarget, doing: string): PostgresConfigurationError | PostgresUnavailableError | undefined {
  const code = codeOf(error);
  if (code === undefined) return undefined;
  const outage = outageError(error, target, doing);
  if (outage !== undefined) return outage;
  const where = describeTarget(target);
  const reason = String((error as Error).message ?? code).split('\n')[0];
  const make = (message: string, problem: PostgresProblem) =>
    new PostgresConfigurationError(message, problem, target.host, target.database, { cause: error });
  if (code === '3D000') return make(`${where}: the database '${target.database}' does not exist (${doing})`, 'no_database');
  if (code === '28P01' || code === '28000') return make(`${where}: authentication failed for user '${target.user}' (${doing})`, 'authentication');
  if (code === '42501') return make(`${where}: user '${target.user}' lacks the privilege for ${doing}: ${reason}. Grant CREATE on the schema or create the tables beforehand`, 'permission');
  return undefined;
}
