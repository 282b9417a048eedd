/**
 * Staging for proxy upload sessions on S3: part N of an upload is the object
 * `<blob_prefix>+uploads/<upload_id>/<N>`, written by a managed upload, so an earlier copy is
 * replaced only when the new one is complete (a refused or broken part leaves it in place).
 */
import { BlobNotFoundError } from '@specstar/interfaces';
import type { ByteStream, IUploadStaging, UploadPart } from '@specstar/interfaces';
import type { S3Bucket } from './bucket';
import { uploadStream } from './byte-streams';
import type { BlobKeys } from './keys';

const PART_NAME = /^[1-9][0-9]{0,15}$/;

export class S3UploadStaging implements IUploadStaging {
  constructor(
    private readonly bucket: S3Bucket,
    private readonly keys: BlobKeys,
  ) {}

  async putPart(uploadId: string, partNumber: number, data: ByteStream, options: { maxBytes?: number } = {}): Promise<number> {
    const key = this.keys.part(uploadId, partNumber);
    return uploadStream(this.bucket, key, data, { ...(options.maxBytes !== undefined && { maxBytes: options.maxBytes }) });
  }

  async listParts(uploadId: string): Promise<UploadPart[]> {
    const prefix = this.keys.upload(uploadId);
    const parts: UploadPart[] = [];
    for await (const object of this.bucket.list(prefix)) {
      const name = object.key.slice(prefix.length);
      // The direct-upload object lives here too; it is not a part.
      if (PART_NAME.test(name)) parts.push({ part_number: Number(name), size: object.size });
    }
    return parts.sort((a, b) => a.part_number - b.part_number);
  }

  readPart(uploadId: string, partNumber: number): ByteStream {
    // Checked now, so a bad id fails the call rather than the first read.
    const key = this.keys.part(uploadId, partNumber);
    const bucket = this.bucket;
    return (async function* (): AsyncGenerator<Uint8Array> {
      const answer = await bucket.open(key);
      if (answer?.Body === undefined) {
        throw new BlobNotFoundError(`${uploadId}/${partNumber}`, `Part ${partNumber} of upload '${uploadId}' is not staged`);
      }
      try {
        for await (const chunk of answer.Body as AsyncIterable<Uint8Array>) yield chunk;
      } catch (error) {
        throw bucket.failure(error, 'GetObject', key);
      }
    })();
  }

  async deleteParts(uploadId: string): Promise<void> {
    const keys: string[] = [];
    for await (const object of this.bucket.list(this.keys.upload(uploadId))) keys.push(object.key);
    await this.bucket.delete(keys);
  }
}
