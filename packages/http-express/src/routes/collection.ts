/**
 * Collection routes: list/search and its deprecated
 * variants, count, batch delete and batch restore. Lists fetch one item more than the page
 * to answer `X-Has-More`.
 */
import type { ResourceManager, ReturnSection } from '@specstar/core';
import type { ResourceMeta, SearchedResource } from '@specstar/interfaces';
import type { Request, Response } from 'express';
import {
  QueryReader,
  prefixedPartials,
  readPartialSelectors,
  readReturns,
  readSearch,
  routePartials,
  type Section,
} from '../params';
import { sendRecord, type RouteKit } from './kit';

/** The provider's clock matters only to qb time helpers; other searches never ask for it. */
function qbClock(kit: RouteKit, req: Request, q: QueryReader): Promise<Date | undefined> {
  const qb = q.string('qb');
  return qb === undefined || qb === '' ? Promise.resolve(undefined) : kit.queryNow(req);
}

type ListShape = 'envelope' | 'data' | 'meta' | 'info';

const SINGLE_SECTION: Readonly<Record<Exclude<ListShape, 'envelope'>, ReadonlySet<Section>>> = {
  data: new Set(['data']),
  meta: new Set(['meta']),
  info: new Set(['info']),
};

/** An envelope in wire order: data, revision_info, meta. */
function envelope(item: SearchedResource): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (item.data !== undefined) out['data'] = item.data;
  if (item.info !== undefined) out['revision_info'] = item.info;
  if (item.meta !== undefined) out['meta'] = item.meta;
  return out;
}

/**
 * `GET /{model}` and `/full` (envelopes, `returns`), `/data`, `/meta`, `/revision-info`
 * (one section per item; `returns` is not read there).
 */
export function listRoute(kit: RouteKit, shape: ListShape) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const query = readSearch(q, rm, { now: await qbClock(kit, req, q) });
    const selectors = readPartialSelectors(q);
    let sections: ReadonlySet<Section>;
    let partials;
    let onlyData = false;
    if (shape === 'envelope') {
      const returns = readReturns(q);
      onlyData = returns.onlyData;
      sections = onlyData ? SINGLE_SECTION.data : returns.sections;
      partials = routePartials(selectors, 'data');
    } else {
      sections = SINGLE_SECTION[shape];
      partials = routePartials(selectors, shape, sections);
    }

    const limit = query.limit ?? 0;
    const items = await rm.listResources(
      { ...query, limit: limit + 1 },
      { returns: [...sections] as ReturnSection[], partial: prefixedPartials(partials) },
    );
    res.set('X-Has-More', String(items.length > limit));
    const page = items.slice(0, limit);
    let body: unknown[];
    if (shape === 'envelope' && !onlyData) body = page.map(envelope);
    else if (shape === 'envelope' || shape === 'data') body = page.map((item) => item.data);
    else body = page.map((item) => item[shape]);
    sendRecord(res, body, rm);
  };
}

/** `GET /{model}/count`: a bare integer; limit and offset are checked but ignored. */
export function countRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const query = readSearch(q, rm, { now: await qbClock(kit, req, q) });
    // Headless count is unchecked; over HTTP it is a search, or its conditions would be an
    // oracle for values the caller may not search.
    sendRecord(res, await rm.runAction('search_resources', { query }, undefined, () => rm.count(query)));
  };
}

/**
 * `DELETE /{model}` (soft-deletes live matches) and `POST /{model}/restore` (restores deleted
 * ones), in search order. Not transactional: a failure keeps the earlier changes.
 */
export function batchRoute(kit: RouteKit, action: 'delete' | 'restore') {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const query = readSearch(q, rm, { forceIsDeleted: action === 'restore', now: await qbClock(kit, req, q) });
    const context = await kit.writeContext(req, rm);
    const matches = await rm.searchResources(query);
    const done: ResourceMeta[] = [];
    for (const meta of matches) {
      done.push(action === 'delete' ? await rm.delete(meta.resource_id, context) : await rm.restore(meta.resource_id, context));
    }
    sendRecord(res, done);
  };
}
