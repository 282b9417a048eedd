/**
 * Revision records on disk: an index table in the model's SQLite file; a payload up to
 * `inlineBytes` lives in its row, a bigger one in a file of its own under `<model>/data/`.
 *
 * Small payloads inline: the row is made durable by the WAL sync its batch needs anyway, so a
 * create costs one sync shared by the batch instead of a file sync, a directory sync and the
 * WAL sync (sqlite.org's "Internal Versus External BLOBs" finds small blobs faster inside the
 * database too). Rows written before this column existed keep their files and read as before.
 *
 * Every record gets a fresh name from the store (a UUID per write), never taken from the
 * record: it names the payload file when there is one and keys the read cache either way. No id
 * or uid ever becomes a path, two records can never share a file, and a write that is refused or
 * replaced never touches the bytes another record points at. The row holds the name, the byte
 * size (checked on read), the inline payload or NULL, and the encoded RevisionInfo.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type Database from 'better-sqlite3';
import { ValidationError } from '@specstar/interfaces';
import type { RevisionInfo, RevisionPage, RevisionPageRequest, StoredRevision } from '@specstar/interfaces';
import { decodeInfo, encodeRecord, infoRecord, isBytes } from '@specstar/core/adapter';
import { DirectorySync, StoredDataError, ensureDirectory, isNotFound, removeFileQuietly, createFileDurable } from './files';
import { childPath } from './paths';
import { PayloadCache, type CachedRevision } from './payload-cache';

export const REVISIONS_TABLE = 'revisions';

// `schema_version` null is a key of its own; every string version gets a prefix, so no version
// string can collide with the null marker (the layout Python's disk store uses for directories).
const NO_VERSION = 'no_ver';
function versionKey(schemaVersion: string | null): string {
  return schemaVersion === null ? NO_VERSION : `v_${schemaVersion}`;
}
function versionOf(key: string): string | null {
  return key === NO_VERSION ? null : key.slice(2);
}

// Rows of a big listing are read in pages, so no statement stays open across an await.
const PAGE_SIZE = 1000;
// Payload files written at once by a bulk save.
const WRITE_CONCURRENCY = 16;
// Payloads up to this size are read synchronously (see load).
const SYNC_READ_LIMIT = 256 * 1024;
// Payloads up to this size are kept in their row by default.
const DEFAULT_INLINE_BYTES = 64 * 1024;
// Payload file names as the store generates them (randomUUID).
const GENERATED_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A read that finds its file replaced by a concurrent write looks the row up again this often.
const READ_ATTEMPTS = 5;

interface RevisionRow {
  file: string;
  size: number;
  info: string;
  /** The bytes of an inline payload; null when they are in the file. */
  payload: Buffer | null;
}

interface PageRow {
  revision_id: string;
  seq: number;
}

/** A payload already on disk, waiting for its row. */
export interface PreparedRevision {
  resourceId: string;
  revisionId: string;
  versionKey: string;
  uid: string;
  file: string;
  size: number;
  info: string;
  /** The bytes, when they go into the row instead of the file. */
  inline?: Uint8Array;
}

function invalidRecord(field: string, message: string): ValidationError {
  return new ValidationError(`RevisionInfo${field === '' ? '' : `.${field}`} ${message}`, {
    kind: 'input',
    issues: [{ path: field === '' ? '' : `/${field}`, message }],
  });
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

type EncodedRevision = Omit<PreparedRevision, 'file' | 'inline'>;

export interface RevisionIndexOptions {
  /**
   * Bytes of payloads kept in memory for reads (default 16 MiB; 0 turns the cache off). A
   * payload file is never rewritten (every write gets a fresh name), so cached bytes are valid
   * for as long as a row names their file, in this process or any other.
   */
  cacheBytes?: number;
  /**
   * Payloads up to this many bytes are stored in their SQLite row instead of a file of their own
   * (default 64 KiB; 0 = every payload in a file). Changing it affects new writes only.
   */
  inlineBytes?: number;
}

const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

/** A copy of an info the caller may change; Dates are shared (treated as immutable, as in core). */
const copyInfo = infoRecord;

/**
 * Decodes an info this store encoded (encodeRecord JSON): the two instants become Dates and the
 * record gets core's canonical field order. Anything unexpected goes through core's checked
 * decoder, which names the bad field.
 */
function decodeStoredInfo(text: string): RevisionInfo {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const created = typeof raw['created_time'] === 'string' ? new Date(raw['created_time']) : undefined;
  const updated = typeof raw['updated_time'] === 'string' ? new Date(raw['updated_time']) : undefined;
  if (
    created === undefined ||
    updated === undefined ||
    Number.isNaN(created.getTime()) ||
    Number.isNaN(updated.getTime()) ||
    typeof raw['uid'] !== 'string' ||
    typeof raw['resource_id'] !== 'string' ||
    typeof raw['revision_id'] !== 'string' ||
    typeof raw['status'] !== 'string' ||
    typeof raw['created_by'] !== 'string' ||
    typeof raw['updated_by'] !== 'string'
  ) {
    return decodeInfo(Buffer.from(text, 'utf8'), 'json');
  }
  return {
    uid: raw['uid'],
    resource_id: raw['resource_id'],
    revision_id: raw['revision_id'],
    parent_revision_id: (raw['parent_revision_id'] ?? null) as string | null,
    parent_schema_version: raw['parent_schema_version'] as string | null | undefined,
    schema_version: (raw['schema_version'] ?? null) as string | null,
    data_hash: raw['data_hash'] as string | undefined,
    status: raw['status'] as RevisionInfo['status'],
    created_time: created,
    updated_time: updated,
    created_by: raw['created_by'],
    updated_by: raw['updated_by'],
  };
}

/** Checks the key fields and the bytes, and encodes the record (encodeRecord checks the rest). */
function encodeRevision(info: RevisionInfo, data: Uint8Array): EncodedRevision {
  if (typeof info !== 'object' || info === null) throw invalidRecord('', 'must be an object');
  for (const field of ['uid', 'resource_id', 'revision_id'] as const) {
    if (typeof info[field] !== 'string' || info[field] === '') throw invalidRecord(field, 'must be a non-empty string');
  }
  if (info.schema_version !== null && typeof info.schema_version !== 'string') {
    throw invalidRecord('schema_version', 'must be a string or null');
  }
  if (!isBytes(data)) {
    throw new ValidationError('Revision data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
  }
  return {
    resourceId: info.resource_id,
    revisionId: info.revision_id,
    versionKey: versionKey(info.schema_version),
    uid: info.uid,
    size: data.byteLength,
    info: utf8(encodeRecord('info', info, 'json')),
  };
}

/**
 * The revision index and payload files of one model, on a database connection owned by the
 * caller. The `*Sync` methods are meant to run inside the caller's transaction.
 */
export class RevisionIndex {
  private readonly dirSync: DirectorySync;
  private readonly statements;
  private readonly cache: PayloadCache;
  private readonly inlineBytes: number;

  constructor(
    private readonly db: Database.Database,
    readonly dataDir: string,
    options: RevisionIndexOptions = {},
  ) {
    this.cache = new PayloadCache(options.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.inlineBytes = options.inlineBytes ?? DEFAULT_INLINE_BYTES;
    ensureDirectory(dataDir);
    this.dirSync = new DirectorySync(dataDir);
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${REVISIONS_TABLE} (
        seq INTEGER PRIMARY KEY,
        resource_id TEXT NOT NULL,
        revision_id TEXT NOT NULL,
        version_key TEXT NOT NULL,
        uid TEXT NOT NULL,
        file TEXT NOT NULL,
        size INTEGER NOT NULL,
        info TEXT NOT NULL,
        payload BLOB,
        UNIQUE (resource_id, revision_id, version_key)
      )`);
    addPayloadColumn(db);
    // `seq` is the rowid: it only grows for new rows and an upsert keeps it, which is the
    // write order listRevisions needs (a replaced or migrated record does not move its id).
    // An index on resource_id carries the rowid, so a page is a range scan in seq order.
    db.exec(`CREATE INDEX IF NOT EXISTS ${REVISIONS_TABLE}_resource_seq ON ${REVISIONS_TABLE} (resource_id)`);
    this.statements = {
      row: db.prepare<[string, string, string], RevisionRow>(
        `SELECT file, size, info, payload FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ? AND version_key = ?`,
      ),
      // The file a row names, when its payload is in one (not inline).
      externalFileOf: db
        .prepare<[string, string, string], string>(
          `SELECT file FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ? AND version_key = ? AND payload IS NULL`,
        )
        .pluck(),
      fileOf: db
        .prepare<[string, string, string], string>(`SELECT file FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ? AND version_key = ?`)
        .pluck(),
      upsert: db.prepare<[string, string, string, string, string, number, string, Uint8Array | null]>(
        `INSERT INTO ${REVISIONS_TABLE} (resource_id, revision_id, version_key, uid, file, size, info, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource_id, revision_id, version_key) DO UPDATE SET uid = excluded.uid, file = excluded.file, size = excluded.size, info = excluded.info, payload = excluded.payload`,
      ),
      revisionIds: db
        .prepare<[string], string>(
          `SELECT revision_id FROM ${REVISIONS_TABLE} WHERE resource_id = ? GROUP BY revision_id ORDER BY MIN(seq)`,
        )
        .pluck(),
      // A revision's position is the seq of its first record; later records (migrations) are skipped.
      // `+o.seq` keeps the subquery on the (resource_id, revision_id) key instead of a seq range scan.
      pageAsc: db.prepare<[string, number, number], PageRow>(
        `SELECT r.revision_id, r.seq FROM ${REVISIONS_TABLE} r WHERE r.resource_id = ? AND r.seq > ?
           AND NOT EXISTS (SELECT 1 FROM ${REVISIONS_TABLE} o WHERE o.resource_id = r.resource_id AND o.revision_id = r.revision_id AND +o.seq < r.seq)
         ORDER BY r.seq ASC LIMIT ?`,
      ),
      pageDesc: db.prepare<[string, number, number], PageRow>(
        `SELECT r.revision_id, r.seq FROM ${REVISIONS_TABLE} r WHERE r.resource_id = ? AND r.seq < ?
           AND NOT EXISTS (SELECT 1 FROM ${REVISIONS_TABLE} o WHERE o.resource_id = r.resource_id AND o.revision_id = r.revision_id AND +o.seq < r.seq)
         ORDER BY r.seq DESC LIMIT ?`,
      ),
      versionKeys: db
        // `+seq`: look the revision up by its key, not by scanning the resource's seq range.
        .prepare<[string, string], string>(`SELECT version_key FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ? ORDER BY +seq`)
        .pluck(),
      rowsOf: db.prepare<[string], RevisionRow>(`SELECT file, size, info, payload FROM ${REVISIONS_TABLE} WHERE resource_id = ? ORDER BY seq`),
      filesOf: db.prepare<[string], string>(`SELECT file FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND payload IS NULL`).pluck(),
      purge: db.prepare<[string]>(`DELETE FROM ${REVISIONS_TABLE} WHERE resource_id = ?`),
      filesOfRevision: db
        .prepare<[string, string], string>(`SELECT file FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ? AND payload IS NULL`)
        .pluck(),
      deleteRevision: db.prepare<[string, string]>(`DELETE FROM ${REVISIONS_TABLE} WHERE resource_id = ? AND revision_id = ?`),
      resourcePage: db
        .prepare<[string, number], string>(
          `SELECT DISTINCT resource_id FROM ${REVISIONS_TABLE} WHERE resource_id > ? ORDER BY resource_id LIMIT ?`,
        )
        .pluck(),
      allFiles: db.prepare<[], string>(`SELECT file FROM ${REVISIONS_TABLE} WHERE payload IS NULL`).pluck(),
    };
  }

  // ---- payloads -----------------------------------------------------------------------

  /**
   * Checks and encodes the record, then writes a payload too big to be inline durably under a
   * fresh name. Nothing points at the file until `upsertSync` runs; a caller that gives up
   * removes it with `discardPrepared`. The record is encoded before the first await, so later
   * changes to `info` by the caller do not matter; `data` is stored as it is when the write runs.
   */
  prepare(info: RevisionInfo, data: Uint8Array): Promise<PreparedRevision> {
    const record = encodeRevision(info, data);
    return this.write(record, data);
  }

  /**
   * Prepares many records, a bounded number of files at a time; all or none stay on disk. With
   * `copy`, the bytes are copied first, for callers that may reuse their buffers.
   */
  async prepareMany(items: ReadonlyArray<StoredRevision>, copy: boolean): Promise<PreparedRevision[]> {
    // Checked and encoded up front: a bad record late in the list leaves no files behind.
    const records = items.map(({ info, data }) => encodeRevision(info, data));
    const payloads = items.map(({ data }) => (copy ? new Uint8Array(data) : data));
    // oxlint-disable-next-line unicorn/no-new-array -- preallocated: workers fill it out of order, index by index.
    const prepared: PreparedRevision[] = new Array(items.length);
    let next = 0;
    let failure: { error: unknown } | undefined;
    const worker = async (): Promise<void> => {
      while (failure === undefined && next < items.length) {
        const at = next++;
        try {
          prepared[at] = await this.write(records[at]!, payloads[at]!);
        } catch (error) {
          failure ??= { error };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, items.length) }, worker));
    if (failure !== undefined) {
      await this.discardPrepared(prepared.filter((p) => p !== undefined));
      throw failure.error;
    }
    return prepared;
  }

  /**
   * Synced in libuv's thread pool, never on the event loop: concurrent writers' fdatasyncs run
   * in parallel and their directory fsyncs are shared (one per batch).
   */
  private async write(record: EncodedRevision, data: Uint8Array): Promise<PreparedRevision> {
    const file = randomUUID();
    const inline = data.byteLength <= this.inlineBytes;
    // An inline payload becomes durable with its row, in the batch's WAL sync.
    if (!inline) await createFileDurable(this.dataDir, file, data, this.dirSync);
    // Read-after-write is the common pattern; the info is the decoded form reads would return.
    this.cache.set(file, { info: decodeStoredInfo(record.info), data });
    return inline ? { ...record, file, inline: data } : { ...record, file };
  }

  /** Removes payload files no row points at (replaced or deleted records). */
  async discard(files: ReadonlyArray<string>): Promise<void> {
    for (const file of files) this.cache.delete(file);
    await Promise.all(files.map((file) => removeFileQuietly(this.payloadPath(file))));
  }

  /** Undoes `prepare` for records whose rows were not written (a refused or failed write). */
  async discardPrepared(prepared: ReadonlyArray<PreparedRevision>): Promise<void> {
    for (const { file } of prepared) this.cache.delete(file);
    await this.discard(prepared.filter((p) => p.inline === undefined).map((p) => p.file));
  }

  /**
   * The record's bytes and info; undefined when there is no such record. A read racing a
   * write that replaces or purges the record looks the row up again.
   */
  async read(resourceId: string, revisionId: string, schemaVersion: string | null): Promise<StoredRevision | undefined> {
    const key = versionKey(schemaVersion);
    const file = this.statements.fileOf.get(resourceId, revisionId, key);
    if (file === undefined) return undefined;
    const cached = this.cache.get(file);
    if (cached !== undefined) return { info: copyInfo(cached.info), data: cached.data };
    for (let attempt = 1; ; attempt++) {
      const row = this.statements.row.get(resourceId, revisionId, key);
      if (row === undefined) return undefined;
      const loaded = await this.load(row, attempt < READ_ATTEMPTS);
      if (loaded !== undefined) return { info: copyInfo(loaded.info), data: loaded.data };
    }
  }

  /** Every record of a resource in write order. */
  async readAll(resourceId: string): Promise<StoredRevision[]> {
    const out: StoredRevision[] = [];
    for (const row of this.statements.rowsOf.all(resourceId)) {
      const loaded = await this.load(row, true);
      if (loaded !== undefined) {
        out.push({ info: copyInfo(loaded.info), data: loaded.data });
        continue;
      }
      // Replaced or purged while we read: take the record as it is now, if it still exists.
      const info = decodeStoredInfo(row.info);
      const current = await this.read(resourceId, info.revision_id, info.schema_version);
      if (current !== undefined) out.push(current);
    }
    return out;
  }

  /**
   * The record of a row, from the cache, the row or its file; undefined when the file vanished
   * and `tolerateMissing` (a race with a replace or purge). Small files are read synchronously:
   * for a file in the page cache that costs a few syscalls, far less than the thread-pool
   * round trips of an async read.
   */
  private async load(row: RevisionRow, tolerateMissing: boolean): Promise<CachedRevision | undefined> {
    const cached = this.cache.get(row.file);
    if (cached !== undefined) return cached;
    let data: Buffer;
    let source: string;
    if (row.payload === null) {
      source = `file ${this.payloadPath(row.file)}`;
      try {
        data = row.size <= SYNC_READ_LIMIT ? fs.readFileSync(this.payloadPath(row.file)) : await fsp.readFile(this.payloadPath(row.file));
      } catch (error) {
        if (isNotFound(error) && tolerateMissing) return undefined;
        throw new StoredDataError(`Revision payload ${source} cannot be read`, { cause: error });
      }
    } else {
      source = `of row ${row.file}`;
      data = row.payload;
    }
    if (data.byteLength !== row.size) {
      throw new StoredDataError(`Revision payload ${source} holds ${data.byteLength} bytes, its record says ${row.size}`);
    }
    const loaded = { info: decodeStoredInfo(row.info), data };
    this.cache.set(row.file, loaded);
    return loaded;
  }

  /** The path of a payload file named in a row; a name this store did not generate is checked first. */
  private payloadPath(name: string): string {
    return GENERATED_NAME.test(name) ? `${this.dataDir}${path.sep}${name}` : childPath(this.dataDir, name, 'file');
  }

  // ---- index rows (synchronous, for use inside a transaction) ---------------------------

  /** Inserts or replaces the row of the prepared record; returns the payload file it replaced, if any. */
  upsertSync(prepared: PreparedRevision): string | undefined {
    const { resourceId, revisionId, versionKey: key, uid, file, size, info, inline } = prepared;
    const previous = this.statements.externalFileOf.get(resourceId, revisionId, key);
    this.statements.upsert.run(resourceId, revisionId, key, uid, file, size, info, inline ?? null);
    return previous;
  }

  infoSync(resourceId: string, revisionId: string, schemaVersion: string | null): RevisionInfo | undefined {
    const row = this.statements.row.get(resourceId, revisionId, versionKey(schemaVersion));
    if (row === undefined) return undefined;
    return copyInfo(this.cache.get(row.file)?.info ?? decodeStoredInfo(row.info));
  }

  existsSync(resourceId: string, revisionId: string, schemaVersion: string | null): boolean {
    return this.statements.fileOf.get(resourceId, revisionId, versionKey(schemaVersion)) !== undefined;
  }

  revisionIdsSync(resourceId: string): string[] {
    return this.statements.revisionIds.all(resourceId);
  }

  /** One page in seq order: reads `limit + 1` rows of the index, whatever the history's length. */
  revisionPageSync(resourceId: string, { limit, order, after }: RevisionPageRequest): RevisionPage {
    const rows =
      order === 'asc'
        ? this.statements.pageAsc.all(resourceId, after ?? -1, limit + 1)
        : this.statements.pageDesc.all(resourceId, after ?? Number.MAX_SAFE_INTEGER, limit + 1);
    const items = rows.slice(0, limit).map((row) => ({ revisionId: row.revision_id, position: row.seq }));
    return { items, hasMore: rows.length > limit };
  }

  schemaVersionsSync(resourceId: string, revisionId: string): (string | null)[] {
    return this.statements.versionKeys.all(resourceId, revisionId).map(versionOf);
  }

  /** Deletes every row of the resource; returns their payload files, for the caller to discard after commit. */
  purgeSync(resourceId: string): string[] {
    const files = this.statements.filesOf.all(resourceId);
    this.statements.purge.run(resourceId);
    return files;
  }

  /** Deletes every row of one revision; returns their payload files, for the caller to discard after commit. */
  deleteRevisionSync(resourceId: string, revisionId: string): string[] {
    const files = this.statements.filesOfRevision.all(resourceId, revisionId);
    this.statements.deleteRevision.run(resourceId, revisionId);
    return files;
  }

  /** One page of ids with at least one record, after `after` in id order. */
  resourceIdPageSync(after: string): string[] {
    return this.statements.resourcePage.all(after, PAGE_SIZE);
  }

  /** Every payload file name a row points at (orphan sweeping). */
  referencedFilesSync(): Set<string> {
    return new Set(this.statements.allFiles.all());
  }
}

/** Ids with at least one record, read page by page. */
export async function* listResourceIds(index: RevisionIndex): AsyncIterable<string> {
  let after = '';
  for (;;) {
    const page = index.resourceIdPageSync(after);
    yield* page;
    if (page.length < PAGE_SIZE) return;
    after = page[page.length - 1]!;
  }
}

/** Runs synchronous statements atomically and durably (GroupCommit.run). */
export type DurableCommit = <T>(apply: () => T) => Promise<T>;

/**
 * Writes records without a meta: payload files first (copies of the caller's bytes, which the
 * caller may reuse), then every row in one atomic commit, then the files the rows replaced go.
 */
export async function saveRevisionsDurably(index: RevisionIndex, items: ReadonlyArray<StoredRevision>, commit: DurableCommit): Promise<void> {
  if (items.length === 0) return;
  const prepared = await index.prepareMany(items, true);
  let replaced: string[];
  try {
    replaced = await commit(() => {
      const old: string[] = [];
      for (const item of prepared) {
        const previous = index.upsertSync(item);
        if (previous !== undefined) old.push(previous);
      }
      return old;
    });
  } catch (error) {
    await index.discardPrepared(prepared);
    throw error;
  }
  await index.discard(replaced);
}

/** Adds the inline payload column to a revision table created before it existed. */
function addPayloadColumn(db: Database.Database): void {
  const columns = db.prepare(`PRAGMA table_info(${REVISIONS_TABLE})`).all() as Array<{ name: string }>;
  if (columns.some((column) => column.name === 'payload')) return;
  try {
    db.exec(`ALTER TABLE ${REVISIONS_TABLE} ADD COLUMN payload BLOB`);
  } catch (error) {
    // Another process opening the same database added it first.
    if (!/duplicate column name/i.test((error as Error).message)) throw error;
  }
}
