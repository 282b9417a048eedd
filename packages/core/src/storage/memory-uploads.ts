/**
 * Upload staging in memory: the parts of proxy upload sessions of the memory blob store, kept
 * apart from its blobs (no file id reaches them) and lost at restart, as its blobs are.
 */
import { BlobNotFoundError, type ByteStream, type IUploadStaging, type UploadPart } from '@specstar/interfaces';
import { assertValidByteCap, assertValidPartNumber, assertValidUploadId, collectBytes } from './staging';

export class MemoryUploadStaging implements IUploadStaging {
  private readonly uploads = new Map<string, Map<number, Uint8Array>>();

  async putPart(uploadId: string, partNumber: number, data: ByteStream, options: { maxBytes?: number } = {}): Promise<number> {
    assertValidUploadId(uploadId);
    assertValidPartNumber(partNumber);
    assertValidByteCap(options.maxBytes);
    // Read whole before it replaces anything: a failed or oversized part leaves the earlier copy.
    const bytes = await collectBytes(data, options.maxBytes);
    let parts = this.uploads.get(uploadId);
    if (parts === undefined) this.uploads.set(uploadId, (parts = new Map()));
    parts.set(partNumber, bytes);
    return bytes.byteLength;
  }

  async listParts(uploadId: string): Promise<UploadPart[]> {
    assertValidUploadId(uploadId);
    const parts = this.uploads.get(uploadId);
    if (parts === undefined) return [];
    return [...parts].map(([part_number, bytes]) => ({ part_number, size: bytes.byteLength })).sort((a, b) => a.part_number - b.part_number);
  }

  readPart(uploadId: string, partNumber: number): ByteStream {
    assertValidUploadId(uploadId);
    assertValidPartNumber(partNumber);
    const parts = this.uploads;
    return (async function* () {
      const bytes = parts.get(uploadId)?.get(partNumber);
      if (bytes === undefined) throw new BlobNotFoundError(`${uploadId}/${partNumber}`, `Part ${partNumber} of upload '${uploadId}' is not staged`);
      yield new Uint8Array(bytes);
    })();
  }

  async deleteParts(uploadId: string): Promise<void> {
    assertValidUploadId(uploadId);
    this.uploads.delete(uploadId);
  }
}
