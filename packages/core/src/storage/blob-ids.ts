/** Blob-id checks every blob store shares: ids become keys and file names, so none may traverse. */
import { ValidationError } from '@specstar/interfaces';
import type { BlobPutOptions } from '@specstar/interfaces';
import { isBytes } from '../codec';

export const FILE_ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;

/**
 * Blob ids become keys and file names in other stores, so every store checks them the same
 * way: 1–200 characters of `A-Z a-z 0-9 . _ -`, and not `.` or `..`.
 */
export function assertValidFileId(fileId: unknown, field = 'file_id'): asserts fileId is string {
  if (typeof fileId !== 'string' || !FILE_ID_PATTERN.test(fileId) || fileId === '.' || fileId === '..') {
    const shown = typeof fileId === 'string' ? `'${fileId}'` : String(fileId);
    throw new ValidationError(`Invalid blob id ${shown}: use 1-200 characters of A-Z, a-z, 0-9, '.', '_', '-' (not '.' or '..')`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: `invalid blob id ${shown}` }],
    });
  }
}

/**
 * The checks every blob store makes on put: the data must be bytes and a caller key a valid
 * file id; an empty content type counts as none.
 */
export function checkBlobPut(data: unknown, options: BlobPutOptions): { key: string | undefined; contentType: string | undefined } {
  if (!isBytes(data)) {
    throw new ValidationError('Blob data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
  }
  const { key } = options;
  if (key !== undefined) assertValidFileId(key, 'key');
  return { key, contentType: options.contentType ? options.contentType : undefined };
}

export const DOCUMENT_NAME_PATTERN = /^[A-Za-z0-9._-]{1,400}$/;

/**
 * A blob-store document's namespace or key (IBlobStore.putDocument): 1–400 characters of
 * `A-Z a-z 0-9 . _ -`, not `.` or `..`, so a store may turn it into a key or a path segment.
 */
export function assertValidDocumentName(name: unknown, field: 'namespace' | 'key'): asserts name is string {
  if (typeof name !== 'string' || !DOCUMENT_NAME_PATTERN.test(name) || name === '.' || name === '..') {
    const shown = typeof name === 'string' ? `'${name.length > 80 ? `${name.slice(0, 80)}…` : name}'` : String(name);
    throw new ValidationError(`Invalid document ${field} ${shown}: use 1-400 characters of A-Z, a-z, 0-9, '.', '_', '-' (not '.' or '..')`, {
      kind: 'input',
      issues: [{ path: `/${field}`, message: `invalid document ${field} ${shown}` }],
    });
  }
}

/** The checks every blob store makes on putDocument: valid names and bytes for data. */
export function checkDocumentPut(namespace: unknown, key: unknown, data: unknown): void {
  assertValidDocumentName(namespace, 'namespace');
  assertValidDocumentName(key, 'key');
  if (!isBytes(data)) {
    throw new ValidationError('Document data must be a Uint8Array', { kind: 'input', issues: [{ path: '/data', message: 'not bytes' }] });
  }
}
