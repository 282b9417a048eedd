/**
 * Files written from and read as streams, never held whole: the durable write of files.ts
 * (temp file, fdatasync, rename, directory fsync) fed chunk by chunk, with an optional header
 * whose content depends on the byte count and is rewritten in place once the count is known.
 */
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import type { ByteStream } from '@specstar/interfaces';
import { type DirectorySync, fsyncDirectory, isNotFound, removeFileQuietly, tempName } from './files';

export interface StreamWriteOptions {
  /** Bytes before the stream's, as a function of its byte count; the same length for every count. */
  header?: (size: number) => Uint8Array;
  /** Called with the byte count before anything is made visible; throw to discard the file. */
  check?: (size: number) => void;
  dirSync?: DirectorySync;
}

/**
 * Writes `data` to `dir/name` durably and resolves to its byte count (header excluded). On any
 * failure (the stream's included) the temp file is removed and `dir/name` is untouched.
 */
export async function writeStreamDurable(dir: string, name: string, data: ByteStream, options: StreamWriteOptions = {}): Promise<number> {
  const temp = path.join(dir, tempName());
  let size = 0;
  try {
    const handle = await fsp.open(temp, 'wx');
    try {
      const placeholder = options.header?.(0);
      let position = placeholder?.byteLength ?? 0;
      if (placeholder) await handle.write(placeholder, 0, placeholder.byteLength, 0);
      for await (const chunk of data) {
        await handle.write(chunk, 0, chunk.byteLength, position);
        position += chunk.byteLength;
        size += chunk.byteLength;
      }
      options.check?.(size);
      if (options.header) {
        const header = options.header(size);
        if (header.byteLength !== placeholder!.byteLength) throw new Error('Stream header length changed with the byte count');
        await handle.write(header, 0, header.byteLength, 0);
      }
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await fsp.rename(temp, path.join(dir, name));
  } catch (error) {
    await removeFileQuietly(temp);
    throw error;
  }
  await (options.dirSync ? options.dirSync.sync() : fsyncDirectory(dir));
  return size;
}

/** Read chunks of 256 KiB: fewer reads than the default 64 KiB, still small next to a blob. */
const READ_CHUNK = 256 * 1024;

/**
 * Bytes of `file` from `start`, `length` of them (undefined: to the end), as a stream; `missing()`
 * is thrown when the file does not exist. The file is opened when the stream is first read and
 * closed when it ends.
 */
export async function* readFileRange(file: string, start: number, length: number | undefined, missing: () => Error): AsyncGenerator<Uint8Array> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if (isNotFound(error)) throw missing();
    throw error;
  }
  if (length === 0) {
    await handle.close();
    return;
  }
  const range = length === undefined ? { start } : { start, end: start + length - 1 };
  // The stream closes the handle when it ends or is destroyed (a consumer that stops early).
  yield* handle.createReadStream({ ...range, highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>;
}
