/**
 * The cross-site write rule. A web page on another site can make the browser send a POST with
 * a form-encoded, multipart or text/plain body (or none) without asking the server first, and
 * the browser attaches the user's cookies. So every route that changes state refuses a request
 * a browser marks as cross-site unless its origin is in `allowedOrigins` or it carries a JSON
 * Content-Type, which a browser sends cross-site only after a CORS preflight the app's CORS
 * policy answered. Same-origin pages and non-browser clients (no `Origin`, no `Sec-Fetch-Site`)
 * are not affected.
 */
import type { Request, RequestHandler } from 'express';
import { ConfigurationError } from '@specstar/interfaces';
import { HttpError } from './errors';

/** Exact origins (`https://app.example`, no path or trailing slash), or a predicate over the `Origin` header. */
export type AllowedOrigins = readonly string[] | ((origin: string) => boolean);

/** Methods that never change state here; everything else is guarded. */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The origin a URL-ish string serializes to, or undefined when it is not one. */
function serializedOrigin(value: string): string | undefined {
  try {
    const url = new URL(value);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

/** Checks the option once, at router build time: a typo must not silently refuse every caller. */
export function originMatcher(allowed: AllowedOrigins | undefined): (origin: string) => boolean {
  if (allowed === undefined) return () => false;
  if (typeof allowed === 'function') return (origin) => allowed(origin) === true;
  if (!Array.isArray(allowed)) throw new ConfigurationError(`Option 'allowedOrigins' must be an array of origins or a function, got ${typeof allowed}`);
  const set = new Set<string>();
  for (const entry of allowed as unknown[]) {
    if (typeof entry !== 'string' || serializedOrigin(entry) !== entry) {
      throw new ConfigurationError(
        `Option 'allowedOrigins' entries must be origins like 'https://app.example' (scheme, host, optional port; no path or trailing slash), got ${JSON.stringify(entry)}`,
      );
    }
    set.add(entry);
  }
  return (origin) => set.has(origin);
}

/** `application/json` and `application/*+json`: Content-Types a browser only sends cross-site after a preflight. */
export function hasJsonContentType(req: Request): boolean {
  const header = req.headers['content-type'];
  if (typeof header !== 'string') return false;
  const essence = header.split(';', 1)[0]!.trim().toLowerCase();
  return essence === 'application/json' || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(essence);
}

/** The request's own host as the client addressed it (honours express's `trust proxy` setting). */
function ownHost(req: Request): string | undefined {
  const host = req.host;
  return typeof host === 'string' && host !== '' ? host.toLowerCase() : undefined;
}

/**
 * Whether a browser sent this request from another origin: `Sec-Fetch-Site` when present
 * (`same-site` counts, since a sibling subdomain is another origin), else an `Origin` header
 * whose host differs from the Host the request was sent to (or the opaque `null`).
 */
export function isCrossSite(req: Request): boolean {
  const site = req.get('Sec-Fetch-Site')?.trim().toLowerCase();
  if (site !== undefined && site !== '') return site !== 'same-origin' && site !== 'none';
  const origin = req.get('Origin');
  if (origin === undefined) return false;
  const parsed = serializedOrigin(origin.trim());
  if (parsed === undefined) return true;
  return new URL(parsed).host !== ownHost(req);
}

function refusal(req: Request): HttpError {
  const origin = req.get('Origin');
  const from = origin === undefined ? 'a page on another site' : `origin ${JSON.stringify(origin)}`;
  return new HttpError(
    403,
    `Cross-site request refused: ${req.method} from ${from}. Send the request with Content-Type: application/json ` +
      `(browsers preflight it, so the app's CORS policy decides), or add the origin to the allowedOrigins option`,
  );
}

/** The guard every state-changing route runs before reading its body. */
export function crossSiteGuard(allowedOrigins: AllowedOrigins | undefined): RequestHandler {
  const allowed = originMatcher(allowedOrigins);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method) || !isCrossSite(req)) return next();
    const origin = req.get('Origin');
    if (origin !== undefined && allowed(origin)) return next();
    if (hasJsonContentType(req)) return next();
    next(refusal(req));
  };
}
