/**
 * Swagger UI from the installed swagger-ui-dist package: no CDN, works offline.
 *
 * The router serves a generated index.html at its root, a generated initializer script that
 * points Swagger UI at `openapiUrl`, and a fixed list of the package's assets (nothing else
 * from its directory is reachable). Asset links are relative, so the page works at `/docs`
 * and `/docs/`, under any prefix and behind path-rewriting proxies.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type NextFunction, type Request, type Response, Router } from 'express';
import { ConfigurationError } from '@specstar/interfaces';

export interface DocsOptions {
  /** URL of the OpenAPI document, as the browser should fetch it (e.g. `/api/openapi.json`). */
  openapiUrl: string;
  /** Page title, default "API docs". */
  title?: string;
}

const ASSET_TYPES: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui.css.map': 'application/json; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-bundle.js.map': 'application/json; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js.map': 'application/json; charset=utf-8',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'favicon-16x16.png': 'image/png',
  'favicon-32x32.png': 'image/png',
};

const INITIALIZER = 'swagger-initializer.js';
// Versioned asset URLs may be cached for good; anything else is revalidated after an hour.
const IMMUTABLE = 'public, max-age=31536000, immutable';
const SHORT = 'public, max-age=3600';
// Generated files depend on the router's options: always revalidated (express adds an ETag).
const REVALIDATE = 'no-cache';

function swaggerUiDirectory(): { directory: string; version: string } {
  const manifest = require.resolve('swagger-ui-dist/package.json');
  const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { version?: unknown };
  return { directory: path.dirname(manifest), version: typeof parsed.version === 'string' ? parsed.version : '0' };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A JS string literal that is also safe inside HTML. */
function jsString(text: string): string {
  return JSON.stringify(text).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** `./` when the page URL ends with a slash, else `./<last segment>/`, so relative links land inside the router. */
function assetBase(req: Request): string {
  const pagePath = req.originalUrl.split('?')[0] ?? '';
  if (pagePath.endsWith('/')) return './';
  const last = pagePath.slice(pagePath.lastIndexOf('/') + 1);
  return `./${last}/`;
}

function indexHtml(base: string, title: string, version: string): string {
  const asset = (name: string): string => escapeHtml(`${base}${name}?v=${encodeURIComponent(version)}`);
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" type="text/css" href="${asset('swagger-ui.css')}">
    <link rel="stylesheet" type="text/css" href="${asset('index.css')}">
    <link rel="icon" type="image/png" href="${asset('favicon-32x32.png')}" sizes="32x32">
    <link rel="icon" type="image/png" href="${asset('favicon-16x16.png')}" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${asset('swagger-ui-bundle.js')}" charset="UTF-8"></script>
    <script src="${asset('swagger-ui-standalone-preset.js')}" charset="UTF-8"></script>
    <script src="${escapeHtml(`${base}${INITIALIZER}`)}" charset="UTF-8"></script>
  </body>
</html>
`;
}

// A separate script (not inline) so the page works under a strict Content-Security-Policy.
function initializerScript(openapiUrl: string): string {
  return `(function () {
  var script = document.currentScript;
  var redirect = new URL('oauth2-redirect.html', script ? script.src : window.location.href).href;
  window.addEventListener('load', function () {
    window.ui = SwaggerUIBundle({
      url: ${jsString(openapiUrl)},
      // No outside validator badge: it would send the document's URL to a third party.
      validatorUrl: null,
      dom_id: '#swagger-ui',
      deepLinking: true,
      oauth2RedirectUrl: redirect,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      plugins: [SwaggerUIBundle.plugins.DownloadUrl],
      layout: 'StandaloneLayout'
    });
  });
})();
`;
}

/** Swagger UI at the router's root, reading the document at `options.openapiUrl`. */
export function docsRouter(options: DocsOptions): Router {
  if (typeof options?.openapiUrl !== 'string' || options.openapiUrl === '') {
    throw new ConfigurationError('docsRouter needs openapiUrl: the URL of the OpenAPI document');
  }
  if (options.title !== undefined && typeof options.title !== 'string') {
    throw new ConfigurationError(`docsRouter title must be a string, got ${typeof options.title}`);
  }
  const { directory, version } = swaggerUiDirectory();
  const title = options.title ?? 'API docs';
  const initializer = initializerScript(options.openapiUrl);
  const router = Router();

  router.use((_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });

  router.get('/', (req: Request, res: Response) => {
    res.setHeader('Cache-Control', REVALIDATE);
    res.type('html').send(indexHtml(assetBase(req), title, version));
  });

  router.get(`/${INITIALIZER}`, (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', REVALIDATE);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.send(initializer);
  });

  router.get('/:asset', (req: Request, res: Response, next: NextFunction) => {
    const raw: unknown = req.params.asset;
    const asset = typeof raw === 'string' && Object.prototype.hasOwnProperty.call(ASSET_TYPES, raw) ? raw : undefined;
    const type = asset === undefined ? undefined : ASSET_TYPES[asset];
    if (asset === undefined || type === undefined) {
      next(); // not ours: the app's 404
      return;
    }
    res.setHeader('Content-Type', type);
    // `root` keeps send's dotfile check off the package path (pnpm stores under node_modules/.pnpm).
    const cacheControl = req.query.v === version ? IMMUTABLE : SHORT;
    res.sendFile(asset, { root: directory, cacheControl: false, headers: { 'Cache-Control': cacheControl } }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  });

  return router;
}
