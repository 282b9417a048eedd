/**
 * The revisions table of one model: one row per (resource_id, revision_id, schema version) with
 * the encoded RevisionInfo and the payload bytes. A null schema version is its own key
 * (version_key ''), any other is 'v' + the version. `seq` records write order; re-saving a key
 * replaces its record in place, so listRevisions keeps first-write order.
 */
import {
  ValidationError,
  type IResourceStore,
  type ResourceStoreCapabilities,
  type RevisionInfo,
  type RevisionPage,
  type RevisionPageRequest,
  type StoredRevision,
} from '@specstar/interfaces';
import { asBuffer, decodeInfo, encodeRecord } from '@specstar/core/adapter';
import type { PostgresTarget, Sql } from './connection';
import { lastWins } from './last-wins';
import type { Exec } from './meta-store';
import { guardPool, type Runner } from './guard';
import { SchemaGate, type TableNames } from './schema';
import { assertStorableText, isStorableText } from './text';

const BATCH_ROWS = 1000;
const ITERATION_PAGE = 500;

function versionKey(schemaVersion: string | null): string {
  return schemaVersion === null ? '' : `v${schemaVersion}`;
}

function checkKey(resourceId: unknown, revisionId: unknown, schemaVersion: unknown): boolean {
  for (const [name, value] of [['resource_id', resourceId], ['revision_id', revisionId]] as const) {
    if (typeof value !== 'string') {
      throw new ValidationError(`A ${name} must be a string, got ${typeof value}`, { kind: 'input', issues: [{ path: `/${name}`, message: 'must be a string' }] });
    }
  }
  if (schemaVersion !== null && typeof schemaVersion !== 'string') {
    throw new ValidationError(`A schema version must be a string or null, got ${typeof schemaVersion}`, {
      kind: 'input',
      issues: [{ path: '/schema_version', message: 'must be a string or null' }],
    });
  }
  // A key PostgreSQL text cannot hold was never stored.
  return isStorableText(resourceId as string) && isStorableText(revisionId as string) && (schemaVersion === null || isStorableText(schemaVersion));
}

export type RevisionRow = [string, string, string, string | null, Buffer, Buffer];

/** The row of a revision (validated, the info normalised by encoding) and a private copy of its bytes. */
export function revisionRow(info: RevisionInfo, data: Uint8Array): RevisionRow {
  if (info === null || typeof info !== 'object') {
    throw new ValidationError('A revision info must be an object', { kind: 'input', issues: [{ path: '', message: 'must be an object' }] });
  }
  if (!(data instanceof Uint8Array)) {
    throw new ValidationError('Revision data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
  }
  const record = asBuffer(encodeRecord('info', info, 'json'));
  const normal = decodeInfo(record, 'json');
  assertStorableText(normal.resource_id, '/resource_id');
  assertStorableText(normal.revision_id, '/revision_id');
  if (normal.schema_version !== null) assertStorableText(normal.schema_version, '/schema_version');
  // Buffer.from copies: the caller may reuse its bytes after save().
  return [normal.resource_id, normal.revision_id, versionKey(normal.schema_version), normal.schema_version, record, Buffer.from(data)];
}

const COLUMNS = '(resource_id, revision_id, version_key, schema_version, info, data)';
const UPSERT = 'ON CONFLICT (resource_id, revision_id, version_key) DO UPDATE SET schema_version = EXCLUDED.schema_version, info = EXCLUDED.info, data = EXCLUDED.data';

function tuple(index: number): string {
  const b = index * 6;
  return `($${b + 1}::text, $${b + 2}::text, $${b + 3}::text, $${b + 4}::text, $${b + 5}::bytea, $${b + 6}::bytea)`;
}

export class RevisionTable {
  constructor(readonly names: TableNames) {}

  async save(exec: Exec, info: RevisionInfo, data: Uint8Array): Promise<void> {
    await this.saveRow(exec, revisionRow(info, data));
  }

  async saveRow(exec: Exec, row: RevisionRow): Promise<void> {
    await exec.unsafe(`INSERT INTO ${this.names.revisionsSql} ${COLUMNS} VALUES ${tuple(0)} ${UPSERT}`, row, { prepare: true });
  }

  async saveMany(exec: Exec, items: readonly StoredRevision[]): Promise<void> {
    if (!Array.isArray(items)) {
      throw new ValidationError('saveMany needs a list of revisions', { kind: 'input', issues: [{ path: '', message: 'must be a list' }] });
    }
    const rows = lastWins(items.map((item) => revisionRow(item?.info, item?.data)), (row) => JSON.stringify([row[0], row[1], row[2]]));
    for (let start = 0; start < rows.length; start += BATCH_ROWS) {
      const chunk = rows.slice(start, start + BATCH_ROWS);
      await exec.unsafe(`INSERT INTO ${this.names.revisionsSql} ${COLUMNS} VALUES ${chunk.map((_, i) => tuple(i)).join(', ')} ${UPSERT}`, chunk.flat());
    }
  }

  async listRevisions(exec: Exec, resourceId: string): Promise<string[]> {
    if (!checkKey(resourceId, '', null)) return [];
    const rows = await exec.unsafe(
      `SELECT revision_id FROM ${this.names.revisionsSql} WHERE resource_id = $1::text GROUP BY revision_id ORDER BY min(seq)`,
      [resourceId],
      { prepare: true },
    );
    return rows.map((row) => (row as { revision_id: string }).revision_id);
  }

  /**
   * Keyset page on `seq` (index (resource_id, seq)): a revision's position is the seq of its first
   * record, later records of it (migrations) are skipped through the primary key. Reads limit + 1 rows.
   */
  async listRevisionsPage(exec: Exec, resourceId: string, { limit, order, after }: RevisionPageRequest): Promise<RevisionPage> {
    if (!checkKey(resourceId, '', null)) return { items: [], hasMore: false };
    const [compare, direction] = order === 'asc' ? ['>', 'ASC'] : ['<', 'DESC'];
    const bound = after ?? (order === 'asc' ? -1 : Number.MAX_SAFE_INTEGER);
    const rows = await exec.unsafe(
      `SELECT r.revision_id, r.seq FROM ${this.names.revisionsSql} r WHERE r.resource_id = $1::text AND r.seq ${compare} $2::bigint
         AND NOT EXISTS (SELECT 1 FROM ${this.names.revisionsSql} o WHERE o.resource_id = r.resource_id AND o.revision_id = r.revision_id AND o.seq < r.seq)
       ORDER BY r.seq ${direction} LIMIT $3::int`,
      [resourceId, bound, limit + 1],
      { prepare: true },
    );
    const items = rows.slice(0, limit).map((row) => {
      const { revision_id, seq } = row as { revision_id: string; seq: string | number };
      return { revisionId: revision_id, position: Number(seq) };
    });
    return { items, hasMore: rows.length > limit };
  }

  async listSchemaVersions(exec: Exec, resourceId: string, revisionId: string): Promise<(string | null)[]> {
    if (!checkKey(resourceId, revisionId, null)) return [];
    const rows = await exec.unsafe(
      `SELECT schema_version FROM ${this.names.revisionsSql} WHERE resource_id = $1::text AND revision_id = $2::text ORDER BY seq`,
      [resourceId, revisionId],
      { prepare: true },
    );
    return rows.map((row) => (row as { schema_version: string | null }).schema_version);
  }

  async exists(exec: Exec, resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    if (!checkKey(resourceId, revisionId, schemaVersion)) return false;
    const rows = await exec.unsafe(
      `SELECT 1 FROM ${this.names.revisionsSql} WHERE resource_id = $1::text AND revision_id = $2::text AND version_key = $3::text`,
      [resourceId, revisionId, versionKey(schemaVersion)],
      { prepare: true },
    );
    return rows.length > 0;
  }

  async get(exec: Exec, resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    if (!checkKey(resourceId, revisionId, schemaVersion)) return undefined;
    const rows = await exec.unsafe(
      `SELECT info, data FROM ${this.names.revisionsSql} WHERE resource_id = $1::text AND revision_id = $2::text AND version_key = $3::text`,
      [resourceId, revisionId, versionKey(schemaVersion)],
      { prepare: true },
    );
    const row = rows[0] as { info: Buffer; data: Buffer } | undefined;
    return row === undefined ? undefined : { info: decodeInfo(row.info, 'json'), data: row.data };
  }

  async getInfo(exec: Exec, resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    if (!checkKey(resourceId, revisionId, schemaVersion)) return undefined;
    const rows = await exec.unsafe(
      `SELECT info FROM ${this.names.revisionsSql} WHERE resource_id = $1::text AND revision_id = $2::text AND version_key = $3::text`,
      [resourceId, revisionId, versionKey(schemaVersion)],
      { prepare: true },
    );
    const row = rows[0] as { info: Buffer } | undefined;
    return row === undefined ? undefined : decodeInfo(row.info, 'json');
  }

  async purge(exec: Exec, resourceId: string): Promise<void> {
    if (!checkKey(resourceId, '', null)) return;
    await exec.unsafe(`DELETE FROM ${this.names.revisionsSql} WHERE resource_id = $1::text`, [resourceId], { prepare: true });
  }

  /** Every record (every schema version) of one revision. */
  async deleteRevision(exec: Exec, resourceId: string, revisionId: string): Promise<void> {
    if (!checkKey(resourceId, revisionId, null)) return;
    await exec.unsafe(`DELETE FROM ${this.names.revisionsSql} WHERE resource_id = $1::text AND revision_id = $2::text`, [resourceId, revisionId], { prepare: true });
  }

  async all(exec: Exec, resourceId: string): Promise<StoredRevision[]> {
    if (!checkKey(resourceId, '', null)) return [];
    const rows = await exec.unsafe(`SELECT info, data FROM ${this.names.revisionsSql} WHERE resource_id = $1::text ORDER BY seq`, [resourceId], {
      prepare: true,
    });
    return rows.map((row) => {
      const { info, data } = row as { info: Buffer; data: Buffer };
      return { info: decodeInfo(info, 'json'), data };
    });
  }

  async *resourceIds(exec: Exec): AsyncIterable<string> {
    let after: string | undefined;
    for (;;) {
      const rows = (await (after === undefined
        ? exec.unsafe(`SELECT DISTINCT resource_id FROM ${this.names.revisionsSql} ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [], { prepare: true })
        : exec.unsafe(`SELECT DISTINCT resource_id FROM ${this.names.revisionsSql} WHERE resource_id > $1::text ORDER BY resource_id LIMIT ${ITERATION_PAGE}`, [after], {
            prepare: true,
          }))) as unknown as { resource_id: string }[];
      for (const row of rows) yield row.resource_id;
      if (rows.length < ITERATION_PAGE) return;
      after = rows[rows.length - 1]!.resource_id;
    }
  }
}

export interface PostgresResourceStoreOptions {
  target: PostgresTarget;
  names: TableNames;
  /** Called once by close(): hands the pool back to whoever lent it (the provider counts its users). */
  release?: () => Promise<void>;
}

/** IResourceStore over a revisions table on a pool (which belongs to the caller). */
export class PostgresResourceStore implements IResourceStore {
  readonly capabilities: ResourceStoreCapabilities = { batchWrite: true, revisionPaging: true, revisionDelete: true };
  readonly table: RevisionTable;
  private readonly gate: SchemaGate;

  private readonly sql: Runner;
  private release: (() => Promise<void>) | undefined;

  constructor(pool: Sql, options: PostgresResourceStoreOptions) {
    this.release = options.release;
    this.table = new RevisionTable(options.names);
    this.sql = guardPool(pool, options.target, `the table ${options.names.revisions}`);
    this.gate = new SchemaGate(pool, options.target, options.names, { meta: false, revisions: true });
  }

  ready(): Promise<void> {
    return this.gate.ensure();
  }

  async *listResources(): AsyncIterable<string> {
    await this.gate.ensure();
    yield* this.table.resourceIds(this.sql);
  }
  async listRevisions(resourceId: string): Promise<string[]> {
    await this.gate.ensure();
    return this.table.listRevisions(this.sql, resourceId);
  }
  async listRevisionsPage(resourceId: string, request: RevisionPageRequest): Promise<RevisionPage> {
    await this.gate.ensure();
    return this.table.listRevisionsPage(this.sql, resourceId, request);
  }
  async listSchemaVersions(resourceId: string, revisionId: string): Promise<(string | null)[]> {
    await this.gate.ensure();
    return this.table.listSchemaVersions(this.sql, resourceId, revisionId);
  }
  async exists(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<boolean> {
    await this.gate.ensure();
    return this.table.exists(this.sql, resourceId, revisionId, schemaVersion);
  }
  async get(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    await this.gate.ensure();
    return this.table.get(this.sql, resourceId, revisionId, schemaVersion);
  }
  async getInfo(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<RevisionInfo | undefined> {
    await this.gate.ensure();
    return this.table.getInfo(this.sql, resourceId, revisionId, schemaVersion);
  }
  async save(info: RevisionInfo, data: Uint8Array): Promise<void> {
    await this.gate.ensure();
    await this.table.save(this.sql, info, data);
  }
  async purge(resourceId: string): Promise<void> {
    await this.gate.ensure();
    await this.table.purge(this.sql, resourceId);
  }
  async deleteRevision(resourceId: string, revisionId: string): Promise<void> {
    await this.gate.ensure();
    await this.table.deleteRevision(this.sql, resourceId, revisionId);
  }
  async saveMany(items: StoredRevision[]): Promise<void> {
    await this.gate.ensure();
    await this.sql.begin((tx) => this.table.saveMany(tx, items));
  }
  /** The pool belongs to the factory or provider that lent it; closing hands it back. */
  async close(): Promise<void> {
    const release = this.release;
    this.release = undefined;
    await release?.();
  }
}
