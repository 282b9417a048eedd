/**
 * Upload sessions (http-api §4.7, §9.17) over the registry's blob store. `proxy` sessions stage
 * numbered parts in the store's `uploads` and finalize them into one content-addressed blob,
 * streamed (never held whole when the store can putStream). `single_put` sessions hand out a
 * presigned PUT and adopt the uploaded object at finalize. A session belongs to its creator:
 * while blob access is guarded, anyone else is told it does not exist.
 */
import { randomUUID } from 'node:crypto';
import {
  BlobTooLargeError,
  ConfigurationError,
  NotSupportedError,
  UploadSessionNotFoundError,
  UploadSessionStateError,
  type Binary,
  type BlobUploadSession,
  type ByteStream,
  type IBlobStore,
  type IUploadStaging,
  type UploadPart,
} from '@specstar/interfaces';
import type { BlobAccess } from '../model/blob-access';
import { FILE_ID_PATTERN } from '../storage/blob-ids';
import { getStoreDocument, putStoreDocument } from '../storage/documents';
import { assertValidByteCap, assertValidPartNumber, collectBytes } from '../storage/staging';
import { partsInOrder, streamHash } from './content-hash';
import { SessionLocks } from './session-locks';
import {
  UPLOAD_SESSION_NAMESPACE,
  decodeRecord,
  encodeRecord,
  finalizeProblem,
  isExpired,
  nextExpectedPart,
  parseSessionInput,
  sessionView,
  type SessionRecord,
  type UploadSessionInput,
} from './session-record';

/** A session lives a day unless configured otherwise. */
export const DEFAULT_UPLOAD_SESSION_EXPIRY = 24 * 60 * 60;
/** A presigned PUT stays valid an hour unless the backend says otherwise (BackendDefaults). */
export const DEFAULT_PRESIGNED_EXPIRY = 3600;

export interface UploadSessionsOptions {
  /** The blob store, read on every call (configure() may replace it). */
  store: () => IBlobStore;
  access: BlobAccess;
  /** Seconds a session lives; null: no expiry. Default DEFAULT_UPLOAD_SESSION_EXPIRY. */
  expiresIn?: () => number | null | undefined;
  /** Seconds a presigned PUT stays valid. Default DEFAULT_PRESIGNED_EXPIRY. */
  presignedExpiry?: () => number | undefined;
}

/** Who calls, and (optionally) their clock for expiry. */
export interface SessionCaller {
  user: string;
  now?: Date;
}

/** A call that stores bytes: at most `maxBytes` across all parts of the session. */
export interface SessionWriteCaller extends SessionCaller {
  maxBytes?: number;
}

const proxyUrl = (uploadId: string): string => `/blobs/upload-sessions/${uploadId}/content`;
const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** The blob a finalize produced. */
interface StoredBlob {
  file_id: string;
  size: number;
}

function checkSeconds(value: number | null, option: string): number | null {
  if (value !== null && (!Number.isSafeInteger(value) || value < 1)) {
    throw new ConfigurationError(`Option '${option}' must be a positive integer of seconds (or null for no expiry), got ${String(value)}`);
  }
  return value;
}

export class UploadSessions {
  private readonly locks = new SessionLocks();

  constructor(private readonly options: UploadSessionsOptions) {}

  /** Whether the blob store can run sessions: proxy staging, or presigned direct uploads. */
  get supported(): boolean {
    const store = this.options.store();
    return store.uploads !== undefined || this.directUploads(store);
  }

  /** A new session (status `pending`); NotSupportedError (501) when the store has no staging. */
  async create(input: UploadSessionInput | undefined, caller: SessionCaller): Promise<BlobUploadSession> {
    const fields = parseSessionInput(input);
    const store = this.options.store();
    const now = caller.now ?? new Date();
    const uploadId = randomUUID();
    const configured = this.options.expiresIn?.();
    const expiresIn = checkSeconds(configured === undefined ? DEFAULT_UPLOAD_SESSION_EXPIRY : configured, 'uploadSessionExpiry');
    let record: SessionRecord = {
      upload_id: uploadId,
      status: 'pending',
      upload_method: 'proxy',
      upload_url: proxyUrl(uploadId),
      ...(fields.content_type !== undefined && { content_type: fields.content_type }),
      size: fields.size,
      total_parts: fields.total_parts,
      expires_at: expiresIn === null ? null : new Date(now.getTime() + expiresIn * 1000).toISOString(),
      created_at: now.toISOString(),
      owner: caller.user,
      file_id: '',
    };
    if (this.directUploads(store)) {
      const expiry = this.options.presignedExpiry?.() ?? DEFAULT_PRESIGNED_EXPIRY;
      const direct = await store.createDirectUpload!(uploadId, { contentType: fields.content_type, expiresIn: expiry });
      record = { ...record, upload_method: 'single_put', upload_url: direct.url };
    } else if (store.uploads === undefined) {
      throw new NotSupportedError('The blob store has no staging for upload sessions: upload with POST /blobs/upload instead');
    }
    await this.save(store, record);
    return sessionView(record, []);
  }

  async get(uploadId: string, caller: SessionCaller): Promise<BlobUploadSession> {
    const store = this.options.store();
    const record = await this.live(store, uploadId, caller);
    return sessionView(record, await this.partsOf(store, record));
  }

  /**
   * Stages part `partNumber` from `data`. A part below the next expected contiguous one is a
   * retry of one that arrived: ignored, and `data` is left unread. A re-sent later part replaces
   * the earlier copy once complete. BlobTooLargeError when the session would hold more than
   * `maxBytes`; the earlier copy (if any) stays.
   */
  async putPart(uploadId: string, partNumber: number, data: ByteStream, caller: SessionWriteCaller): Promise<BlobUploadSession> {
    assertValidPartNumber(partNumber);
    assertValidByteCap(caller.maxBytes);
    const store = this.options.store();
    return this.locks.shared(uploadId, async () => {
      const record = await this.live(store, uploadId, caller);
      if (record.upload_method === 'single_put') {
        throw new NotSupportedError(`Upload session '${uploadId}' is single_put: PUT the bytes to its upload_url, then finalize`);
      }
      this.assertOpen(record);
      const staging = this.stagingOf(store);
      const parts = await staging.listParts(uploadId);
      if (partNumber >= nextExpectedPart(parts)) {
        await this.stagePart(staging, uploadId, partNumber, data, parts, caller.maxBytes);
        // Finalize and abort in this process wait for this section; another process's may not have.
        const current = await this.load(store, uploadId, caller.user);
        if (current.status !== 'pending') {
          await staging.deleteParts(uploadId);
          this.assertOpen(current);
        }
      }
      return sessionView(record, await staging.listParts(uploadId));
    });
  }

  /**
   * Concatenates the parts in order into one content-addressed blob (or adopts the direct
   * upload of a single_put session) and records the caller as its uploader.
   */
  async finalize(uploadId: string, caller: SessionWriteCaller): Promise<Binary> {
    assertValidByteCap(caller.maxBytes);
    const store = this.options.store();
    return this.locks.exclusive(uploadId, async () => {
      const record = await this.live(store, uploadId, caller);
      this.assertOpen(record);
      const contentType = record.content_type ?? DEFAULT_CONTENT_TYPE;
      const { blob, parts } =
        record.upload_method === 'single_put' ? { blob: await this.adopt(store, record, contentType), parts: [] } : await this.assemble(store, record, contentType, caller.maxBytes);
      await this.options.access.recordUpload(blob.file_id, caller.user);
      await this.save(store, {
        ...record,
        status: 'finalized',
        file_id: blob.file_id,
        parts_received: parts.map((part) => part.part_number),
        uploaded_size: blob.size,
      });
      await store.uploads?.deleteParts(uploadId);
      return { file_id: blob.file_id, size: blob.size, content_type: contentType };
    });
  }

  /** Ends the session and drops its staged parts; aborting twice is fine, a finalized session is 409. */
  async abort(uploadId: string, caller: SessionCaller): Promise<void> {
    const store = this.options.store();
    await this.locks.exclusive(uploadId, async () => {
      const record = await this.live(store, uploadId, caller);
      if (record.status === 'finalized') throw new UploadSessionStateError(uploadId, `Upload session '${uploadId}' is already finalized`);
      if (record.status === 'pending') await this.save(store, { ...record, status: 'aborted' });
      await store.uploads?.deleteParts(uploadId);
    });
  }

  private directUploads(store: IBlobStore): boolean {
    return store.uploadMethod === 'single_put' && typeof store.createDirectUpload === 'function' && typeof store.adoptDirectUpload === 'function';
  }

  private stagingOf(store: IBlobStore): IUploadStaging {
    if (store.uploads === undefined) throw new NotSupportedError('The blob store has no staging for upload sessions');
    return store.uploads;
  }

  private async partsOf(store: IBlobStore, record: SessionRecord): Promise<UploadPart[]> {
    if (record.status !== 'pending' || record.upload_method !== 'proxy' || store.uploads === undefined) return [];
    return store.uploads.listParts(record.upload_id);
  }

  private async stagePart(
    staging: IUploadStaging,
    uploadId: string,
    partNumber: number,
    data: ByteStream,
    parts: readonly UploadPart[],
    maxBytes: number | undefined,
  ): Promise<void> {
    const others = parts.reduce((sum, part) => (part.part_number === partNumber ? sum : sum + part.size), 0);
    const room = maxBytes === undefined ? undefined : maxBytes - others;
    const overLimit = (): BlobTooLargeError => new BlobTooLargeError(maxBytes!, `Upload session '${uploadId}' may hold at most ${maxBytes} bytes across its parts`);
    if (room !== undefined && room < 0) throw overLimit();
    try {
      await staging.putPart(uploadId, partNumber, data, { maxBytes: room });
    } catch (error) {
      if (error instanceof BlobTooLargeError && maxBytes !== undefined) throw overLimit();
      throw error;
    }
  }

  private async assemble(
    store: IBlobStore,
    record: SessionRecord,
    contentType: string,
    maxBytes: number | undefined,
  ): Promise<{ blob: StoredBlob; parts: UploadPart[] }> {
    const uploadId = record.upload_id;
    const staging = this.stagingOf(store);
    const parts = await staging.listParts(uploadId);
    if (parts.length === 0) throw new UploadSessionStateError(uploadId, `Upload session '${uploadId}' has no parts yet: nothing to finalize`);
    const problem = finalizeProblem(record, parts);
    if (problem !== undefined) throw new UploadSessionStateError(uploadId, problem);
    const total = parts.reduce((sum, part) => sum + part.size, 0);
    if (maxBytes !== undefined && total > maxBytes) {
      throw new BlobTooLargeError(maxBytes, `Upload session '${uploadId}' holds ${total} bytes, more than the limit of ${maxBytes}`);
    }
    const { hex: fileId, size } = await streamHash(partsInOrder(staging, uploadId, parts));
    if (size !== total) throw new UploadSessionStateError(uploadId, `The parts of upload session '${uploadId}' changed while it was finalized: try again`);
    if (!(await store.exists(fileId))) {
      if (store.putStream) await store.putStream(partsInOrder(staging, uploadId, parts), { key: fileId, contentType, size: total });
      // A store without streaming puts takes the whole blob in memory.
      else await store.put(await collectBytes(partsInOrder(staging, uploadId, parts)), { key: fileId, contentType });
    }
    return { blob: { file_id: fileId, size: total }, parts };
  }

  private async adopt(store: IBlobStore, record: SessionRecord, contentType: string): Promise<StoredBlob> {
    const uploadId = record.upload_id;
    const blob = await store.adoptDirectUpload!(uploadId, uploadId, { contentType });
    if (blob === null) throw new UploadSessionStateError(uploadId, `Upload session '${uploadId}' was not uploaded yet: PUT the bytes to its upload_url first`);
    return { file_id: blob.file_id ?? uploadId, size: blob.size ?? 0 };
  }

  private assertOpen(record: SessionRecord): void {
    const id = record.upload_id;
    if (record.status === 'finalized') throw new UploadSessionStateError(id, `Upload session '${id}' is already finalized`);
    if (record.status === 'aborted') {
      throw new UploadSessionStateError(id, record.expired ? `Upload session '${id}' expired at ${record.expires_at}` : `Upload session '${id}' was aborted`);
    }
  }

  /** The session as `caller` may see it; a pending session past its expiry is aborted now (its parts dropped). */
  private async live(store: IBlobStore, uploadId: string, caller: SessionCaller): Promise<SessionRecord> {
    const record = await this.load(store, uploadId, caller.user);
    if (record.status !== 'pending' || !isExpired(record, caller.now ?? new Date())) return record;
    const lapsed: SessionRecord = { ...record, status: 'aborted', expired: true };
    await this.save(store, lapsed);
    await store.uploads?.deleteParts(uploadId);
    return lapsed;
  }

  private async load(store: IBlobStore, uploadId: string, user: string): Promise<SessionRecord> {
    // Ids outside the id alphabet were never handed out: unknown, as any other.
    if (typeof uploadId !== 'string' || !FILE_ID_PATTERN.test(uploadId) || uploadId === '.' || uploadId === '..') {
      throw new UploadSessionNotFoundError(String(uploadId));
    }
    const bytes = await getStoreDocument(store, UPLOAD_SESSION_NAMESPACE, uploadId);
    if (bytes === null) throw new UploadSessionNotFoundError(uploadId);
    const record = decodeRecord(bytes);
    if (this.options.access.enforced && record.owner !== user) throw new UploadSessionNotFoundError(uploadId);
    return record;
  }

  private save(store: IBlobStore, record: SessionRecord): Promise<void> {
    return putStoreDocument(store, UPLOAD_SESSION_NAMESPACE, record.upload_id, encodeRecord(record));
  }
}
