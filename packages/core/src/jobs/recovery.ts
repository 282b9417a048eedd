import { TaskStatus } from '@specstar/interfaces';
import type { ManagerJobStore } from './job-store';

export const STALE_JOB_MESSAGE = 'Recovered stale job: worker was likely killed while processing this job.';

/**
 * Marks `processing` jobs whose heartbeat is missing or older than the timeout as `failed`
 * (timeout 0: all of them). No retry is used and nothing is re-enqueued: a user reruns them.
 * Per-job errors are skipped. Returns the recovered ids.
 */
export async function recoverStaleJobs(store: ManagerJobStore, timeoutSeconds: number): Promise<string[]> {
  const recovered: string[] = [];
  const cutoff = Date.now() - timeoutSeconds * 1000;
  for (const id of await store.idsInStatus(TaskStatus.PROCESSING)) {
    try {
      const job = await store.get(id);
      if (!job || job.data.status !== TaskStatus.PROCESSING) continue;
      const beat = job.data.last_heartbeat_at;
      if (timeoutSeconds > 0 && beat !== null && Date.parse(beat) > cutoff) continue;
      if ((await store.change(job, { status: TaskStatus.FAILED, errmsg: STALE_JOB_MESSAGE })) !== null) recovered.push(id);
    } catch {
      // One job that cannot be recovered must not stop the others.
    }
  }
  return recovered;
}
