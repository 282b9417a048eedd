/**
 * The model routes of http-api §8 rows 1–21, registered in the order of §1.5 so the collection
 * segments (`data`, `meta`, `revision-info`, `full`, `count`) win over `{resource_id}` and the
 * batch `POST /{model}/restore` over anything registered after it.
 */
import express, { type RequestHandler } from 'express';
import type { SpecStar } from '@specstar/core';
import { jsonBody } from './body';
import { errorHandler } from './errors';
import type { HttpOptions } from './options';
import { batchRoute, countRoute, listRoute } from './routes/collection';
import { readData, readEnvelope, readMeta, readRevisionInfo, readRevisionList } from './routes/item-read';
import { createRoute, lifecycleRoute, patchRoute, putRoute, switchRoute } from './routes/item-write';
import { modelRoute, routeKit, type ModelHandler, type RouteKit } from './routes/kit';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteEntry {
  method: RouteMethod;
  /** Express path; every `:name` matches exactly one segment. */
  path: string;
  takesBody?: boolean;
  handler: (kit: RouteKit) => ModelHandler;
}

/** Segments `GET /{model}/{resource_id}` never serves; `export` belongs to the backup routes. */
const RESERVED_GET_IDS: ReadonlySet<string> = new Set(['data', 'meta', 'revision-info', 'full', 'count', 'export']);

export const MODEL_ROUTES: readonly RouteEntry[] = [
  // 1. collection reads
  { method: 'GET', path: '/:model/data', handler: (kit) => listRoute(kit, 'data') },
  { method: 'GET', path: '/:model/meta', handler: (kit) => listRoute(kit, 'meta') },
  { method: 'GET', path: '/:model/revision-info', handler: (kit) => listRoute(kit, 'info') },
  { method: 'GET', path: '/:model/full', handler: (kit) => listRoute(kit, 'envelope') },
  { method: 'GET', path: '/:model/count', handler: (kit) => countRoute(kit) },
  { method: 'GET', path: '/:model', handler: (kit) => listRoute(kit, 'envelope') },
  // 2. (export/import arrive with the backup routes)
  // 3. create, batch routes, then the item routes
  { method: 'POST', path: '/:model', takesBody: true, handler: (kit) => createRoute(kit) },
  { method: 'DELETE', path: '/:model', handler: (kit) => batchRoute(kit, 'delete') },
  { method: 'POST', path: '/:model/restore', handler: (kit) => batchRoute(kit, 'restore') },
  { method: 'GET', path: '/:model/:resource_id', handler: () => readEnvelope },
  { method: 'GET', path: '/:model/:resource_id/full', handler: () => readEnvelope },
  { method: 'GET', path: '/:model/:resource_id/data', handler: () => readData },
  { method: 'GET', path: '/:model/:resource_id/meta', handler: () => readMeta },
  { method: 'GET', path: '/:model/:resource_id/revision-info', handler: () => readRevisionInfo },
  { method: 'GET', path: '/:model/:resource_id/revision-list', handler: () => readRevisionList },
  { method: 'PUT', path: '/:model/:resource_id', takesBody: true, handler: (kit) => putRoute(kit) },
  { method: 'PATCH', path: '/:model/:resource_id', takesBody: true, handler: (kit) => patchRoute(kit) },
  { method: 'POST', path: '/:model/:resource_id/switch/:revision_id', handler: (kit) => switchRoute(kit) },
  { method: 'DELETE', path: '/:model/:resource_id', handler: (kit) => lifecycleRoute(kit, 'delete') },
  { method: 'POST', path: '/:model/:resource_id/restore', handler: (kit) => lifecycleRoute(kit, 'restore') },
  { method: 'DELETE', path: '/:model/:resource_id/permanently', handler: (kit) => lifecycleRoute(kit, 'permanentlyDelete') },
];

/** Lets `GET /{model}/{reserved}` fall through to 404 instead of reading a resource of that id. */
const skipReservedIds: RequestHandler = (req, _res, next) => {
  const id = req.params['resource_id'];
  if (typeof id === 'string' && RESERVED_GET_IDS.has(id)) next('route');
  else next();
};

/**
 * Every model route for every manager of `spec`. Managers are looked up per request, so
 * models added later are served too. The router parses its own JSON bodies and maps its
 * errors (§5); unknown paths fall through to whatever the app has next.
 */
export function createRouter(spec: SpecStar, options: HttpOptions = {}): express.Router {
  const kit = routeKit(spec, options);
  const router = express.Router();
  const body = jsonBody(options.bodyLimit);
  for (const route of MODEL_ROUTES) {
    const handlers: RequestHandler[] = [];
    if (route.method === 'GET' && route.path === '/:model/:resource_id') handlers.push(skipReservedIds);
    if (route.takesBody) handlers.push(body);
    handlers.push(modelRoute(kit, route.handler(kit)));
    const register = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
    router[register](route.path, ...handlers);
  }
  router.use(errorHandler(options));
  return router;
}

// ---- 405 support -----------------------------------------------------------------------

function segmentsOf(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  try {
    return trimmed.split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

const PATTERNS = MODEL_ROUTES.map((route) => ({ method: route.method, segments: route.path.slice(1).split('/') }));

/**
 * The methods the model routes serve at `path` (relative to the router), or an empty list
 * when no route pattern fits or the model is not registered.
 */
export function allowedMethods(spec: SpecStar, path: string): RouteMethod[] {
  const segments = segmentsOf(path);
  if (!segments || segments.length === 0 || !spec.resourceManagers.has(segments[0]!)) return [];
  const methods = new Set<RouteMethod>();
  for (const pattern of PATTERNS) {
    if (pattern.segments.length !== segments.length) continue;
    const fits = pattern.segments.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]));
    if (fits) methods.add(pattern.method);
  }
  return [...methods];
}
