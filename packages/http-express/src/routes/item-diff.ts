/**
 * `GET /{model}/{resource_id}/diff?from=…&to=…`: the RFC 6902 operations that turn revision
 * `from` into revision `to` (defaults: the parent of `to`, and the current revision). Sides
 * written under another schema version are migrated first; unknown revisions are 404.
 */
import type { ResourceManager } from '@specstar/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors';
import { QueryReader } from '../params';
import { pathParam, sendRecord } from './kit';

/** A given but empty revision id is a mistake in the query, not an unknown revision. */
function revisionParam(q: QueryReader, name: 'from' | 'to'): string | undefined {
  const value = q.string(name);
  if (value !== undefined && value.trim() === '') throw new HttpError(400, `${name} must be a revision id, e.g. '<resource_id>:1'; got an empty value`);
  return value;
}

export async function readDiff(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  q.check();
  const from = revisionParam(q, 'from');
  const to = revisionParam(q, 'to');
  sendRecord(res, await rm.diff(pathParam(req, 'resource_id'), from, to, { includeDeleted }));
}
