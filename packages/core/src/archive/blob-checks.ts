/**
 * Blob access during a load. Archives name blobs by id and carry data that references them, and
 * a load writes stored records without the write pipeline. So, under a restricting permission
 * checker, a loader may reference only blobs they uploaded or that the same section supplies,
 * and may replace a stored blob's bytes only as its uploader (supplying identical bytes
 * replaces nothing and proves the loader has them). Without a checker nothing is checked.
 */
import type { ResourceManager } from '../manager';
import { collectFileIds, type BlobWriteGuard } from '../model';
import type { BlobRecord } from './archive-records';

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** Refuses a blob record that would replace someone else's bytes. */
export async function checkBlobRecord(rm: ResourceManager, guard: BlobWriteGuard, record: BlobRecord): Promise<void> {
  const store = rm.blobStore;
  if (!store || !(await store.exists(record.file_id))) return;
  if (sameBytes((await store.get(record.file_id)).data, record.blob_data)) return;
  await guard.checkOverwrite(record.file_id);
}

/** The file ids a stored revision's data references. */
export function referencedFileIds(rm: ResourceManager, data: Uint8Array): string[] {
  return collectFileIds(rm.decodeData(data), rm.model);
}

/** Collects one section's blob references and supplies while it is checked; decides before anything is written. */
export class SectionBlobCheck {
  private readonly supplied = new Set<string>();
  private readonly referenced = new Set<string>();

  private constructor(
    private readonly rm: ResourceManager,
    private readonly guard: BlobWriteGuard,
  ) {}

  /** The check for a load by the scope's user; undefined while blob access is unguarded. */
  static of(rm: ResourceManager): SectionBlobCheck | undefined {
    const guard = rm.blobWriteGuard();
    return guard && new SectionBlobCheck(rm, guard);
  }

  noteRevision(data: Uint8Array): void {
    for (const fileId of referencedFileIds(this.rm, data)) this.referenced.add(fileId);
  }

  async noteBlob(record: BlobRecord): Promise<void> {
    this.supplied.add(record.file_id);
    await checkBlobRecord(this.rm, this.guard, record);
  }

  /** Throws unless every referenced blob is supplied here or the loader's upload. */
  async check(): Promise<void> {
    await this.guard.checkReferences([...this.referenced].filter((fileId) => !this.supplied.has(fileId)));
  }

  /** The loader becomes an uploader of what the section supplied (call once they are written). */
  recordUploads(): Promise<void> {
    return this.guard.recordUploads([...this.supplied]);
  }
}
