import type { RevisionInfo } from '@specstar/interfaces';

/**
 * The counter `n` of a revision id `<resource_id>:<n>`, or NaN when the id has no numeric suffix
 * (an id from elsewhere, e.g. loaded from an archive).
 */
export function revisionCounter(revisionId: string): number {
  const at = revisionId.lastIndexOf(':');
  const suffix = revisionId.slice(at + 1);
  return at >= 0 && /^\d{1,15}$/.test(suffix) ? Number(suffix) : NaN;
}

/**
 * Oldest first: `created_time`, then the revision counter, so revisions written within one
 * millisecond (a job's state changes) keep their exact order; ids without a counter compare as
 * text after those with one. Negate it for newest first.
 */
export function compareRevisionsByCreation(a: RevisionInfo, b: RevisionInfo): number {
  const byTime = a.created_time.getTime() - b.created_time.getTime();
  if (byTime !== 0) return byTime;
  const x = revisionCounter(a.revision_id);
  const y = revisionCounter(b.revision_id);
  if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  if (Number.isNaN(x) !== Number.isNaN(y)) return Number.isNaN(x) ? 1 : -1;
  return a.revision_id < b.revision_id ? -1 : a.revision_id > b.revision_id ? 1 : 0;
}
