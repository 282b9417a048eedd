/**
 * The handler of a custom action route: reads the input, checks If-Match (update actions),
 * and invokes the action in core as the caller. Sync → 200 RevisionInfo (with its ETag) or
 * `null`; job → 202 JobRedirectInfo (its URL under the mount prefix); background → 202
 * `{"message":"Task accepted"}`, the task run once the response is sent and its failure logged.
 */
import type { Request, Response } from 'express';
import type { CustomAction, ResourceManager } from '@specstar/core';
import { resolveLogger } from '../logger';
import { etagOf, sendJson } from '../wire';
import { readActionInput } from './action-input';
import { precondition } from './item-write';
import { pathParam, type RouteKit } from './kit';

/** '' or one leading slash and no trailing one. */
const normalizedPrefix = (prefix: string | undefined): string => {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
};

/** Runs `task` once the response has been sent (or the connection closed), outside the request's call chain. */
function afterResponse(res: Response, task: () => void): void {
  let started = false;
  const start = (): void => {
    if (started) return;
    started = true;
    setImmediate(task);
  };
  res.once('finish', start);
  res.once('close', start);
}

export function actionRoute(kit: RouteKit, action: CustomAction) {
  const logger = resolveLogger(kit.options.logger);
  const prefix = normalizedPrefix(kit.options.prefix);
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const context = await kit.writeContext(req, rm);
    const resourceId = action.kind === 'update' ? pathParam(req, 'resource_id') : undefined;
    const input = await readActionInput(req, action, kit.options);
    const ifMatch = resourceId === undefined ? undefined : await precondition(req, rm, resourceId);
    const outcome = await action.invoke(input, {
      ...context,
      resourceId,
      ifMatch,
      runLater: (task) => afterResponse(res, task),
      onBackgroundError: (err, summary) => {
        logger.error({ action: summary.handlerName, resource: summary.resourceName, err }, `Background ${summary.kind} action '${summary.handlerName}' failed`);
      },
    });
    if (outcome.mode === 'job') {
      sendJson(res, { ...outcome.body, redirect_url: prefix + outcome.body.redirect_url }, { status: 202 });
      return;
    }
    if (outcome.mode === 'sync' && outcome.body !== null) res.set('ETag', etagOf(outcome.body));
    sendJson(res, outcome.body, { status: outcome.status, hasBytes: false });
  };
}
