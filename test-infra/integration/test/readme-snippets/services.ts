/**
 * The services `<!-- snippet: services (…) -->` blocks run against, and the environment that
 * points them there — the same variables the READMEs tell users to set:
 *
 *   postgres  POSTGRES_DSN, DATABASE_URL   a fresh database on 127.0.0.1:5432, dropped afterwards
 *   rabbitmq  RABBITMQ_URL, CELERY_BROKER_URL   the broker on 127.0.0.1:5672 (guest/guest)
 *   s3        S3_ENDPOINT_URL, S3_KEY, S3_SECRET, S3_REGION   an S3 test server with the READMEs' buckets
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { startS3Server, type S3TestServer } from '@specstar/test-s3';
import type { Service } from './extract';

const PG = `postgres://postgres@${process.env.SPECSTAR_PG_HOST ?? '127.0.0.1'}:${process.env.SPECSTAR_PG_PORT ?? '5432'}`;
const AMQP = process.env.SPECSTAR_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
/** The buckets the READMEs' examples name. */
const README_BUCKETS = ['my-app', 'my-blob-bucket'];

export interface SnippetServices {
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startServices(needed: ReadonlySet<Service>): Promise<SnippetServices> {
  const env: Record<string, string> = {};
  const closers: Array<() => Promise<void>> = [];
  try {
    if (needed.has('postgres')) {
      const database = `specstar_snippets_${randomBytes(4).toString('hex')}`;
      const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
      await admin.unsafe(`CREATE DATABASE ${database}`);
      closers.push(async () => {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
        await admin.end();
      });
      env.POSTGRES_DSN = env.DATABASE_URL = `${PG}/${database}`;
    }
    if (needed.has('rabbitmq')) {
      env.RABBITMQ_URL = `${AMQP}/`;
      env.CELERY_BROKER_URL = `${AMQP}//`;
    }
    if (needed.has('s3')) {
      const s3: S3TestServer = await startS3Server({ buckets: README_BUCKETS });
      closers.push(() => s3.close());
      Object.assign(env, { S3_ENDPOINT_URL: s3.endpoint, S3_KEY: s3.credentials.accessKeyId, S3_SECRET: s3.credentials.secretAccessKey, S3_REGION: s3.region });
    }
  } catch (error) {
    await closeAll(closers);
    throw error;
  }
  return { env, close: () => closeAll(closers) };
}

async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers.reverse()) await close();
}
