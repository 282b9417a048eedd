/**
 * `mount(app, spec, options)`: everything a bare express() app needs — the model routes with
 * their body parsing, `GET /openapi.json`, Swagger UI at `/docs`, `GET /_health`, 404/405 for
 * unknown paths and methods, and the error mapping — under `options.prefix`.
 */
import express, { type RequestHandler } from 'express';
import type { SpecStar } from '@specstar/core';
import { docsRouter } from './docs';
import { errorHandler, sendError } from './errors';
import { openapi } from './openapi';
import type { HttpOptions } from './options';
import { LiveRoutes } from './router';
import { sendJson, toJsonText } from './wire';

/** '' for the root; otherwise one leading slash and no trailing slash. */
export function normalizePrefix(prefix: string | undefined): string {
  const trimmed = (prefix ?? '').replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

/** What the OpenAPI document depends on: model names, their indexed fields, the custom actions. */
function modelsSignature(spec: SpecStar): string {
  const parts: string[] = [];
  for (const [name, rm] of spec.resourceManagers) parts.push(`${name}#${rm.indexedFields.length}`);
  parts.push(`actions#${spec.actions.filter((action) => action.isBound).length}`);
  return parts.join('|');
}

/** `GET /openapi.json`, generated once and again only when the registered models change. */
function openapiRoute(spec: SpecStar, options: HttpOptions): RequestHandler {
  let cached: { signature: string; text: string } | undefined;
  return (_req, res) => {
    const signature = modelsSignature(spec);
    if (cached?.signature !== signature) cached = { signature, text: toJsonText(openapi(spec, options)) };
    res.status(200).type('application/json').send(cached.text);
  };
}

/**
 * Headers of every response mount sends: no `X-Powered-By` (express adds it before routing,
 * app-wide; only mount's own responses lose it), and `nosniff` so no response is ever run as
 * something other than its declared type.
 */
const defaultHeaders: RequestHandler = (_req, res, next) => {
  res.removeHeader('X-Powered-By');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  next();
};

/**
 * What Swagger UI needs: its own scripts (the page has no inline script), inline styles and
 * data: images, the document from this origin. An app that set a policy (helmet) keeps its own.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join('; ');

const docsPolicy: RequestHandler = (_req, res, next) => {
  if (!res.hasHeader('Content-Security-Policy')) res.setHeader('Content-Security-Policy', DOCS_CSP);
  next();
};

/** The framework answers: 405 for a known path with another method, else 404. */
function notFound(routes: LiveRoutes): RequestHandler {
  return (req, res) => {
    const allowed = routes.allowedMethods(req.path);
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if (allowed.length > 0 && !(allowed as string[]).includes(method)) {
      res.set('Allow', allowed.join(', '));
      sendJson(res, { detail: 'Method Not Allowed' }, { status: 405 });
      return;
    }
    sendError(res, { status: 404, body: { detail: 'Not Found' } });
  };
}

/**
 * Mounts every SpecStar route on `app` under `options.prefix` and returns the router. Paths
 * under the prefix that no route serves answer 404/405 here, so register the app's own routes
 * before calling mount when they share the prefix.
 */
export function mount(app: express.Application | express.Router, spec: SpecStar, options: HttpOptions = {}): express.Router {
  const prefix = normalizePrefix(options.prefix);
  const router = express.Router();
  router.use(defaultHeaders);
  if (options.docs !== false) {
    router.get('/openapi.json', openapiRoute(spec, options));
    router.use('/docs', docsPolicy, docsRouter({ openapiUrl: `${prefix}/openapi.json`, title: options.title }));
  }
  const routes = new LiveRoutes(spec, options);
  router.use(routes.router);
  router.use(notFound(routes));
  router.use(errorHandler(options));
  // Application and Router both have use(path, handler); their overload sets do not unify.
  (app as express.Router).use(prefix === '' ? '/' : prefix, router);
  return router;
}
