/**
 * Job logs in archives. They live as blob-store documents (never reachable by a file id), but an
 * archive carries them the way Python SpecStar does: a BlobRecord `__job_log__/<resource_id>`
 * with the log text, so archives load both ways.
 */
import { ArchiveFormatError } from '@specstar/interfaces';
import { checkResourceId } from '../ids';
import { PYTHON_JOB_LOG_PREFIX, getJobLog, jobLogKey, putJobLog } from '../jobs/log-documents';
import type { ResourceManager } from '../manager';
import { assertValidDocumentName } from '../storage';
import type { BlobRecord } from './archive-records';

const LOG_CONTENT_TYPE = 'text/plain; charset=utf-8';

/** The resource id of a job-log BlobRecord, or undefined for an ordinary blob. */
export function jobLogResourceId(record: BlobRecord): string | undefined {
  return record.file_id.startsWith(PYTHON_JOB_LOG_PREFIX) ? record.file_id.slice(PYTHON_JOB_LOG_PREFIX.length) : undefined;
}

/** Refuses a job-log record whose resource id is invalid or cannot key a log document, before anything is written. */
export function checkJobLogRecord(rm: ResourceManager, resourceId: string, position: number | undefined): void {
  try {
    checkResourceId(resourceId);
    assertValidDocumentName(jobLogKey(resourceId), 'key');
  } catch (error) {
    const refusal = new ArchiveFormatError(
      `BlobRecord of model '${rm.name}' is a job log of an invalid resource_id ${JSON.stringify(resourceId)}: ${error instanceof Error ? error.message : String(error)}`,
      position,
    );
    (refusal as { cause?: unknown }).cause = error;
    throw refusal;
  }
}

/** Stores the record's text as the job log of `resourceId` (replacing any), when the model has a blob store. */
export async function loadJobLog(rm: ResourceManager, resourceId: string, record: BlobRecord): Promise<void> {
  if (!rm.blobStore) return;
  await putJobLog(rm.blobStore, resourceId, Buffer.from(record.blob_data.buffer, record.blob_data.byteOffset, record.blob_data.byteLength).toString('utf8'));
}

/** The BlobRecord of a job's log for a dump, or undefined when the model keeps no logs or the job has none. */
export async function jobLogRecord(rm: ResourceManager, resourceId: string): Promise<BlobRecord | undefined> {
  if (!rm.model.isJob || !rm.blobStore) return undefined;
  const text = await getJobLog(rm.blobStore, resourceId);
  if (text === null) return undefined;
  const bytes = Buffer.from(text, 'utf8');
  return { t: 'BlobRecord', file_id: `${PYTHON_JOB_LOG_PREFIX}${resourceId}`, blob_data: bytes, size: bytes.byteLength, content_type: LOG_CONTENT_TYPE };
}
