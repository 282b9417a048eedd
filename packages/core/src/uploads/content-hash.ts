/**
 * The content address of a streamed blob: XXH3-128 over its bytes as they pass, never holding
 * them whole. hash-wasm's XXH128 is the same digest as core's xxh3Hex (32 lowercase hex
 * digits, canonical big-endian), so a blob finalized from parts gets the id `put` would give it.
 */
import { createXXHash128 } from 'hash-wasm';
import type { ByteStream, IUploadStaging, UploadPart } from '@specstar/interfaces';

/** The bytes of the staged parts, one after the other in part-number order. */
export async function* partsInOrder(staging: IUploadStaging, uploadId: string, parts: readonly UploadPart[]): AsyncGenerator<Uint8Array> {
  const ordered = [...parts].sort((a, b) => a.part_number - b.part_number);
  for (const part of ordered) yield* staging.readPart(uploadId, part.part_number);
}

/** XXH3-128 hex digest and byte count of a stream. */
export async function streamHash(data: ByteStream): Promise<{ hex: string; size: number }> {
  const hasher = await createXXHash128();
  hasher.init();
  let size = 0;
  for await (const chunk of data) {
    hasher.update(chunk);
    size += chunk.byteLength;
  }
  return { hex: hasher.digest('hex'), size };
}
