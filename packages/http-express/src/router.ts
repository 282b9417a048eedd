/**
 * `createRouter(spec, options)`: the Express router derived from the route table. Global
 * routes come first; then the per-model routes, one Express route per path. `allowedMethodsOf`
 * derives the 405 answers from the same table.
 */
import express, { type RequestHandler } from 'express';
import { ConfigurationError } from '@specstar/interfaces';
import type { SpecStar } from '@specstar/core';
import { jsonBody } from './body';
import { crossSiteGuard } from './cross-site';
import { errorHandler } from './errors';
import type { HttpOptions } from './options';
import { isGuarded, type RouteMethod } from './route-table/declaration';
import { expressPath, fits, segmentsOf } from './route-table/patterns';
import { GLOBAL_SEGMENTS, resolveRoutes, type ResolvedModelRoute, type RouteTable } from './route-table/table';
import { globalRoute, modelRoute, routeKit } from './routes/kit';

type ExpressMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';
const expressMethod = (method: RouteMethod): ExpressMethod => method.toLowerCase() as ExpressMethod;

/** Passes over requests a narrower route claims (`GET /{model}/count` is not the resource 'count'). */
function yieldTo(narrower: ResolvedModelRoute['yieldsTo']): RequestHandler {
  return (req, _res, next) => {
    if (narrower.some((pairs) => pairs.every(([param, literal]) => req.params[param] === literal))) next('route');
    else next();
  };
}

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
 * models added later are served too, and so are actions declared later (see LiveRoutes). The
 * router parses its own JSON bodies and maps its errors; unknown paths fall through to whatever
 * the app has next.
 */
export function createRouter(spec: SpecStar, options: HttpOptions = {}): express.Router {
  return new LiveRoutes(spec, options).router;
}

/**
 * The Express router and the 405 answers of the route table, built again whenever the bound
 * custom actions change (an action declared, or its model registered, after mount): the new
 * action is served at once, and one the table refuses (a shadowed path) makes that declaration
 * throw, where the developer wrote it.
 */
export class LiveRoutes {
  readonly router: express.Router;
  private built!: { router: express.Router; allowed: (path: string) => RouteMethod[] };

  constructor(
    private readonly spec: SpecStar,
    private readonly options: HttpOptions,
  ) {
    this.rebuild();
    spec.onActionsChanged(() => this.rebuild());
    this.router = express.Router();
    const current: RequestHandler = (req, res, next) => this.built.router(req, res, next);
    // Tools that list an app's routes walk router stacks: they see the routes served now.
    Object.defineProperty(current, 'stack', { get: () => this.built.router.stack });
    this.router.use(current);
  }

  /** The methods served at a path relative to the router (see allowedMethodsOf). */
  allowedMethods(path: string): RouteMethod[] {
    return this.built.allowed(path);
  }

  private rebuild(): void {
    const router = buildRouter(this.spec, this.options);
    this.built = { router, allowed: allowedMethodsOf(this.spec, resolveRoutes(this.options, this.spec)) };
  }
}

function buildRouter(spec: SpecStar, options: HttpOptions): express.Router {
  for (const name of spec.resourceManagers.keys()) {
    if (GLOBAL_SEGMENTS.has(name)) throw new ConfigurationError(`Model name '${name}' is taken by the global routes /${name}/…; register the model under another name`);
  }
  const table = resolveRoutes(options, spec);
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
  for (const route of table.global) {
    const handlers: RequestHandler[] = isGuarded(route) ? [guard] : [];
    if (route.jsonBody) handlers.push(body);
    router[expressMethod(route.method)](expressPath(route.path), ...handlers, globalRoute(route.handler(kit)));
  }
  const paths = new Map<string, express.IRoute>();
  for (const route of table.model) {
    const handlers: RequestHandler[] = [];
    if (route.yieldsTo.length > 0) handlers.push(yieldTo(route.yieldsTo));
    if (route.when) handlers.push(onlyWhen(spec, route.when));
    if (isGuarded(route)) handlers.push(modelGuard);
    if (route.jsonBody) handlers.push(body);
    handlers.push(modelRoute(kit, route.handler(kit)));
    const path = expressPath(route.path);
    // A route served for some models only gets an Express route of its own: its `next('route')`
    // for other models must not skip routes of the same path that serve them.
    const key = route.when ? `${path} ${route.name}` : path;
    let expressRoute = paths.get(key);
    if (!expressRoute) paths.set(key, (expressRoute = router.route(path)));
    expressRoute[expressMethod(route.method)](...handlers);
  }
  router.use(errorHandler(options));
  return router;
}

/**
 * The methods the table serves at a path relative to the router: empty when no route fits,
 * the model is not registered, or no route fitting it serves that model.
 */
export function allowedMethodsOf(spec: SpecStar, table: RouteTable): (path: string) => RouteMethod[] {
  return (path) => {
    const segments = segmentsOf(path);
    if (!segments || segments.length === 0) return [];
    const methods = new Set<RouteMethod>();
    for (const route of table.global) if (fits(route.pattern, segments)) methods.add(route.method);
    const model = segments[0]!;
    if (spec.resourceManagers.has(model)) {
      for (const route of table.model) {
        if (fits(route.pattern, segments) && (!route.when || route.when(spec, model))) methods.add(route.method);
      }
    }
    return [...methods];
  };
}

