/**
 * Writes: create, PUT, PATCH, switch, delete, restore, purge.
 * Every write to an existing resource honours If-Match: a revision id or the etag of a read.
 */
import type { ResourceManager } from '@specstar/core';
import type { Request, Response } from 'express';
import { isMergePatch, hasBody, requireBody } from '../body';
import { HttpError, markConditional, preconditionFailed } from '../errors';
import { QueryReader } from '../params';
import { etagOf, matchingCandidate, parseIfMatch } from '../wire';
import { setMetaEtag } from './conditional';
import { pathParam, sendRecord, type RouteKit } from './kit';

const MODES = ['update', 'modify'] as const;
const STATUSES = ['draft', 'stable'] as const;

/** `POST /{model}` → 200 RevisionInfo of `:1` (upstream never sends 201). */
export function createRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const data = requireBody(req);
    const info = await rm.create(data, await kit.writeContext(req, rm));
    res.set('ETag', etagOf(info));
    sendRecord(res, info);
  };
}

/** `mode` and `change_status`, with the rule that change_status needs mode=modify (checked first). */
function readWriteMode(req: Request): { mode: 'update' | 'modify'; status: 'draft' | 'stable' | undefined } {
  const q = new QueryReader(req);
  const mode = q.literal('mode', MODES) ?? 'update';
  const status = q.literal('change_status', STATUSES);
  q.check();
  if (status !== undefined && mode !== 'modify') throw new HttpError(400, "change_status can only be used with mode 'modify'");
  return { mode, status };
}

/**
 * Checks If-Match against the current revision. Returns the revision id the write must still
 * find current (the manager re-checks it atomically), or undefined without If-Match.
 */
export async function precondition(req: Request, rm: ResourceManager, resourceId: string, includeDeleted = false): Promise<string | undefined> {
  const ifMatch = parseIfMatch(req.get('If-Match'));
  if (!ifMatch) return undefined;
  markConditional(req);
  const meta = await rm.getMeta(resourceId, { includeDeleted });
  const current = await rm.getRevisionInfo(resourceId, meta.current_revision_id);
  if (!matchingCandidate(ifMatch, current)) {
    const expected = ifMatch.any ? current.revision_id : (ifMatch.candidates[0]?.revisionId ?? '');
    const failed = preconditionFailed(expected, current.revision_id);
    throw new HttpError(failed.status, failed.body.detail);
  }
  return current.revision_id;
}

/** `PUT /{model}/{resource_id}`: full replace (update), in-place edit (modify) or a status change. */
export function putRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const { mode, status } = readWriteMode(req);
    if (mode === 'update' && !hasBody(req)) throw new HttpError(422, "A request body is required unless mode is 'modify'");
    const id = pathParam(req, 'resource_id');
    const context = await kit.writeContext(req, rm);
    const expectRevisionId = await precondition(req, rm, id);
    let info;
    if (mode === 'update') {
      info = await rm.update(id, req.body, { ...context, expectRevisionId });
    } else {
      let data: unknown = hasBody(req) ? req.body : undefined;
      // modify() reads an array as RFC 6902 operations; PUT always means a full value.
      if (Array.isArray(data) && rm.model.schema['type'] !== 'array') data = rm.model.prepare(data);
      info = await rm.modify(id, { data, status }, { ...context, expectRevisionId });
    }
    res.set('ETag', etagOf(info));
    sendRecord(res, info);
  };
}

/** `PATCH /{model}/{resource_id}`: RFC 6902 operations, or RFC 7386 with `application/merge-patch+json`. */
export function patchRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const { mode, status } = readWriteMode(req);
    const patch = requireBody(req);
    const id = pathParam(req, 'resource_id');
    const context = await kit.writeContext(req, rm);
    const expectRevisionId = await precondition(req, rm, id);
    const info = await rm.patch(id, patch, {
      ...context,
      mode,
      status,
      format: isMergePatch(req) ? 'merge-patch' : 'json-patch',
      expectRevisionId,
    });
    res.set('ETag', etagOf(info));
    sendRecord(res, info);
  };
}

/** `POST /{model}/{resource_id}/switch/{revision_id}` → ResourceMeta, with the ETag of the new current revision. */
export function switchRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const id = pathParam(req, 'resource_id');
    const context = await kit.writeContext(req, rm);
    const expectRevisionId = await precondition(req, rm, id);
    const meta = await rm.switch(id, pathParam(req, 'revision_id'), { ...context, expectRevisionId });
    await setMetaEtag(res, rm, meta);
    sendRecord(res, meta);
  };
}

type Lifecycle = 'delete' | 'restore' | 'permanentlyDelete';

/**
 * Soft delete, restore, and permanent delete (which answers the meta as it was before, without
 * an ETag: nothing is left to match).
 */
export function lifecycleRoute(kit: RouteKit, action: Lifecycle) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const id = pathParam(req, 'resource_id');
    const context = await kit.writeContext(req, rm);
    // Restore and purge also act on a soft-deleted resource.
    const expectRevisionId = await precondition(req, rm, id, action !== 'delete');
    const meta = await rm[action](id, { ...context, expectRevisionId });
    if (action !== 'permanentlyDelete') await setMetaEtag(res, rm, meta);
    sendRecord(res, meta);
  };
}
