import type { DeliveryInfo, Job } from '@specstar/interfaces';

/** A job is periodic when its interval is a positive number of seconds. */
export function isPeriodic(job: Job): boolean {
  return typeof job.periodic_interval_seconds === 'number' && job.periodic_interval_seconds > 0;
}

/** Seconds before the first run, or 0: only before any successful run, for one-shot jobs too. */
export function initialDelaySeconds(job: Job): number {
  const delay = job.periodic_initial_delay_seconds;
  return typeof delay === 'number' && delay > 0 && job.periodic_runs === 0 ? delay : 0;
}

/**
 * The effective retry limit: the job's own `max_retries` as is (it may exceed the queue's), or
 * with the `min` rule (Celery, whose task carries the queue's limit as a ceiling) the smaller one.
 */
export function retryLimit(job: Job, queueLimit: number, rule: DeliveryInfo['limitRule'] = 'job'): number {
  if (job.max_retries === null || job.max_retries === undefined) return queueLimit;
  return rule === 'min' ? Math.min(job.max_retries, queueLimit) : job.max_retries;
}
