/**
 * Conditional requests on one resource: the ETag every single-resource answer carries (a meta
 * answer included: the etag of its current revision), and If-None-Match on reads, answered 304
 * while the client's copy is still current.
 */
import type { ResourceManager } from '@specstar/core';
import type { ResourceMeta, RevisionInfo } from '@specstar/interfaces';
import type { Request, Response } from 'express';
import { etagOf, matchingCandidate, parseIfMatch } from '../wire';

type Tagged = Pick<RevisionInfo, 'revision_id' | 'data_hash'>;

/**
 * Sets the ETag of `info`; when If-None-Match names it (an etag, weak or strong, a revision id
 * or `*`), answers 304 with no body and returns true: the caller sends nothing more.
 */
export function answeredNotModified(req: Request, res: Response, info: Tagged): boolean {
  res.set('ETag', etagOf(info));
  const ifNoneMatch = parseIfMatch(req.get('If-None-Match'));
  if (!ifNoneMatch || !matchingCandidate(ifNoneMatch, info)) return false;
  res.status(304).end();
  return true;
}

/** Sets the ETag of the meta's current revision. */
export async function setMetaEtag(res: Response, rm: ResourceManager, meta: ResourceMeta): Promise<Tagged> {
  const info = await rm.getRevisionInfo(meta.resource_id, meta.current_revision_id);
  res.set('ETag', etagOf(info));
  return info;
}
