/**
 * The routes of http-api §8: the global ones (G1–G5) first, then the model routes (rows 1–24
 * and 30) in the order of §1.5, so the collection segments (`data`, `meta`, `revision-info`,
 * `full`, `count`, `export`) win over `{resource_id}`, and `POST /{model}/import` and the batch
 * `POST /{model}/restore` over anything registered after them.
 */
import express, { type RequestHandler } from 'express';
import { ConfigurationError } from '@specstar/interfaces';
import type { SpecStar } from '@specstar/core';
import { jsonBody } from './body';
import { crossSiteGuard } from './cross-site';
import { errorHandler } from './errors';
import { DEFAULT_HEALTH_TIMEOUT_MS, livenessRoute, readinessRoute } from './health';
import { resolveLogger } from './logger';
import { blobRouteEnabled, type HttpOptions } from './options';
import { exportAllRoute, exportModelRoute, importAllRoute, importModelRoute } from './routes/backup';
import { globalBlob, resourceBlob, uploadBlob } from './routes/blobs';
import { batchRoute, countRoute, listRoute } from './routes/collection';
import { referrersRoute, relationshipsRoute } from './routes/integrity';
import { readData, readEnvelope, readMeta, readRevisionInfo, readRevisionList } from './routes/item-read';
import { createRoute, lifecycleRoute, patchRoute, putRoute, switchRoute } from './routes/item-write';
import { globalRoute, modelRoute, routeKit, type GlobalHandler, type ModelHandler, type RouteKit } from './routes/kit';

export type RouteMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteEntry {
  method: RouteMethod;
  /** Express path; every `:name` matches exactly one segment. */
  path: string;
  takesBody?: boolean;
  handler: (kit: RouteKit) => ModelHandler;
  /** Serves only the models this accepts (§8 "condition"); for others the path does not exist. */
  when?: (spec: SpecStar, model: string) => boolean;
}

/** A route outside `/{model}` (§1.1): relationships, global backup, blobs. */
export interface GlobalRouteEntry {
  method: RouteMethod;
  path: string;
  handler: (kit: RouteKit) => GlobalHandler;
  /** Registered only when the options allow it (default: always). */
  enabled?: (options: HttpOptions) => boolean;
}

/**
 * Registered before the model routes. `blobs` is the one global segment a model name could
 * take (`_` cannot start one); such a model is refused by createRouter.
 */
export const GLOBAL_ROUTES: readonly GlobalRouteEntry[] = [
  { method: 'GET', path: '/_health', handler: () => livenessRoute() },
  {
    method: 'GET',
    path: '/_health/ready',
    handler: (kit) => readinessRoute(kit.spec, kit.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS, resolveLogger(kit.options.logger)),
  },
  { method: 'GET', path: '/_relationships', handler: (kit) => relationshipsRoute(kit) },
  { method: 'GET', path: '/_backup/export', handler: (kit) => exportAllRoute(kit) },
  { method: 'POST', path: '/_backup/import', handler: (kit) => importAllRoute(kit) },
  { method: 'POST', path: '/blobs/upload', handler: (kit) => uploadBlob(kit), enabled: (options) => blobRouteEnabled(options, 'upload') },
  { method: 'GET', path: '/blobs/:file_id', handler: (kit) => globalBlob(kit), enabled: (options) => blobRouteEnabled(options, 'download') },
];

const GLOBAL_SEGMENTS: ReadonlySet<string> = new Set(GLOBAL_ROUTES.map((route) => route.path.split('/')[1]!));

const isReferenced = (spec: SpecStar, model: string): boolean => spec.referencedModels().has(model);

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
  // 2. per-model backup
  { method: 'GET', path: '/:model/export', handler: (kit) => exportModelRoute(kit) },
  { method: 'POST', path: '/:model/import', handler: (kit) => importModelRoute(kit) },
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
  { method: 'GET', path: '/:model/:resource_id/blobs/:file_id', handler: () => resourceBlob },
  { method: 'GET', path: '/:model/:resource_id/referrers', handler: (kit) => referrersRoute(kit), when: isReferenced },
];

/** Lets `GET /{model}/{reserved}` fall through to 404 instead of reading a resource of that id. */
const skipReservedIds: RequestHandler = (req, _res, next) => {
  const id = req.params['resource_id'];
  if (typeof id === 'string' && RESERVED_GET_IDS.has(id)) next('route');
  else next();
};

/** Lets requests for models the route does not serve fall through (to 404/405). */
function onlyWhen(spec: SpecStar, when: (spec: SpecStar, model: string) => boolean): RequestHandler {
  return (req, _res, next) => {
    const model = req.params['model'];
    if (typeof model === 'string' && when(spec, model)) next();
    else next('route');
  };
}

/**
 * Every global route, and every model route for every manager of `spec`. Managers are looked up per request, so
 * models added later are served too. The router parses its own JSON bodies and maps its
 * errors (§5); unknown paths fall through to whatever the app has next.
 */
export function createRouter(spec: SpecStar, options: HttpOptions = {}): express.Router {
  for (const name of spec.resourceManagers.keys()) {
    if (GLOBAL_SEGMENTS.has(name)) throw new ConfigurationError(`Model name '${name}' is taken by the global routes /${name}/…; register the model under another name`);
  }
  const kit = routeKit(spec, options);
  const router = express.Router();
  const body = jsonBody(options.bodyLimit);
  const guard = crossSiteGuard(options.allowedOrigins);
  // Model paths of unregistered models belong to the app: the guard must not judge them.
  const modelGuard: RequestHandler = (req, res, next) => {
    const model = req.params['model'];
    if (typeof model === 'string' && spec.resourceManagers.has(model)) guard(req, res, next);
    else next();
  };
  for (const route of GLOBAL_ROUTES) {
    if (route.enabled && !route.enabled(options)) continue;
    const register = route.method.toLowerCase() as 'get' | 'post';
    const handlers: RequestHandler[] = route.method === 'GET' ? [] : [guard];
    router[register](route.path, ...handlers, globalRoute(route.handler(kit)));
  }
  for (const route of MODEL_ROUTES) {
    const handlers: RequestHandler[] = [];
    if (route.method === 'GET' && route.path === '/:model/:resource_id') handlers.push(skipReservedIds);
    if (route.when) handlers.push(onlyWhen(spec, route.when));
    if (route.method !== 'GET') handlers.push(modelGuard);
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

interface Pattern {
  method: RouteMethod;
  segments: string[];
  when?: (spec: SpecStar, model: string) => boolean;
}

const patternOf = (route: { method: RouteMethod; path: string }): string[] => route.path.slice(1).split('/');
const GLOBAL_PATTERNS: Pattern[] = GLOBAL_ROUTES.map((route) => ({ method: route.method, segments: patternOf(route) }));
const MODEL_PATTERNS: Pattern[] = MODEL_ROUTES.map((route) => ({ method: route.method, segments: patternOf(route), when: route.when }));

function fits(pattern: Pattern, segments: string[]): boolean {
  return pattern.segments.length === segments.length && pattern.segments.every((p, i) => (p.startsWith(':') ? segments[i] !== '' : p === segments[i]));
}

/**
 * The methods the routes serve at `path` (relative to the router), or an empty list when no
 * route pattern fits, the model is not registered, or the route does not serve that model.
 */
export function allowedMethods(spec: SpecStar, path: string): RouteMethod[] {
  const segments = segmentsOf(path);
  if (!segments || segments.length === 0) return [];
  const methods = new Set<RouteMethod>();
  for (const pattern of GLOBAL_PATTERNS) if (fits(pattern, segments)) methods.add(pattern.method);
  const model = segments[0]!;
  if (spec.resourceManagers.has(model)) {
    for (const pattern of MODEL_PATTERNS) {
      if (fits(pattern, segments) && (!pattern.when || pattern.when(spec, model))) methods.add(pattern.method);
    }
  }
  return [...methods];
}
