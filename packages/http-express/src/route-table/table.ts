/**
 * The route table: the built-in declarations, and the table one set of options yields (the
 * `routes` option's disabled families, replaced handlers and added templates applied). The
 * router, the 404/405 answers and the OpenAPI paths all read the resolved table.
 */
import { ConfigurationError } from '@specstar/interfaces';
import type { SpecStar } from '@specstar/core';
import type { HttpOptions } from '../options';
import { actionRoutes } from './action-routes';
import { COLLECTION_ROUTES } from './collection-routes';
import { familyOf, type GlobalRouteDeclaration, type RouteDeclaration, type RouteMethod } from './declaration';
import { GLOBAL_ROUTES } from './global-routes';
import { ITEM_ROUTES } from './item-routes';
import { JOB_ROUTES } from './job-routes';
import { overlaps, paramLiterals, parsePath, strictlyNarrower, type Pattern } from './patterns';

export { GLOBAL_ROUTES };

/** Every built-in per-model route, in document order. */
export const MODEL_ROUTES: readonly RouteDeclaration[] = [...COLLECTION_ROUTES, ...ITEM_ROUTES, ...JOB_ROUTES];

/** The families `routes.disable` accepts. */
export const ROUTE_FAMILIES: readonly string[] = [...new Set([...MODEL_ROUTES, ...GLOBAL_ROUTES].map(familyOf))];

/** First path segments of the global routes: no model may be named like one. */
export const GLOBAL_SEGMENTS: ReadonlySet<string> = new Set(GLOBAL_ROUTES.map((route) => route.path.split('/')[1]!));

export interface ResolvedModelRoute extends RouteDeclaration {
  pattern: Pattern;
  /**
   * Paths this route never serves because a narrower route of its method claims them (built-in
   * or added, served or not): one list of (parameter, literal) pairs per narrower route.
   */
  yieldsTo: Array<Array<readonly [param: string, literal: string]>>;
}

export interface ResolvedGlobalRoute extends GlobalRouteDeclaration {
  pattern: Pattern;
}

export interface RouteTable {
  global: ResolvedGlobalRoute[];
  /** Document and registration order: the built-ins, then the added templates. */
  model: ResolvedModelRoute[];
}

const METHODS: ReadonlySet<RouteMethod> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const routeLabel = (route: { name: string; method: RouteMethod; path: string }, kind: string): string => `${kind} '${route.name}' (${route.method} ${route.path})`;

function checkTemplate(route: RouteDeclaration, taken: Set<string>): Pattern {
  if (typeof route !== 'object' || route === null || typeof route.name !== 'string' || route.name === '') {
    throw new ConfigurationError('Every route template needs a name');
  }
  if (taken.has(route.name)) throw new ConfigurationError(`Route template name '${route.name}' is already taken by another route`);
  if (!METHODS.has(route.method)) throw new ConfigurationError(`Route template '${route.name}' has an unsupported method ${JSON.stringify(route.method)}`);
  if (typeof route.handler !== 'function' || typeof route.doc !== 'function') {
    throw new ConfigurationError(`Route template '${route.name}' needs a handler and a doc function`);
  }
  const { pattern, params } = parsePath(route.path);
  if (params[0] !== 'model' || pattern[0] !== undefined) throw new ConfigurationError(`Route template '${route.name}' must have a path starting with /{model}, got '${route.path}'`);
  return pattern;
}

/**
 * Refuses two routes of one method that some request fits and neither of which is strictly
 * narrower: the same path (a template named like a built-in), or paths that cross
 * (`/{model}/search/{x}` and `/{model}/{resource_id}/data`). Where one is narrower, the broader
 * one yields to it, so a template `POST /{model}/{action}` leaves `POST /{model}/restore` alone.
 */
function checkClash(template: ResolvedModelRoute, other: ResolvedModelRoute, otherKind: string): void {
  if (template.method !== other.method || !overlaps(template.pattern, other.pattern)) return;
  if (strictlyNarrower(template.pattern, other.pattern) || strictlyNarrower(other.pattern, template.pattern)) return;
  throw new ConfigurationError(
    `${routeLabel(template, 'Route template')} clashes with ${routeLabel(other, otherKind)}: both match the same requests. ` +
      `Use another path, disable the built-in family, or replace the built-in's handler instead.`,
  );
}

/** The route with its handler replaced when `routes.replace` names it. */
function replaced<T extends { name: string }>(route: T, replace: Readonly<Record<string, unknown>>): T {
  const handler = replace[route.name];
  return handler === undefined ? route : { ...route, handler };
}

/**
 * The table the options yield, with the custom actions of `spec` when given; throws
 * ConfigurationError for an unknown family or route name, clashing templates, or shadowed actions.
 */
export function resolveRoutes(options: HttpOptions = {}, spec?: SpecStar): RouteTable {
  const routes = options.routes ?? {};
  const disabled = new Set<string>(routes.disable ?? []);
  for (const family of disabled) {
    if (!ROUTE_FAMILIES.includes(family)) throw new ConfigurationError(`Unknown route family '${family}' in routes.disable; the families are: ${ROUTE_FAMILIES.join(', ')}`);
  }
  const taken = new Set([...MODEL_ROUTES, ...GLOBAL_ROUTES].map((route) => route.name));
  const replaceable = new Set(MODEL_ROUTES.map((route) => route.name));
  const added: ResolvedModelRoute[] = [];
  for (const route of routes.add ?? []) {
    const pattern = checkTemplate(route, taken);
    taken.add(route.name);
    added.push({ ...route, pattern, yieldsTo: [] });
    replaceable.add(route.name);
  }
  const replace = routes.replace ?? {};
  for (const name of Object.keys(replace)) {
    if (!replaceable.has(name)) throw new ConfigurationError(`Unknown route '${name}' in routes.replace; the per-model routes are: ${[...replaceable].join(', ')}`);
    if (typeof replace[name] !== 'function') throw new ConfigurationError(`routes.replace['${name}'] must be a function (kit) => handler`);
  }

  const builtIns: ResolvedModelRoute[] = MODEL_ROUTES.map((route) => ({ ...route, pattern: parsePath(route.path).pattern, yieldsTo: [] }));
  const served = (route: { family?: string; name: string; enabled?: (options: HttpOptions) => boolean }): boolean =>
    !disabled.has(familyOf(route)) && (route.enabled === undefined || route.enabled(options));
  const builtInServed = builtIns.filter(served);
  const addedServed = added.filter(served);
  addedServed.forEach((route, i) => {
    for (const other of builtInServed) checkClash(route, other, 'built-in route');
    for (const other of addedServed.slice(i + 1)) checkClash(other, route, 'route template');
  });

  // A route never serves a path a narrower route of its method claims (so `GET /{model}/count`
  // is never read as the resource 'count'), even when that route is switched off. So the order
  // routes are registered in does not matter.
  const actions: ResolvedModelRoute[] = spec === undefined ? [] : actionRoutes(spec.actions, [...builtIns, ...added]).map(({ declaration, pattern }) => ({ ...declaration, pattern, yieldsTo: [] }));
  const all = [...builtIns, ...added, ...actions];
  const model = [...builtInServed, ...addedServed, ...actions].map((route) => ({
    ...replaced(route, replace),
    yieldsTo: all.filter((other) => other.method === route.method && strictlyNarrower(other.pattern, route.pattern)).map((other) => paramLiterals(route.path, other.pattern)),
  }));
  const global = GLOBAL_ROUTES.filter(served).map((route) => ({ ...route, pattern: parsePath(route.path).pattern }));
  return { global, model };
}
