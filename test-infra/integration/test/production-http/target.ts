// What global setup hands the workers: the run's database and S3 endpoint.
import type { S3TestServer } from '@specstar/test-s3';

export const PG = `postgres://postgres@${process.env.SPECSTAR_PG_HOST ?? '127.0.0.1'}:${process.env.SPECSTAR_PG_PORT ?? '5432'}`;
export const BUCKET = 'http-production';
export const ENV = 'SPECSTAR_HTTP_PRODUCTION';

export interface ProductionTarget {
  dsn: string;
  s3: { endpoint: string; accessKeyId: string; secretAccessKey: string };
}

/** Kept on the global of the jest parent process between global setup and teardown. */
export type RunHandles = typeof globalThis & { specstarHttpProduction?: { database: string; s3: S3TestServer } };

export function readTarget(): ProductionTarget {
  const raw = process.env[ENV];
  if (raw === undefined) throw new Error(`${ENV} is unset: run these suites through jest.production-http.config.js`);
  return JSON.parse(raw) as ProductionTarget;
}
