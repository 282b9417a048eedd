/**
 * Parts of proxy upload sessions on disk: `<blob dir>/+uploads/<upload_id>/<part_number>`, each
 * streamed into a temp file and renamed over its name once complete (so an earlier copy stays
 * until the new one is whole), durable as blobs are. `+` keeps them out of every file id's reach.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { BlobNotFoundError, type ByteStream, type IUploadStaging, type UploadPart } from '@specstar/interfaces';
import { assertValidByteCap, assertValidPartNumber, assertValidUploadId, capBytes } from '@specstar/core/adapter';
import { ensureDirectoryDurable, fsyncDirectory, isNotFound } from './files';
import { childPath } from './paths';
import { readFileRange, writeStreamDurable } from './stream-files';

export const UPLOADS_DIR = '+uploads';

/** Part files are named by their number; temp files (`~…`) and anything else are not parts. */
const PART_NAME = /^[1-9][0-9]*$/;

export class DiskUploadStaging implements IUploadStaging {
  private readonly root: string;

  /** `blobDir` is the blob store's directory; parts live under its `+uploads`. */
  constructor(blobDir: string) {
    this.root = path.join(blobDir, UPLOADS_DIR);
  }

  async putPart(uploadId: string, partNumber: number, data: ByteStream, options: { maxBytes?: number } = {}): Promise<number> {
    assertValidPartNumber(partNumber);
    assertValidByteCap(options.maxBytes);
    const dir = this.uploadDir(uploadId);
    await ensureDirectoryDurable(dir);
    return writeStreamDurable(dir, String(partNumber), capBytes(data, options.maxBytes));
  }

  async listParts(uploadId: string): Promise<UploadPart[]> {
    const dir = this.uploadDir(uploadId);
    let names: string[];
    try {
      names = await fsp.readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return [];
      throw error;
    }
    const parts: UploadPart[] = [];
    for (const name of names.filter((entry) => PART_NAME.test(entry))) {
      try {
        parts.push({ part_number: Number(name), size: (await fsp.stat(path.join(dir, name))).size });
      } catch (error) {
        // Deleted between readdir and stat (an abort running meanwhile): not a part any more.
        if (!isNotFound(error)) throw error;
      }
    }
    return parts.sort((a, b) => a.part_number - b.part_number);
  }

  readPart(uploadId: string, partNumber: number): ByteStream {
    assertValidPartNumber(partNumber);
    const file = path.join(this.uploadDir(uploadId), String(partNumber));
    return readFileRange(file, 0, undefined, () => new BlobNotFoundError(`${uploadId}/${partNumber}`, `Part ${partNumber} of upload '${uploadId}' is not staged`));
  }

  async deleteParts(uploadId: string): Promise<void> {
    const dir = this.uploadDir(uploadId);
    await fsp.rm(dir, { recursive: true, force: true });
    try {
      await fsyncDirectory(this.root);
    } catch (error) {
      // No upload was ever staged: nothing to make durable.
      if (!isNotFound(error)) throw error;
    }
  }

  private uploadDir(uploadId: string): string {
    assertValidUploadId(uploadId);
    return childPath(this.root, uploadId, 'upload_id');
  }
}
