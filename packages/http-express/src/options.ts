import type { Request } from 'express';

/** Who is calling and what time it is, per request (http-api §1.4). */
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
  /** Status of reads of a soft-deleted resource, default 404 (DESIGN §8). */
  deletedStatus?: 404 | 410;
  /** OpenAPI info. */
  title?: string;
  version?: string;
}

export const DEFAULT_BODY_LIMIT = '1mb';
