/**
 * What every route handler needs: the registry, the options, the request's who/when, and the
 * manager of the `:model` segment, looked up per request so models added after the router was
 * built are served too.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { projectPartial, type ResourceManager, type SpecStar, type WriteContext } from '@specstar/core';
import { HttpError } from '../errors';
import { callerResolver, contextResolver, queryClock, sharedContext, type CallerResolver, type ContextResolver } from '../dependencies';
import type { HttpOptions } from '../options';
import { sendJson } from '../wire';

export interface RouteKit {
  spec: SpecStar;
  options: HttpOptions;
  writeContext: ContextResolver;
  /** Who is calling: the scope every model route runs in. */
  caller: CallerResolver;
  /** Who and when for an operation over several models (global backups). */
  sharedContext(req: Request, managers: Iterable<ResourceManager>): Promise<WriteContext>;
  /** "Now" for qb time helpers: the provider's clock, else undefined (the QB clock). */
  queryNow(req: Request): Promise<Date | undefined>;
}

export function routeKit(spec: SpecStar, options: HttpOptions): RouteKit {
  return {
    spec,
    options,
    writeContext: contextResolver(options.dependencyProvider),
    caller: callerResolver(options.dependencyProvider),
    sharedContext: (req, managers) => sharedContext(options.dependencyProvider, req, managers),
    queryNow: (req) => queryClock(options.dependencyProvider, req),
  };
}

export type ModelHandler = (req: Request, res: Response, rm: ResourceManager) => Promise<void>;

/**
 * Wraps a handler of a `/:model…` route. An unregistered model falls through (`next()`), so
 * the request ends at the 404/405 handling like any unknown path. The handler runs in the
 * caller's scope, so reads are permission-checked as the caller, as writes are.
 */
export function modelRoute(kit: RouteKit, handler: ModelHandler): RequestHandler {
  // Express 5 hands a rejected handler promise to the error middleware.
  return async (req: Request, res: Response, next: NextFunction) => {
    const name = req.params['model'];
    const rm = typeof name === 'string' ? kit.spec.resourceManagers.get(name) : undefined;
    if (!rm) {
      next();
      return;
    }
    const user = await kit.caller(req, rm);
    await kit.spec.using(user === undefined ? {} : { user }, () => handler(req, res, rm));
  };
}

export type GlobalHandler = (req: Request, res: Response) => Promise<void>;

/**
 * Wraps a handler of a global route (`/_relationships`, `/_backup/…`, `/blobs/…`); Express 5
 * hands its rejected promise to the error middleware.
 */
export function globalRoute(handler: GlobalHandler): RequestHandler {
  return (req: Request, res: Response) => handler(req, res);
}

/** A path parameter that the route pattern guarantees. */
export function pathParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string') throw new HttpError(404, 'Not Found');
  return value;
}

export function project(value: unknown, paths: readonly string[]): unknown {
  return paths.length === 0 ? value : projectPartial(value, [...paths]);
}

export function sendRecord(res: Response, body: unknown, rm?: ResourceManager): void {
  sendJson(res, body, { hasBytes: rm?.model.hasBinary ?? false });
}
