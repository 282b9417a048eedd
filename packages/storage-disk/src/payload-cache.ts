/**
 * Recently written or read revision records of one model, by the store-generated name of their
 * record. A name is never reused (every write gets a fresh one), so an entry stays exact for as
 * long as a row names it, in this process or any other.
 */
import type { RevisionInfo } from '@specstar/interfaces';

/** A record as read from disk: its decoded info (never handed out, only copies) and its bytes. */
export interface CachedRevision {
  info: RevisionInfo;
  data: Uint8Array;
}

/**
 * Least-recently-used records by payload file name, bounded by the total payload size. A file
 * and its row's info are written together and never change, so an entry stays exact for as
 * long as a row names its file.
 */
export class PayloadCache {
  private readonly entries = new Map<string, CachedRevision>();
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get(file: string): CachedRevision | undefined {
    const entry = this.entries.get(file);
    if (entry !== undefined) {
      // Re-inserting moves the entry to the young end of the Map's order.
      this.entries.delete(file);
      this.entries.set(file, entry);
    }
    return entry;
  }

  set(file: string, entry: CachedRevision): void {
    // One payload may take at most a sixteenth of the cache, so a few big ones cannot flush it.
    if (entry.data.byteLength * 16 > this.limit || this.entries.has(file)) return;
    this.entries.set(file, entry);
    this.bytes += entry.data.byteLength;
    for (const [oldest, { data }] of this.entries) {
      if (this.bytes <= this.limit) break;
      this.entries.delete(oldest);
      this.bytes -= data.byteLength;
    }
  }

  delete(file: string): void {
    const entry = this.entries.get(file);
    if (entry === undefined) return;
    this.entries.delete(file);
    this.bytes -= entry.data.byteLength;
  }
}
