/**
 * Decoded metas of one connection, for getMeta and search: a read by id (every GET) then costs
 * a `PRAGMA data_version` and a copy instead of a SELECT and a decode, and a search reads only
 * the ids of its page (from the key's index alone) and decodes the metas it lacks. SQLite changes the
 * connection's data_version whenever another connection (of this process or another) commits,
 * so the whole cache is dropped then; the connection's own writes drop their ids as they are
 * applied (`forget`), since they do not change its data_version.
 */
import type Database from 'better-sqlite3';
import type { ResourceMeta } from '@specstar/interfaces';
import { copyMeta } from '@specstar/core/adapter';

/** Entries kept at most; past it the oldest half goes. */
const MAX_ENTRIES = 10_000;
/** A search page larger than this is not kept (it would flush the cache for one listing). */
const MAX_PAGE_CACHED = 1_000;

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
    this.dropIfStale();
    let meta = this.entries.get(resourceId);
    if (meta === undefined) {
      meta = load(resourceId);
      if (meta === undefined) return undefined;
      this.keep(resourceId, meta);
    }
    return copyMeta(meta);
  }

  /**
   * The metas of a search page: ids from `searchIds`, metas from the cache or `loadMany` (copies
   * the caller may change). Undefined when another connection committed since the cache was
   * last known current: the ids and the metas could then show different states, and the caller
   * searches in one statement instead. One `data_version` read after both statements proves it:
   * unchanged, no other connection committed while they ran (this connection's own writes
   * cannot run in between, and they drop their ids as they go).
   */
  search(searchIds: () => string[], loadMany: (ids: string[]) => Map<string, ResourceMeta>): ResourceMeta[] | undefined {
    const ids = searchIds();
    const missing = ids.filter((id) => !this.entries.has(id));
    const loaded = missing.length === 0 ? undefined : loadMany(missing);
    if (this.dropIfStale()) return undefined;
    const out: ResourceMeta[] = [];
    for (const id of ids) {
      const meta = this.entries.get(id) ?? loaded?.get(id);
      if (meta === undefined) return undefined; // unreachable unless the database changed under us
      out.push(copyMeta(meta));
    }
    // Kept after the page is read: keeping may evict entries, among them hits of this page.
    if (loaded !== undefined && ids.length <= MAX_PAGE_CACHED) for (const [id, meta] of loaded) this.keep(id, meta);
    return out;
  }

  /** Drops every entry when another connection committed since the last look; true when it did. */
  private dropIfStale(): boolean {
    const version = this.dataVersion.get()!;
    if (version === this.version) return false;
    this.entries.clear();
    this.version = version;
    return true;
  }

  private keep(resourceId: string, meta: ResourceMeta): void {
    if (this.entries.size >= MAX_ENTRIES) this.evictOldestHalf();
    this.entries.set(resourceId, meta);
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
