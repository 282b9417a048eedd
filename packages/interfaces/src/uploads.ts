/**
 * Blob upload sessions (http-api §4.7, §9.17): a client sends a large blob in numbered parts
 * through the API (`proxy`), or straight to the object store with a presigned PUT
 * (`single_put`). Core runs the sessions; a blob store offers the staging they need.
 */
import type { Binary } from './records';

export type UploadSessionStatus = 'pending' | 'uploading' | 'uploaded' | 'finalized' | 'aborted';
export type UploadMethod = 'proxy' | 'single_put';

/** A session as the wire shows it (snake_case, as every record). */
export interface BlobUploadSession {
  upload_id: string;
  /** `""` until finalized. */
  file_id: string;
  status: UploadSessionStatus;
  upload_method: UploadMethod;
  /** Proxy: `/blobs/upload-sessions/{upload_id}/content` (unprefixed); single_put: the presigned PUT URL. */
  upload_url: string;
  content_type?: string;
  /** The total size the client declared, if any. */
  size: number | null;
  /** Bytes accepted so far (proxy). */
  uploaded_size: number;
  /** The part count the client declared, if any. */
  total_parts: number | null;
  /** Part numbers received, sorted, 1-based. */
  parts_received: number[];
  /** UTC ISO instant after which the session is void; null: no expiry. */
  expires_at: string | null;
}

/** One staged part of a proxy session. */
export interface UploadPart {
  part_number: number;
  size: number;
}

/** Bytes as a stream: any async iterable of chunks (a Node Readable is one). */
export type ByteStream = AsyncIterable<Uint8Array>;

/**
 * Where a blob store keeps the parts of proxy sessions until they are finalized: outside the
 * blob space (never reachable by a file id), durable as the store's blobs are.
 */
export interface IUploadStaging {
  /**
   * Stores part `partNumber` of `uploadId` from a stream, replacing an earlier copy only once the
   * new one is complete; resolves to its size. More than `maxBytes` bytes rejects with
   * BlobTooLargeError and leaves the earlier copy (if any) in place.
   */
  putPart(uploadId: string, partNumber: number, data: ByteStream, options?: { maxBytes?: number }): Promise<number>;
  /** The staged parts, by part number. */
  listParts(uploadId: string): Promise<UploadPart[]>;
  /** A staged part's bytes; BlobNotFoundError when it is not staged. */
  readPart(uploadId: string, partNumber: number): ByteStream;
  /** Removes every staged part of the upload (after finalize or abort); idempotent. */
  deleteParts(uploadId: string): Promise<void>;
}

/** A presigned direct upload: the client PUTs the bytes to `url` before `expires_at`. */
export interface DirectUpload {
  url: string;
  expires_at: string;
  /** Headers the client must send with the PUT (e.g. the signed Content-Type). */
  headers?: Record<string, string>;
}

/** The streaming and staging abilities of a blob store, all optional (capability-gated in core). */
export interface IBlobStreaming {
  /** Streams `data` into the blob `key` (core computed the content hash first); for blobs too large to hold. */
  putStream?(data: ByteStream, options: { key: string; contentType?: string; size?: number }): Promise<Binary>;
  /** The blob's record (no `data`) and its bytes as a stream; BlobNotFoundError when unknown. */
  getStream?(fileId: string): Promise<{ blob: Binary; body: ByteStream }>;
  /** Staging for proxy upload sessions; without it sessions answer 501. */
  readonly uploads?: IUploadStaging;
  /** The method new sessions use: `single_put` when the store was configured for it (and can presign). */
  readonly uploadMethod?: UploadMethod;
  /** A presigned PUT for a single_put session (expiry in seconds). */
  createDirectUpload?(uploadId: string, options: { contentType?: string; expiresIn: number }): Promise<DirectUpload>;
  /**
   * After a direct upload: moves the uploaded object into the blob space as `fileId` and returns
   * its record; null when nothing was uploaded (yet).
   */
  adoptDirectUpload?(uploadId: string, fileId: string, options?: { contentType?: string }): Promise<Binary | null>;
}
