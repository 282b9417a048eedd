import { createHash } from 'node:crypto';
import type { IBlobStore } from '@specstar/interfaces';
import { getStoreDocument, putStoreDocument } from '../storage/documents';

/** The blob-store document namespace of job logs (outside the file-id space, see IBlobStore.putDocument). */
export const JOB_LOG_NAMESPACE = 'job-log';

/** Python SpecStar's blob key prefix for job logs, as archives written by it carry them. */
export const PYTHON_JOB_LOG_PREFIX = '__job_log__/';

// Longer encodings would pass the 400-character document-name limit; those ids are hashed.
const MAX_ENCODED_ID = 300;

/**
 * The document key of a job's log: the resource id in base64url (ids may hold `:` and `/`), or
 * for very long ids `.` and their sha256 (`.` is outside the base64url alphabet: no collision).
 */
export function jobLogKey(resourceId: string): string {
  const encoded = Buffer.from(resourceId, 'utf8').toString('base64url');
  return encoded.length <= MAX_ENCODED_ID ? encoded : `.${createHash('sha256').update(resourceId, 'utf8').digest('base64url')}`;
}

/** Writes (replaces) the log text of a job. */
export async function putJobLog(store: IBlobStore, resourceId: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const key = jobLogKey(resourceId);
  // Stores without documents: logs live in core's memory fallback and are lost at restart.
  await putStoreDocument(store, JOB_LOG_NAMESPACE, key, bytes);
}

/** The log text of a job, or null when none was written. */
export async function getJobLog(store: IBlobStore, resourceId: string): Promise<string | null> {
  const key = jobLogKey(resourceId);
  const bytes = await getStoreDocument(store, JOB_LOG_NAMESPACE, key);
  return bytes === null ? null : Buffer.from(bytes).toString('utf8');
}
