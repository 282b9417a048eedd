/**
 * Relationships and referrers: the ref graph of the registry, and who
 * still points at one resource.
 */
import type { ResourceManager } from '@specstar/core';
import type { Request, Response } from 'express';
import { MAX_REFERRER_IDS } from '../errors';
import { sendJson } from '../wire';
import { pathParam, type RouteKit } from './kit';

/** `GET /_relationships`: one object per top-level ref field, in registration order (snake_case keys). */
export function relationshipsRoute(kit: RouteKit) {
  return async (_req: Request, res: Response): Promise<void> => {
    const body = kit.spec.relationships().map((r) => ({
      source: r.source,
      source_field: r.source_field,
      target: r.target,
      ref_type: r.ref_type,
      on_delete: r.on_delete,
      nullable: r.nullable,
    }));
    sendJson(res, body);
  };
}

/**
 * `GET /{target}/{resource_id}/referrers`: one group per source field with live referrers,
 * at most 10 000 ids each; 404 `<target> '<id>' not found` for a missing or deleted target.
 */
export function referrersRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const groups = await kit.spec.findReferrers(rm.name, pathParam(req, 'resource_id'));
    const body = groups.map((g) => ({
      source: g.source,
      source_field: g.source_field,
      ref_type: g.ref_type,
      on_delete: g.on_delete,
      resource_ids: g.resource_ids.slice(0, MAX_REFERRER_IDS),
    }));
    sendJson(res, body);
  };
}
