/**
 * One revision record as one object, so a save is one PUT and replacing a record is atomic (a
 * reader sees the old record or the new one, never new bytes under an old info):
 *
 *   'SSR1' | info length (uint32, big-endian) | info (core's JSON record encoding) | payload
 *
 * The info comes first, so getInfo reads only the head of the object (a ranged GET).
 */
import { ValidationError } from '@specstar/interfaces';
import type { RevisionInfo, StoredRevision } from '@specstar/interfaces';
import { decodeInfo, encodeRecord, isBytes } from '@specstar/core/adapter';

const MAGIC = Buffer.from('SSR1', 'latin1');
export const HEADER_BYTES = MAGIC.byteLength + 4;

function invalidRecord(field: string, message: string): ValidationError {
  return new ValidationError(`RevisionInfo${field === '' ? '' : `.${field}`} ${message}`, {
    kind: 'input',
    issues: [{ path: field === '' ? '' : `/${field}`, message }],
  });
}

/** A record checked and framed, ready to PUT; `body` is a copy (the caller may reuse its buffer). */
export interface FramedRecord {
  resourceId: string;
  revisionId: string;
  schemaVersion: string | null;
  body: Uint8Array;
}

/** Checks the key fields and the bytes, and frames the record (encodeRecord checks the rest of the info). */
export function frameRecord(info: RevisionInfo, data: Uint8Array): FramedRecord {
  if (typeof info !== 'object' || info === null) throw invalidRecord('', 'must be an object');
  for (const field of ['uid', 'resource_id', 'revision_id'] as const) {
    if (typeof info[field] !== 'string' || info[field] === '') throw invalidRecord(field, 'must be a non-empty string');
  }
  if (info.schema_version !== null && typeof info.schema_version !== 'string') {
    throw invalidRecord('schema_version', 'must be a string or null');
  }
  if (!isBytes(data)) {
    throw new ValidationError('Revision data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
  }
  const encoded = encodeRecord('info', info, 'json');
  const body = Buffer.allocUnsafe(HEADER_BYTES + encoded.byteLength + data.byteLength);
  MAGIC.copy(body, 0);
  body.writeUInt32BE(encoded.byteLength, MAGIC.byteLength);
  body.set(encoded, HEADER_BYTES);
  body.set(data, HEADER_BYTES + encoded.byteLength);
  return { resourceId: info.resource_id, revisionId: info.revision_id, schemaVersion: info.schema_version, body };
}

/** Why an object is not a record this store wrote; null when it is (as far as `head` shows). */
export function headerProblem(head: Uint8Array): string | null {
  if (head.byteLength < HEADER_BYTES) return `holds ${head.byteLength} bytes, fewer than a record header`;
  if (!Buffer.from(head.buffer, head.byteOffset, MAGIC.byteLength).equals(MAGIC)) return 'does not start with a record header';
  return null;
}

/** The info length a record header announces. */
export function infoLength(head: Uint8Array): number {
  return Buffer.from(head.buffer, head.byteOffset, head.byteLength).readUInt32BE(MAGIC.byteLength);
}

export function decodeFramedInfo(head: Uint8Array): RevisionInfo {
  const length = infoLength(head);
  return decodeInfo(head.subarray(HEADER_BYTES, HEADER_BYTES + length), 'json');
}

/** The record of a whole object; the payload is a view of `body` (read-only for callers). */
export function unframeRecord(body: Uint8Array): StoredRevision {
  const length = infoLength(body);
  return { info: decodeFramedInfo(body), data: body.subarray(HEADER_BYTES + length) };
}
