/**
 * Object keys. Every name that becomes part of a key is either checked against a closed alphabet
 * (file ids, document names, upload ids: core's checks) or encoded into one (resource ids,
 * revision ids, schema versions), so no name can reach another name's key or another space.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '@specstar/interfaces';
import { assertValidDocumentName, assertValidFileId } from '@specstar/core/adapter';

/** Longest encoded segment kept as it is; longer ones are hashed (S3 keys hold at most 1024 bytes). */
const MAX_SEGMENT = 200;

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * An arbitrary string as one key segment of `A-Z a-z 0-9 _ - %` only: percent-encoding (dots
 * included, so never `.` or `..`), or, for an empty or long name, `+` and its sha256 (`+` is
 * outside the encoded alphabet, so the two forms never collide). Only the first form decodes.
 */
export function encodeSegment(name: string): string {
  const encoded = encodeURIComponent(name).replace(/[.!~*'()]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
  return encoded.length === 0 || encoded.length > MAX_SEGMENT ? `+${sha256(name)}` : encoded;
}

/** The name of an encoded segment, or undefined for a hashed one (the caller looks it up). */
export function decodeSegment(segment: string): string | undefined {
  if (segment.startsWith('+')) return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** A document namespace or key as a segment: the name, or `+` and its sha256 when long (as the disk store does). */
export function documentSegment(name: string, field: 'namespace' | 'key'): string {
  assertValidDocumentName(name, field);
  return name.length <= MAX_SEGMENT ? name : `+${sha256(name)}`;
}

/** Owners are app user names of any length and alphabet: a fixed-length, collision-resistant segment. */
export function ownerSegment(owner: string): string {
  if (typeof owner !== 'string') {
    throw new ValidationError('A grant owner must be a string', { kind: 'input', issues: [{ path: '/owner', message: 'must be a string' }] });
  }
  return sha256(owner);
}

/** An upload id as a segment: the file-id alphabet. */
export function uploadSegment(uploadId: string): string {
  assertValidFileId(uploadId, 'upload_id');
  return uploadId;
}

/** A part number: an integer from 1 (S3's own multipart limit does not apply; these are whole objects). */
export function checkPartNumber(partNumber: number): number {
  if (typeof partNumber !== 'number' || !Number.isSafeInteger(partNumber) || partNumber < 1) {
    throw new ValidationError(`Invalid part_number ${JSON.stringify(partNumber)}: use an integer from 1`, {
      kind: 'input',
      issues: [{ path: '/part_number', message: 'must be an integer from 1' }],
    });
  }
  return partNumber;
}

/**
 * The key spaces of a blob store under its prefix. Blobs are `<prefix><file_id>`; the others
 * start with `+`, which no file id contains, so no file id reaches them.
 */
export class BlobKeys {
  constructor(readonly prefix: string) {}

  blob(fileId: string): string {
    assertValidFileId(fileId);
    return `${this.prefix}${fileId}`;
  }

  grant(fileId: string, owner: string): string {
    assertValidFileId(fileId);
    return `${this.prefix}+grants/${fileId}/${ownerSegment(owner)}`;
  }

  document(namespace: string, key: string): string {
    return `${this.prefix}+docs/${documentSegment(namespace, 'namespace')}/${documentSegment(key, 'key')}`;
  }

  /** Everything staged for one upload: its parts and its direct-upload object. */
  upload(uploadId: string): string {
    return `${this.prefix}+uploads/${uploadSegment(uploadId)}/`;
  }

  part(uploadId: string, partNumber: number): string {
    return `${this.upload(uploadId)}${checkPartNumber(partNumber)}`;
  }

  /** Where a presigned single PUT lands before it is adopted as a blob. */
  direct(uploadId: string): string {
    return `${this.upload(uploadId)}direct`;
  }
}
