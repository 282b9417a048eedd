import type { Request } from 'express';
import type { AllowedOrigins } from './cross-site';
import type { Logger } from './logger';
import type { RouteOptions } from './route-table/declaration';

/** Who is calling and what time it is, per request: every write records both, and permission checks use the user. */
export interface DependencyProvider {
  getUser(req: Request): string | Promise<string>;
  getNow(req: Request): Date | Promise<Date>;
}

export interface HttpOptions {
  /** Mount path, default '' (routes at the root of the app). */
  prefix?: string;
  /** Serve /docs and /openapi.json (default true). Only `mount` honours it. */
  docs?: boolean;
  dependencyProvider?: Partial<DependencyProvider>;
  /** JSON / merge-patch body size limit, default '1mb'; larger bodies get 413. */
  bodyLimit?: number | string;
  /** Status of reads of a soft-deleted resource: 404 by default, 410 on request. */
  deletedStatus?: 404 | 410;
  /**
   * Origins whose browser pages may send state-changing requests of any Content-Type (forms,
   * multipart, raw archives, no body): exact origins like `'https://app.example'`, or a
   * predicate. Other cross-site browser requests must be JSON (preflighted), else 403.
   */
  allowedOrigins?: AllowedOrigins;
  /** Where unexpected 5xx errors and failed readiness checks are logged (pino-compatible); default stderr. */
  logger?: Logger;
  /** How long `GET /_health/ready` waits for each store, in ms (default 5000); slower counts as failed. */
  healthTimeoutMs?: number;
  /** Largest archive `POST /{model}/import` and `/_backup/import` accept, in bytes (default 1 GiB); larger → 413. */
  maxArchiveSize?: number;
  /**
   * Largest single record (frame) an imported archive may hold, in bytes: 128 MiB, or
   * maxUploadSize + 1 MiB when that is more, so every uploaded blob exports and imports back.
   * A frame header claiming more → 413 before any of it is read.
   */
  maxArchiveFrameSize?: number;
  /** Where imports spill large records and sections while reading them (default os.tmpdir()); always cleaned up. */
  archiveSpillDirectory?: string;
  /** Largest file `POST /blobs/upload` accepts, in bytes (default 100 MiB); larger → 413. */
  maxUploadSize?: number;
  /**
   * The global blob routes: `download` is `GET /blobs/{file_id}`, `upload` is
   * `POST /blobs/upload` (both default true). Switched off, the path answers 404; blobs stay
   * readable through `GET /{model}/{resource_id}/blobs/{file_id}`.
   */
  blobs?: { download?: boolean; upload?: boolean };
  /**
   * Also emit the legacy `x-autocrud-*` names of the document-level extensions
   * (`x-autocrud-relationships`, `x-autocrud-indexed-fields`) for admin UIs built on older
   * tooling. Default false.
   */
  autocrudAliases?: boolean;
  /**
   * Route customisation: `disable` route families (404/405, gone from the OpenAPI document),
   * `replace` one route's handler by name (its OpenAPI entry stays), `add` templates served for
   * every model (or a `when` subset) and documented. See the README's "Routes" section.
   */
  routes?: RouteOptions;
  /** OpenAPI info. */
  title?: string;
  version?: string;
}

export const DEFAULT_BODY_LIMIT = '1mb';
export const DEFAULT_MAX_ARCHIVE_SIZE = 1024 ** 3;
export const DEFAULT_MAX_UPLOAD_SIZE = 100 * 1024 ** 2;
export const DEFAULT_MAX_ARCHIVE_FRAME_SIZE = 128 * 1024 ** 2;

/** `maxArchiveFrameSize`, or its default (room for the largest blob an upload may store). */
export function archiveFrameLimit(options: HttpOptions): number {
  return options.maxArchiveFrameSize ?? Math.max(DEFAULT_MAX_ARCHIVE_FRAME_SIZE, (options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE) + 1024 ** 2);
}

/** Whether a global blob route is served (`blobs.download` / `blobs.upload`, default true). */
export function blobRouteEnabled(options: HttpOptions, route: 'download' | 'upload'): boolean {
  return options.blobs?.[route] !== false;
}
