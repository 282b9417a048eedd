import { createHash } from 'node:crypto';
import type { IBlobStore } from '@specstar/interfaces';

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

// Stores without documents: logs live in memory (per blob store) and are lost at restart.
const fallback = new WeakMap<IBlobStore, Map<string, Uint8Array>>();

function memoryOf(store: IBlobStore): Map<string, Uint8Array> {
  let docs = fallback.get(store);
  if (!docs) fallback.set(store, (docs = new Map()));
  return docs;
}

/** Writes (replaces) the log text of a job. */
export async function putJobLog(store: IBlobStore, resourceId: string, text: string): Promise<void> {
  const bytes = Buffer.from(text, 'utf8');
  const key = jobLogKey(resourceId);
  if (store.putDocument) await store.putDocument(JOB_LOG_NAMESPACE, key, bytes);
  else memoryOf(store).set(key, bytes);
}

/** The log text of a job, or null when none was written. */
export async function getJobLog(store: IBlobStore, resourceId: string): Promise<string | null> {
  const key = jobLogKey(resourceId);
  const bytes = store.getDocument ? await store.getDocument(JOB_LOG_NAMESPACE, key) : (memoryOf(store).get(key) ?? null);
  return bytes === null ? null : Buffer.from(bytes).toString('utf8');
}
