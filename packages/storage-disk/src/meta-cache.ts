/**
 * Decoded metas of one connection, for getMeta: a read by id (every GET) then costs a
 * `PRAGMA data_version` and a copy instead of a SELECT and a decode. SQLite changes the
 * connection's data_version whenever another connection (of this process or another) commits,
 * so the whole cache is dropped then; the connection's own writes drop their ids as they are
 * applied (`forget`), since they do not change its data_version.
 */
import type Database from 'better-sqlite3';
import type { ResourceMeta } from '@specstar/interfaces';
import { copyMeta } from '@specstar/core/adapter';

/** Entries kept at most; past it the oldest half goes. */
const MAX_ENTRIES = 10_000;

export class MetaCache {
  private readonly entries = new Map<string, ResourceMeta>();
  private readonly dataVersion: Database.Statement<[], number>;
  private version: number;

  constructor(db: Database.Database) {
    this.dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.version = this.dataVersion.get()!;
  }

  /** The meta from the cache, or from `load` (then cached); always a copy the caller may change. */
  get(resourceId: string, load: (resourceId: string) => ResourceMeta | undefined): ResourceMeta | undefined {
    const version = this.dataVersion.get()!;
    if (version !== this.version) {
      this.entries.clear();
      this.version = version;
    }
    let meta = this.entries.get(resourceId);
    if (meta === undefined) {
      meta = load(resourceId);
      if (meta === undefined) return undefined;
      if (this.entries.size >= MAX_ENTRIES) this.evictOldestHalf();
      this.entries.set(resourceId, meta);
    }
    return copyMeta(meta);
  }

  /** Called by every write of this connection, for each id it may change. */
  forget(resourceId: string): void {
    this.entries.delete(resourceId);
  }

  private evictOldestHalf(): void {
    let drop = this.entries.size / 2;
    for (const key of this.entries.keys()) {
      if (drop-- <= 0) break;
      this.entries.delete(key);
    }
  }
}
