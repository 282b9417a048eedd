/**
 * Single-resource reads: the canonical envelope and its deprecated
 * variants, and the revision history. One visibility rule for all of them: a
 * soft-deleted resource is not found unless `include_deleted=true`.
 */
import { compareRevisionsByCreation, type ResourceManager } from '@specstar/core';
import type { RevisionInfo } from '@specstar/interfaces';
import type { Request, Response } from 'express';
import { HttpError } from '../errors';
import { QueryReader, readPartialSelectors, readReturns, routePartials, type Section } from '../params';
import { answeredNotModified } from './conditional';
import { pathParam, project, sendRecord } from './kit';
import { sendRevisionPage } from './revision-list-cursor';

const ONLY_META: ReadonlySet<Section> = new Set(['meta']);
const ONLY_INFO: ReadonlySet<Section> = new Set(['info']);
const INFO_AND_META: ReadonlySet<Section> = new Set(['info', 'meta']);

/** `GET /{model}/{resource_id}` and `/full` (byte-identical). */
export async function readEnvelope(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  q.check();
  const returns = readReturns(q);
  const partials = routePartials(readPartialSelectors(q), 'data');
  const id = pathParam(req, 'resource_id');
  const revisionId = q.string('revision_id');

  let resource = await rm.get(id, { revisionId, includeDeleted });
  // meta is always the resource's current meta, even for an older revision.
  const meta = !returns.onlyData && returns.sections.has('meta') ? await rm.getMeta(id, { includeDeleted }) : undefined;
  // A write between the two reads moved the current revision: the envelope pairs the data with the
  // meta it shows, or a client using meta.current_revision_id as If-Match would overwrite that write.
  if (meta !== undefined && revisionId === undefined && meta.current_revision_id !== resource.info.revision_id) {
    resource = await rm.get(id, { revisionId: meta.current_revision_id, includeDeleted });
  }
  if (answeredNotModified(req, res, resource.info)) return;
  if (returns.onlyData) {
    sendRecord(res, project(resource.data, partials.data), rm);
    return;
  }
  const body: Record<string, unknown> = {};
  if (returns.sections.has('data')) body['data'] = project(resource.data, partials.data);
  if (returns.sections.has('info')) body['revision_info'] = project(resource.info, partials.info);
  if (meta) body['meta'] = project(meta, partials.meta);
  sendRecord(res, body, rm);
}

/** Deprecated `GET /{model}/{resource_id}/data`: selectors apply to data, a `data/` prefix is stripped. */
export async function readData(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  q.check();
  const selectors = readPartialSelectors(q).map((s) => s.replace(/^\/+/, '').replace(/^data\//, ''));
  const resource = await rm.get(pathParam(req, 'resource_id'), { revisionId: q.string('revision_id'), includeDeleted });
  if (answeredNotModified(req, res, resource.info)) return;
  sendRecord(res, project(resource.data, selectors), rm);
}

/** Deprecated `GET /{model}/{resource_id}/meta`. */
export async function readMeta(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  q.check();
  const partials = routePartials(readPartialSelectors(q), 'meta', ONLY_META);
  const meta = await rm.getMeta(pathParam(req, 'resource_id'), { includeDeleted });
  if (answeredNotModified(req, res, await rm.getRevisionInfo(meta.resource_id, meta.current_revision_id))) return;
  sendRecord(res, project(meta, partials.meta));
}

/** Deprecated `GET /{model}/{resource_id}/revision-info`; takes `include_deleted` like every item read. */
export async function readRevisionInfo(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  q.check();
  const partials = routePartials(readPartialSelectors(q), 'info', ONLY_INFO);
  const id = pathParam(req, 'resource_id');
  const meta = await rm.getMeta(id, { includeDeleted });
  const info = await rm.getRevisionInfo(id, q.string('revision_id') ?? meta.current_revision_id);
  if (answeredNotModified(req, res, info)) return;
  sendRecord(res, project(info, partials.info));
}

const REVISION_SORTS = ['created_time', '-created_time'] as const;

/** `GET /{model}/{resource_id}/revision-list`: sort, time window, `from_revision_id`, chain, then the page. */
export async function readRevisionList(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const includeDeleted = q.bool('include_deleted') ?? false;
  const limit = q.int('limit') ?? 10;
  const offset = q.int('offset') ?? 0;
  const chainOnly = q.bool('chain_only') ?? false;
  const start = q.datetime('created_time_start');
  const end = q.datetime('created_time_end');
  q.check();
  const partials = routePartials(readPartialSelectors(q), 'info', INFO_AND_META);
  const id = pathParam(req, 'resource_id');

  const meta = await rm.getMeta(id, { includeDeleted });
  const sort = q.string('sort') ?? '-created_time';
  if (!(REVISION_SORTS as readonly string[]).includes(sort)) throw new HttpError(400, 'Invalid sort');
  if (limit < 1) throw new HttpError(400, 'limit must be >= 1');
  if (offset < 0) throw new HttpError(400, 'offset must be >= 0');

  const cursor = q.string('cursor');
  if (cursor !== undefined) {
    return sendRevisionPage(res, rm, id, meta, { cursor, limit, sort: q.string('sort'), present: (name) => q.has(name), partials });
  }

  const time = (info: RevisionInfo): number => info.created_time.getTime();
  const direction = sort === 'created_time' ? 1 : -1;
  // Equal times order by the revision counter, so revisions written within one millisecond keep their order.
  let revisions = (await rm.listRevisions(id)).sort((a, b) => direction * compareRevisionsByCreation(a, b));
  if (start) revisions = revisions.filter((r) => time(r) >= start.getTime());
  if (end) revisions = revisions.filter((r) => time(r) <= end.getTime());

  const from = q.string('from_revision_id');
  if (from !== undefined) {
    const at = revisions.findIndex((r) => r.revision_id === from);
    if (at < 0) throw new HttpError(404, 'revision_id not found');
    revisions = revisions.slice(at);
  }
  if (chainOnly) {
    // Child → parent from the starting revision, within what the filters kept.
    const byId = new Map(revisions.map((r) => [r.revision_id, r]));
    const chain: RevisionInfo[] = [];
    let next = byId.get(from ?? meta.current_revision_id);
    while (next && !chain.includes(next)) {
      chain.push(next);
      next = next.parent_revision_id === null ? undefined : byId.get(next.parent_revision_id);
    }
    revisions = chain;
  }

  const total = revisions.length;
  const page = revisions.slice(offset, offset + limit);
  sendRecord(res, {
    meta: project(meta, partials.meta),
    revisions: page.map((r) => project(r, partials.info)),
    total,
    has_more: offset + limit < total,
  });
}
