import express, { type Express, type Request, type RequestHandler } from 'express';
import helmet from 'helmet';
import { SpecStar, type BackendConfigInput } from '@specstar/core';
import { mount, type HttpOptions } from '@specstar/http-express';
import { registerModels } from './models';

export interface AppOptions {
  /** A registry to register the models in; default: a fresh one on `backend`, else memory. */
  spec?: SpecStar;
  /** A backend configuration (a JSON file path or an object) for the default registry. */
  backend?: string | BackendConfigInput;
  /** Where the API is mounted, e.g. '/api'; default ''. */
  prefix?: string;
  /** Passed to mount(); `prefix` above wins. */
  http?: HttpOptions;
}

export interface RpgApp {
  app: Express;
  spec: SpecStar;
}

/** Who is playing: the `X-Player` header, else the game master (a demo stand-in for real auth). */
export function playerOf(req: Request): string {
  const player = req.get('x-player')?.trim();
  return player ? player : 'game-master';
}

/**
 * helmet's security headers. Its default policy also asks browsers to upgrade every request of
 * the page to https, which breaks /docs on a plain-http server (the example's default): that
 * directive is sent on https requests only.
 */
export function securityHeaders(): RequestHandler {
  const overHttps = helmet();
  const overHttp = helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  return (req, res, next) => (req.secure ? overHttps : overHttp)(req, res, next);
}

/**
 * Builds the game's Express app: the three models on SpecStar, their routes, /openapi.json and
 * Swagger UI at /docs, health probes at /_health, behind helmet's security headers. Storage is
 * the `backend` given, else memory.
 */
export function createApp(options: AppOptions = {}): RpgApp {
  const spec = options.spec ?? new SpecStar(options.backend === undefined ? {} : { backend: options.backend });
  registerModels(spec);
  const prefix = options.prefix ?? options.http?.prefix ?? '';

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders());
  // A landing page, registered before mount() so the router's 404 handling never sees '/'.
  app.get(prefix === '' ? '/' : prefix, (_req, res) => {
    res.json({ name: 'rpg-game', docs: `${prefix}/docs`, openapi: `${prefix}/openapi.json`, models: [...spec.resourceManagers.keys()] });
  });
  mount(app, spec, {
    title: 'RPG game',
    version: '1.0.0',
    ...options.http,
    prefix,
    dependencyProvider: { getUser: playerOf, ...options.http?.dependencyProvider },
  });
  return { app, spec };
}
