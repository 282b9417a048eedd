/**
 * An upload session as core keeps it: one JSON document per session in the blob store
 * (namespace `upload-session`), and the wire view (BlobUploadSession) derived from it and from
 * the staged parts. The record changes only at create, finalize and abort; which parts arrived
 * is read from the staging itself, so parallel parts never overwrite each other's bookkeeping.
 */
import { ValidationError, type BlobUploadSession, type UploadMethod, type UploadPart } from '@specstar/interfaces';
import { MAX_PART_NUMBER } from '../storage/staging';

export const UPLOAD_SESSION_NAMESPACE = 'upload-session';

/** Stored statuses; `uploading` is `pending` with parts staged, derived on every read. */
export type StoredStatus = 'pending' | 'finalized' | 'aborted';

export interface SessionRecord {
  upload_id: string;
  status: StoredStatus;
  upload_method: UploadMethod;
  upload_url: string;
  content_type?: string;
  size: number | null;
  total_parts: number | null;
  expires_at: string | null;
  created_at: string;
  /** Who created the session: only they may use it while blob access is guarded. */
  owner: string;
  /** `""` until finalized. */
  file_id: string;
  /** Set when the session was aborted because it expired. */
  expired?: true;
  /** At finalize, what the staging held (it is emptied then). */
  parts_received?: number[];
  uploaded_size?: number;
}

/** What a client may declare when it creates a session (all optional). */
export interface UploadSessionInput {
  content_type?: string | null;
  size?: number | null;
  total_parts?: number | null;
}

function invalid(field: string, message: string, value: unknown): ValidationError {
  return new ValidationError(`Invalid ${field} ${JSON.stringify(value) ?? String(value)}: ${message}`, {
    kind: 'input',
    issues: [{ path: `/${field}`, message }],
  });
}

function optionalInteger(input: Record<string, unknown>, field: string, min: number, max: number): number | null {
  const value = input[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min} to ${max}, or null`, value);
  }
  return value;
}

/** The declared fields, checked: ValidationError naming the first bad field. Unknown fields are ignored. */
export function parseSessionInput(input: unknown): { content_type?: string; size: number | null; total_parts: number | null } {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ValidationError('An upload session is created from a JSON object (all fields optional; {} is valid)', {
      kind: 'input',
      issues: [{ path: '', message: 'must be an object' }],
    });
  }
  const fields = input as Record<string, unknown>;
  const contentType = fields['content_type'];
  if (contentType !== undefined && contentType !== null && typeof contentType !== 'string') {
    throw invalid('content_type', 'must be a string or null', contentType);
  }
  const size = optionalInteger(fields, 'size', 0, Number.MAX_SAFE_INTEGER);
  const totalParts = optionalInteger(fields, 'total_parts', 1, MAX_PART_NUMBER);
  return { ...(typeof contentType === 'string' && contentType !== '' && { content_type: contentType }), size, total_parts: totalParts };
}

export function encodeRecord(record: SessionRecord): Uint8Array {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

export function decodeRecord(bytes: Uint8Array): SessionRecord {
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as SessionRecord;
}

/** Whether the session lapsed at `now`. */
export function isExpired(record: SessionRecord, now: Date): boolean {
  return record.expires_at !== null && Date.parse(record.expires_at) <= now.getTime();
}

/** The wire view: the record with the parts staged now (or those kept at finalize). */
export function sessionView(record: SessionRecord, parts: readonly UploadPart[]): BlobUploadSession {
  const received = record.parts_received ?? parts.map((part) => part.part_number);
  const uploaded = record.uploaded_size ?? parts.reduce((sum, part) => sum + part.size, 0);
  const status = record.status === 'pending' && received.length > 0 ? 'uploading' : record.status;
  const view: BlobUploadSession = {
    upload_id: record.upload_id,
    file_id: record.file_id,
    status,
    upload_method: record.upload_method,
    upload_url: record.upload_url,
    size: record.size,
    uploaded_size: uploaded,
    total_parts: record.total_parts,
    parts_received: [...received],
    expires_at: record.expires_at,
  };
  if (record.content_type !== undefined) view.content_type = record.content_type;
  return view;
}

/**
 * The next part a contiguous upload expects: one past the longest run 1, 2, … already staged.
 * A re-sent part below it is a retry of a part that arrived, and is ignored.
 */
export function nextExpectedPart(parts: readonly UploadPart[]): number {
  const numbers = new Set(parts.map((part) => part.part_number));
  let next = 1;
  while (numbers.has(next)) next++;
  return next;
}

/** Why the staged parts cannot be finalized, or undefined when they can. */
export function finalizeProblem(record: SessionRecord, parts: readonly UploadPart[]): string | undefined {
  const id = record.upload_id;
  if (record.total_parts !== null && parts.length !== record.total_parts) {
    return `Upload session '${id}' declared ${record.total_parts} parts but ${parts.length} arrived`;
  }
  const missing: number[] = [];
  const last = parts.length === 0 ? 0 : parts[parts.length - 1]!.part_number;
  const numbers = new Set(parts.map((part) => part.part_number));
  for (let n = 1; n <= last && missing.length < 20; n++) if (!numbers.has(n)) missing.push(n);
  if (missing.length > 0) return `Upload session '${id}' is missing parts ${missing.join(', ')} (parts must be 1 to ${last} without gaps)`;
  const total = parts.reduce((sum, part) => sum + part.size, 0);
  if (record.size !== null && total !== record.size) {
    return `Upload session '${id}' declared ${record.size} bytes but its parts hold ${total}`;
  }
  return undefined;
}
