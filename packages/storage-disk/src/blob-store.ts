/**
 * Blobs as files: `<dir>/<file_id>` holds a msgpack-encoded Binary `{file_id, size,
 * content_type?, data}` (the layout Python SpecStar's disk blob store uses), written durably.
 * Content-addressed puts write only when the file is absent; a caller key always overwrites.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { BlobNotFoundError } from '@specstar/interfaces';
import type { Binary, BlobPutOptions, ByteStream, IBlobStore } from '@specstar/interfaces';
import {
  assertValidDocumentName,
  assertValidFileId,
  capBytes,
  checkBlobPut,
  checkDocumentPut,
  checkStreamedSize,
  createPackr,
  isBytes,
  xxh3Hex,
} from '@specstar/core/adapter';
import { DirectorySync, StoredDataError, ensureDirectory, ensureDirectoryDurable, isNotFound, writeFileDurable } from './files';
import { childPath } from './paths';
import { MAX_STREAMED_BLOB, blobHeader, parseBlobLayout } from './blob-layout';
import { readFileRange, writeStreamDurable } from './stream-files';
import { DiskUploadStaging } from './upload-staging';

const packr = createPackr();

/** Uploader grants live beside the blobs; `+` is outside every valid blob id. */
const GRANTS_DIR = '+grants';

/** Keyed documents (job logs) live beside the blobs too, out of reach of every file id. */
const DOCS_DIR = '+docs';

/** Longer document names would hit NAME_MAX (255 bytes) on common filesystems. */
const MAX_DOCUMENT_SEGMENT = 200;

/**
 * The path segment of a document namespace or key: the name itself, or for a long name `+` and
 * its sha256 (`+` is outside the name alphabet, so the two forms never collide).
 */
const documentSegment = (name: string): string =>
  name.length <= MAX_DOCUMENT_SEGMENT ? name : `+${createHash('sha256').update(name, 'utf8').digest('hex')}`;

/** Owners are app user names of any length and alphabet: a fixed-length, collision-resistant file name. */
const ownerName = (owner: string): string => createHash('sha256').update(owner, 'utf8').digest('hex');

interface StoredBlob {
  file_id: string;
  size: number;
  content_type?: string;
  data: Uint8Array;
}

export class DiskBlobStore implements IBlobStore {
  readonly dir: string;
  private readonly dirSync: DirectorySync;
  /** Parts of proxy upload sessions, under `<dir>/+uploads`. */
  readonly uploads: DiskUploadStaging;

  /** `dir` is the blob directory itself (DiskStorageFactory passes `<rootdir>/_blobs`). */
  constructor(dir: string) {
    this.dir = dir;
    ensureDirectory(dir);
    this.dirSync = new DirectorySync(dir);
    this.uploads = new DiskUploadStaging(dir);
  }

  async put(data: Uint8Array, options: BlobPutOptions = {}): Promise<Binary> {
    const { key, contentType } = checkBlobPut(data, options);
    // Copied before the first await: the caller may reuse its buffer once put() is called.
    const bytes = new Uint8Array(data);
    const fileId = key ?? xxh3Hex(bytes);
    const file = childPath(this.dir, fileId, 'file_id');
    // Equal bytes have an equal id: an existing content-addressed blob is already these bytes.
    if (key !== undefined || !fs.existsSync(file)) {
      const stored: StoredBlob = { file_id: fileId, size: bytes.byteLength, ...(contentType !== undefined && { content_type: contentType }), data: bytes };
      await writeFileDurable(this.dir, fileId, packr.pack(stored), this.dirSync);
    }
    return { file_id: fileId, size: bytes.byteLength, ...(contentType !== undefined && { content_type: contentType }), data: new Uint8Array(bytes) };
  }

  async get(fileId: string): Promise<Binary> {
    assertValidFileId(fileId);
    const file = childPath(this.dir, fileId, 'file_id');
    let raw: Buffer;
    try {
      raw = await fsp.readFile(file);
    } catch (error) {
      if (isNotFound(error)) throw new BlobNotFoundError(fileId);
      throw error;
    }
    const blob = decodeBlob(raw, file);
    return {
      file_id: fileId,
      size: blob.data.byteLength,
      ...(blob.content_type !== undefined && { content_type: blob.content_type }),
      data: new Uint8Array(blob.data),
    };
  }

  async exists(fileId: string): Promise<boolean> {
    assertValidFileId(fileId);
    try {
      return (await fsp.stat(childPath(this.dir, fileId, 'file_id'))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** Streams `data` into the blob file `key` (written durably, replacing it once complete), never holding it whole. */
  async putStream(data: ByteStream, options: { key: string; contentType?: string; size?: number }): Promise<Binary> {
    const fileId = options.key;
    assertValidFileId(fileId, 'key');
    const contentType = options.contentType ? options.contentType : undefined;
    const size = await writeStreamDurable(this.dir, fileId, capBytes(data, MAX_STREAMED_BLOB), {
      header: (count) => blobHeader(fileId, contentType, count),
      check: (count) => checkStreamedSize(options.size, count),
      dirSync: this.dirSync,
    });
    return { file_id: fileId, size, ...(contentType !== undefined && { content_type: contentType }) };
  }

  /**
   * The blob's record and its bytes as a stream read from the file. A file whose layout is not
   * the usual one (data not last, a long header) is decoded whole instead.
   */
  async getStream(fileId: string): Promise<{ blob: Binary; body: ByteStream }> {
    assertValidFileId(fileId);
    const file = childPath(this.dir, fileId, 'file_id');
    const layout = await readLayout(file, fileId);
    if (layout === undefined) {
      const { data, ...blob } = await this.get(fileId);
      return { blob, body: singleChunk(data!) };
    }
    const blob: Binary = { file_id: fileId, size: layout.dataLength, ...(layout.contentType !== undefined && { content_type: layout.contentType }) };
    return { blob, body: readFileRange(file, layout.dataOffset, layout.dataLength, () => new BlobNotFoundError(fileId)) };
  }

  async getUrl(fileId: string): Promise<string | null> {
    assertValidFileId(fileId);
    return null;
  }

  /** `<dir>/+grants/<file_id>/<sha256 of owner>`: an empty file per owner, written durably. */
  async grant(fileId: string, owner: string): Promise<void> {
    const dir = this.grantDir(fileId);
    const name = ownerName(owner);
    if (fs.existsSync(path.join(dir, name))) return;
    await ensureDirectoryDurable(dir);
    await writeFileDurable(dir, name, new Uint8Array(0));
  }

  async isGranted(fileId: string, owner: string): Promise<boolean> {
    return fs.existsSync(path.join(this.grantDir(fileId), ownerName(owner)));
  }

  /** `<dir>/+docs/<namespace>/<key>`: the raw bytes, replaced atomically and durably by each put. */
  async putDocument(namespace: string, key: string, data: Uint8Array): Promise<void> {
    checkDocumentPut(namespace, key, data);
    // Copied before the first await: the caller may reuse its buffer once putDocument() is called.
    const bytes = new Uint8Array(data);
    const dir = this.documentDir(namespace);
    await ensureDirectoryDurable(dir);
    await writeFileDurable(dir, documentSegment(key), bytes);
  }

  async getDocument(namespace: string, key: string): Promise<Uint8Array | null> {
    assertValidDocumentName(key, 'key');
    const file = childPath(this.documentDir(namespace), documentSegment(key), 'key');
    try {
      return new Uint8Array(await fsp.readFile(file));
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  private documentDir(namespace: string): string {
    assertValidDocumentName(namespace, 'namespace');
    return childPath(path.join(this.dir, DOCS_DIR), documentSegment(namespace), 'namespace');
  }

  private grantDir(fileId: string): string {
    assertValidFileId(fileId);
    return childPath(path.join(this.dir, GRANTS_DIR), fileId, 'file_id');
  }

  async close(): Promise<void> {
    // Nothing stays open between calls.
  }
}

/** Headers longer than this (a very long content type) are decoded the slow way. */
const LAYOUT_PREFIX = 64 * 1024;

async function readLayout(file: string, fileId: string): Promise<ReturnType<typeof parseBlobLayout>> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, 'r');
  } catch (error) {
    if (isNotFound(error)) throw new BlobNotFoundError(fileId);
    throw error;
  }
  try {
    const prefix = Buffer.alloc(LAYOUT_PREFIX);
    const { bytesRead } = await handle.read(prefix, 0, LAYOUT_PREFIX, 0);
    const layout = parseBlobLayout(prefix.subarray(0, bytesRead));
    // A truncated file would end the stream early: decode it whole, which reports it.
    if (layout !== undefined && layout.dataOffset + layout.dataLength !== (await handle.stat()).size) return undefined;
    return layout;
  } finally {
    await handle.close();
  }
}

async function* singleChunk(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

function decodeBlob(raw: Buffer, file: string): { data: Uint8Array; content_type?: string } {
  let value: unknown;
  try {
    value = packr.unpack(raw);
  } catch (error) {
    throw new StoredDataError(`Blob file ${file} is not a valid blob record`, { cause: error });
  }
  const record = value as Partial<StoredBlob> | null;
  if (typeof record !== 'object' || record === null || !isBytes(record.data)) {
    throw new StoredDataError(`Blob file ${file} holds no blob bytes`);
  }
  const contentType = typeof record.content_type === 'string' && record.content_type !== '' ? record.content_type : undefined;
  return { data: record.data, ...(contentType !== undefined && { content_type: contentType }) };
}
