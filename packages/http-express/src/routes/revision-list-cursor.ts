/**
 * Cursor mode of `GET /{model}/{resource_id}/revision-list` (`cursor` present, empty for the first
 * page): reads only the page from the store, in write order, and answers `next_cursor` (null on the
 * last page) instead of `total`. Cursors are signed: an altered one is 400 naming `cursor`.
 */
import type { ResourceManager } from '@specstar/core';
import type { ResourceMeta } from '@specstar/interfaces';
import type { Response } from 'express';
import { HttpError } from '../errors';
import type { Partials } from '../params';
import { project, sendRecord } from './kit';

// Window, offset and chain filters need the whole history, which cursor paging exists to avoid.
const EXCLUSIVE_WITH_CURSOR = ['offset', 'created_time_start', 'created_time_end', 'from_revision_id', 'chain_only'] as const;

export interface CursorListRequest {
  cursor: string;
  limit: number;
  /** The `sort` parameter when given; a cursor keeps the order it was issued for. */
  sort: string | undefined;
  present: (name: string) => boolean;
  partials: Partials;
}

export async function sendRevisionPage(res: Response, rm: ResourceManager, id: string, meta: ResourceMeta, request: CursorListRequest): Promise<void> {
  const clash = EXCLUSIVE_WITH_CURSOR.find((name) => request.present(name));
  if (clash !== undefined) throw new HttpError(400, `cursor cannot be combined with ${clash}`);
  const order = request.sort === undefined ? undefined : request.sort === 'created_time' ? 'asc' : 'desc';
  const page = await rm.listRevisionsPage(id, { limit: request.limit, cursor: request.cursor, order });
  sendRecord(res, {
    meta: project(meta, request.partials.meta),
    revisions: page.revisions.map((r) => project(r, request.partials.info)),
    has_more: page.nextCursor !== null,
    next_cursor: page.nextCursor,
  });
}
