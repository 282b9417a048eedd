// Once per run of the production-composition route suites: an S3 test server with one bucket and
// a fresh PostgreSQL database. Workers read them from SPECSTAR_HTTP_PRODUCTION (they are forked
// after this runs); each registry then takes its own namespace inside them (see composition.ts).
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { startS3Server } from '@specstar/test-s3';
import { BUCKET, ENV, PG, type ProductionTarget, type RunHandles } from './target';

export default async function globalSetup(): Promise<void> {
  const database = `specstar_http_prod_${randomBytes(4).toString('hex')}`;
  const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const s3 = await startS3Server({ buckets: [BUCKET] });
  const target: ProductionTarget = {
    dsn: `${PG}/${database}`,
    s3: { endpoint: s3.endpoint, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: s3.credentials.secretAccessKey },
  };
  process.env[ENV] = JSON.stringify(target);
  (globalThis as RunHandles).specstarHttpProduction = { database, s3 };
}
