// Drops the run's database and stops the S3 test server that global-setup.ts started.
import postgres from 'postgres';
import { PG, type RunHandles } from './target';

export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as RunHandles).specstarHttpProduction;
  if (handles === undefined) return;
  const admin = postgres(`${PG}/postgres`, { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${handles.database} WITH (FORCE)`);
  } finally {
    await admin.end();
    await handles.s3.close();
  }
}
