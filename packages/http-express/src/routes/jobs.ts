/**
 * Job routes, served for job models with a message queue: rerun a finished job, read the log of
 * its latest run. Both run in the caller's scope like every model route.
 */
import type { ResourceManager } from '@specstar/core';
import type { Request, Response } from 'express';
import { etagOf } from '../wire';
import { pathParam, sendRecord, type RouteKit } from './kit';

/** Whether `model` is a job model with a queue (the only models these routes exist for). */
export function hasMessageQueue(rm: ResourceManager | undefined): boolean {
  return rm?.messageQueue !== undefined;
}

/**
 * `POST /{model}/{resource_id}/rerun` → 200 RevisionInfo: a completed or failed job goes back to
 * `pending` (retries 0, no error, no artifact) and is queued again. Pending or processing → 400.
 */
export function rerunRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const info = await rm.rerun(pathParam(req, 'resource_id'), await kit.writeContext(req, rm));
    res.set('ETag', etagOf(info));
    sendRecord(res, info);
  };
}

/**
 * `GET /{model}/{resource_id}/logs` → 200 text of the latest run's log, or 204 when there is
 * none. The job must be readable by the caller (`get` permission; unknown or deleted → 404/410).
 */
export async function readJobLogs(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const id = pathParam(req, 'resource_id');
  await rm.get(id);
  const logs = await rm.getLogs(id);
  if (logs === null) {
    res.status(204).end();
    return;
  }
  // Log lines are handler text: never to be sniffed into something a browser runs.
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.status(200).type('text/plain; charset=utf-8').send(logs);
}
