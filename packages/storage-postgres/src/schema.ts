/**
 * Table and index names of one model, and the DDL that creates them when absent. Names are
 * `<table_prefix><model>_meta` and `<table_prefix><model>_revisions`; index names carry the same
 * prefix. Identifiers are always quoted; a name longer than PostgreSQL's 63 bytes is shortened
 * with a digest so two long names never collide after truncation.
 */
import { createHash } from 'node:crypto';
import { ConfigurationError } from '@specstar/interfaces';
import { isStorableText } from './text';
import { setupError, type PostgresTarget, type Sql } from './connection';

const MAX_IDENTIFIER_BYTES = 63;

/** A double-quoted identifier (quotes doubled). */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `name` when it fits in 63 bytes, else a prefix of it plus a digest of the whole. */
export function fitIdentifier(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES) return name;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 12);
  let head = name;
  while (Buffer.byteLength(head, 'utf8') > MAX_IDENTIFIER_BYTES - 13) head = head.slice(0, -1);
  // Do not cut a surrogate pair in half.
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}_${digest}`;
}

export interface TableNames {
  /** Unquoted names (for messages and catalog lookups). */
  meta: string;
  revisions: string;
  /** Quoted, ready for SQL. */
  metaSql: string;
  revisionsSql: string;
  /** Quoted index names. */
  indexes: { metaCreated: string; metaUpdated: string; metaData: string; revisionsSeq: string };
}

export function tableNames(tablePrefix: string, model: string): TableNames {
  if (typeof tablePrefix !== 'string' || !isStorableText(tablePrefix)) {
    throw new ConfigurationError(`PostgreSQL table_prefix must be a string without NUL characters, got ${JSON.stringify(tablePrefix)}`);
  }
  if (typeof model !== 'string' || model === '' || !isStorableText(model)) {
    throw new ConfigurationError(`Model name ${JSON.stringify(model)} cannot name a PostgreSQL table`);
  }
  const base = `${tablePrefix}${model}`;
  const meta = fitIdentifier(`${base}_meta`);
  const revisions = fitIdentifier(`${base}_revisions`);
  const index = (suffix: string): string => quoteIdentifier(fitIdentifier(`${base}_${suffix}`));
  return {
    meta,
    revisions,
    metaSql: quoteIdentifier(meta),
    revisionsSql: quoteIdentifier(revisions),
    indexes: {
      metaCreated: index('meta_created_ix'),
      metaUpdated: index('meta_updated_ix'),
      metaData: index('meta_data_gin'),
      revisionsSeq: index('revisions_seq_ix'),
    },
  };
}

function metaDdl(names: TableNames): string[] {
  const t = names.metaSql;
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      resource_id text COLLATE "C" PRIMARY KEY,
      current_revision_id text COLLATE "C" NOT NULL,
      schema_version text COLLATE "C",
      total_revision_count bigint NOT NULL,
      created_time timestamptz NOT NULL,
      updated_time timestamptz NOT NULL,
      created_by text COLLATE "C" NOT NULL,
      updated_by text COLLATE "C" NOT NULL,
      is_deleted boolean NOT NULL,
      rev_status text COLLATE "C",
      rev_created_by text COLLATE "C",
      rev_updated_by text COLLATE "C",
      rev_created_time timestamptz,
      rev_updated_time timestamptz,
      rev_null_mask smallint NOT NULL DEFAULT 0,
      indexed_data jsonb,
      sort_keys jsonb,
      record bytea NOT NULL
    )`,
    `CREATE INDEX IF NOT EXISTS ${names.indexes.metaCreated} ON ${t} (created_time, resource_id)`,
    `CREATE INDEX IF NOT EXISTS ${names.indexes.metaUpdated} ON ${t} (updated_time, resource_id)`,
    // Serves equality on any indexed_data key (conditions add an implied containment term).
    `CREATE INDEX IF NOT EXISTS ${names.indexes.metaData} ON ${t} USING gin (indexed_data jsonb_path_ops)`,
  ];
}

function revisionsDdl(names: TableNames): string[] {
  const t = names.revisionsSql;
  return [
    `CREATE TABLE IF NOT EXISTS ${t} (
      seq bigint GENERATED ALWAYS AS IDENTITY,
      resource_id text COLLATE "C" NOT NULL,
      revision_id text COLLATE "C" NOT NULL,
      version_key text COLLATE "C" NOT NULL,
      schema_version text COLLATE "C",
      info bytea NOT NULL,
      data bytea NOT NULL,
      PRIMARY KEY (resource_id, revision_id, version_key)
    )`,
    `CREATE INDEX IF NOT EXISTS ${names.indexes.revisionsSeq} ON ${t} (resource_id, seq)`,
  ];
}

/** Attempts at the DDL transaction when PostgreSQL picks it as a deadlock victim. */
const DDL_ATTEMPTS = 5;

/**
 * Creates the tables once per store object, on first use. A transaction-scoped advisory lock per
 * table makes concurrent creators (other processes) wait instead of failing on the catalog. When
 * every table and index already exists, nothing runs but one catalog lookup: even
 * `CREATE INDEX IF NOT EXISTS` takes the table's share lock, and that lock deadlocks against a
 * concurrent key-index build (data-indexes.ts) of another process, which PostgreSQL resolves by
 * failing one of the two; the DDL then tries again.
 */
export class SchemaGate {
  private ready: Promise<void> | undefined;

  constructor(
    private readonly sql: Sql,
    private readonly target: PostgresTarget,
    private readonly names: TableNames,
    private readonly parts: { meta: boolean; revisions: boolean },
  ) {}

  ensure(): Promise<void> {
    this.ready ??= this.create().catch((error: unknown) => {
      this.ready = undefined; // the next call tries again
      throw error;
    });
    return this.ready;
  }

  private relations(): string[] {
    const { names, parts } = this;
    return [
      ...(parts.meta ? [names.metaSql, names.indexes.metaCreated, names.indexes.metaUpdated, names.indexes.metaData] : []),
      ...(parts.revisions ? [names.revisionsSql, names.indexes.revisionsSeq] : []),
    ];
  }

  private async create(): Promise<void> {
    const statements = [...(this.parts.meta ? metaDdl(this.names) : []), ...(this.parts.revisions ? revisionsDdl(this.names) : [])];
    const lockKey = `specstar:ddl:${this.names.meta}`;
    const doing = `creating the tables ${this.names.meta} / ${this.names.revisions}`;
    try {
      const [found] = (await this.sql.unsafe('SELECT bool_and(to_regclass(n) IS NOT NULL) AS present FROM unnest($1::text[]) AS n', [this.relations()])) as unknown as { present: boolean }[];
      if (found?.present === true) return;
      for (let attempt = 1; ; attempt++) {
        try {
          await this.sql.begin(async (tx) => {
            await tx.unsafe('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [lockKey]);
            for (const statement of statements) await tx.unsafe(statement);
          });
          return;
        } catch (error) {
          if ((error as { code?: unknown }).code !== '40P01' || attempt >= DDL_ATTEMPTS) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
        }
      }
    } catch (error) {
      throw setupError(error, this.target, doing) ?? error;
    }
  }
}
