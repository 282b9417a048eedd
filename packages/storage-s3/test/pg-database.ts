/**
 * PostgreSQL for the tests of the factories that pair it with S3: the server on 127.0.0.1:5432
 * (SPECSTAR_PG_HOST / SPECSTAR_PG_PORT / SPECSTAR_PG_ADMIN_USER override), trust auth, a database
 * of its own per test file, dropped afterwards. Server down: with CI=true the file fails; else
 * its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openPool } from '@specstar/storage-postgres';

const HOST = process.env['SPECSTAR_PG_HOST'] ?? '127.0.0.1';
const PORT = Number(process.env['SPECSTAR_PG_PORT'] ?? 5432);
const ADMIN = process.env['SPECSTAR_PG_ADMIN_USER'] ?? 'postgres';

const dsnFor = (database: string): string => `postgres://${encodeURIComponent(ADMIN)}@${HOST}:${PORT}/${encodeURIComponent(database)}`;

/**
 * Whether something listens on HOST:PORT, asked synchronously (a child process that connects):
 * jest registers tests at collection time, before any await.
 */
function unreachable(): string | undefined {
  const connect = [
    `const socket = require('node:net').connect({ host: ${JSON.stringify(HOST)}, port: ${PORT}, timeout: 2000 });`,
    `socket.once('connect', () => process.exit(0));`,
    `socket.once('timeout', () => { process.stderr.write('timeout'); process.exit(2); });`,
    `socket.once('error', (error) => { process.stderr.write(String(error.code ?? error.message)); process.exit(2); });`,
  ].join('\n');
  const child = spawnSync(process.execPath, ['-e', connect], { encoding: 'utf8', timeout: 5000 });
  return child.status === 0 ? undefined : child.stderr || 'no answer';
}

const problem = unreachable();
if (problem !== undefined) {
  const message = `PostgreSQL is not reachable on ${HOST}:${PORT} (${problem})`;
  if (process.env['CI'] === 'true') throw new Error(`${message}. CI=true: integration tests never skip — run test-infra/services.sh check to start it.`);
  console.warn(`SKIPPED the PostgreSQL + S3 factory tests: ${message}.`);
}

/** `describe` when the server is up, `describe.skip` otherwise. */
export const describePg: jest.Describe = problem === undefined ? describe : describe.skip;

async function admin(statement: string): Promise<void> {
  const sql = openPool({ dsn: dsnFor('postgres'), max: 1 });
  try {
    await sql.unsafe(statement);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** A fresh database; drop() removes it (WITH FORCE: connections still open are ended). */
export async function createTestDatabase(): Promise<{ dsn: string; drop(): Promise<void> }> {
  const name = `specstar_s3_test_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return { dsn: dsnFor(name), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
