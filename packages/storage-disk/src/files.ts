/**
 * Durable file primitives. An acknowledged write must survive a crash or power loss, so a file
 * is written under a temporary name, flushed, renamed over its final name (atomic on POSIX) and
 * its directory flushed so the rename itself is on disk. Readers see the old file or the new
 * one, never a torn one.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import { SpecStarError } from '@specstar/interfaces';
import { TEMP_PREFIX } from './paths';

/** A file the store wrote is missing, truncated or unreadable although the index points at it. */
export class StoredDataError extends SpecStarError {
  override readonly code: string = 'stored_data_error';
}

/** Waits for a lock held by another connection (another process) instead of failing at once. */
export const BUSY_TIMEOUT_MS = 5000;

/** fsync of a directory: makes the creations, renames and unlinks inside it durable. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function fsyncDirectorySync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Coalesces syncs of one file or directory. A caller is covered by a sync that starts after its
 * change (a rename, a commit), so a caller arriving while a sync runs waits for the next one;
 * every caller arriving meanwhile shares that next one. Concurrent writers pay one sync per
 * batch, not one each.
 */
export class SharedSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  sync(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.running === undefined) return this.start();
    const queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.start();
      });
    this.queued = queued;
    return queued;
  }

  /** Resolves once no sync is running or queued (failures are the callers' to see). */
  async idle(): Promise<void> {
    while (this.queued !== undefined || this.running !== undefined) await (this.queued ?? this.running)!.catch(() => undefined);
  }

  private start(): Promise<void> {
    const run: Promise<void> = this.flush().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }
}

/** Coalesced fsyncs of one directory (see SharedSync). */
export class DirectorySync extends SharedSync {
  constructor(readonly dir: string) {
    super(() => fsyncDirectory(dir));
  }
}

/** A fresh temporary file name; the prefix is outside every name the stores give final files. */
export function tempName(): string {
  return `${TEMP_PREFIX}${randomUUID()}`;
}

/**
 * Writes `data` to `dir/name` durably: temp file, fdatasync, rename over `name`, directory fsync
 * (through `dirSync` when given, so concurrent writers share it). On failure the temp file is
 * removed and `dir/name` is untouched.
 */
export async function writeFileDurable(dir: string, name: string, data: Uint8Array, dirSync?: DirectorySync): Promise<void> {
  const temp = path.join(dir, tempName());
  try {
    const handle = await fsp.open(temp, 'wx');
    try {
      await handle.writeFile(data);
      // fdatasync: the bytes and the size (needed to read them back); not the timestamps.
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path.join(dir, name));
  } catch (error) {
    await removeFileQuietly(temp);
    throw error;
  }
  await (dirSync ? dirSync.sync() : fsyncDirectory(dir));
}

/**
 * Creates `dir/name`, which must not exist, with `data`, durably. No temporary name: the caller
 * gives a fresh name nothing points at until the file is durable, so a crash can only leave an
 * unreferenced file behind. Every step runs in libuv's pool (even open(O_CREAT) of a small file
 * can wait a millisecond behind other writers' syncs), and the directory sync (through
 * `dirSync`, shared by concurrent writers) starts once the entry exists, alongside the file's
 * fdatasync. On a failure after the file was created, the file is removed.
 */
export async function createFileDurable(dir: string, name: string, data: Uint8Array, dirSync: DirectorySync): Promise<void> {
  const file = path.join(dir, name);
  const handle = await fsp.open(file, 'wx'); // an existing file is refused here, untouched
  let entry: Promise<void> | undefined;
  try {
    entry = dirSync.sync();
    try {
      await handle.writeFile(data);
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await entry;
  } catch (error) {
    await entry?.catch(() => undefined);
    await removeFileQuietly(file);
    throw error;
  }
}

/** Unlinks a file; a file that is already gone is fine. */
export async function removeFileQuietly(file: string): Promise<void> {
  try {
    await fsp.unlink(file);
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}

/** Makes `dir` (and its parents) and syncs each new entry into its parent directory. */
export async function ensureDirectoryDurable(dir: string): Promise<void> {
  const first = await fsp.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // Every directory from the first one created down to `dir` is a new entry of its parent.
  for (let current = dir; ; current = path.dirname(current)) {
    await fsyncDirectory(path.dirname(current));
    if (current === first) break;
  }
}

/**
 * Creates `dir` (and missing parents) and makes the new entries durable by syncing the parent of
 * every directory it created.
 */
export function ensureDirectory(dir: string): void {
  // mkdirSync returns the topmost directory it created (undefined when `dir` existed): every
  // directory from there down to `dir` is a new entry in its parent.
  const topmost = fs.mkdirSync(dir, { recursive: true });
  if (topmost === undefined) return;
  for (let created = dir; ; created = path.dirname(created)) {
    fsyncDirectorySync(path.dirname(created));
    if (created === topmost) return;
  }
}

export function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * Opens a SQLite database set up for durable, multi-process use: WAL (readers never block the
 * writer), a busy timeout so a second process waits for the write lock instead of failing, and
 * synchronous=FULL (a committed transaction has been fsynced). With `walSyncedByCaller` the
 * connection runs synchronous=NORMAL instead: a COMMIT does not fsync the WAL, and the caller
 * must do it before it treats a transaction as durable (GroupCommit does).
 */
export function openDatabase(file: string, { walSyncedByCaller = false }: { walSyncedByCaller?: boolean } = {}): Database.Database {
  const db = new Database(file);
  try {
    // First, so the pragmas below already wait for a lock another process holds.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma(walSyncedByCaller ? 'synchronous = NORMAL' : 'synchronous = FULL');
    db.pragma('foreign_keys = OFF');
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
