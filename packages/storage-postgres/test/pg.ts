/**
 * How the tests find PostgreSQL: the server on 127.0.0.1:5432 (override with SPECSTAR_PG_HOST /
 * SPECSTAR_PG_PORT / SPECSTAR_PG_ADMIN_USER), trust auth. Each test file creates its own database
 * `specstar_test_<random>` and drops it (WITH FORCE) afterwards.
 *
 * When the server is down: with CI=true the file fails loudly (test-infra/services.sh check
 * should have started it); otherwise its tests are skipped with the reason printed.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

export const PG_HOST = process.env['SPECSTAR_PG_HOST'] ?? '127.0.0.1';
export const PG_PORT = Number(process.env['SPECSTAR_PG_PORT'] ?? 5432);
export const PG_ADMIN_USER = process.env['SPECSTAR_PG_ADMIN_USER'] ?? 'postgres';

export function dsnFor(database: string, user = PG_ADMIN_USER): string {
  return `postgres://${encodeURIComponent(user)}@${PG_HOST}:${PG_PORT}/${encodeURIComponent(database)}`;
}

/** A synchronous TCP probe (jest needs to know at collection time whether to register tests). */
function probe(): string | undefined {
  const script = `const s=require('node:net').connect(${PG_PORT},${JSON.stringify(PG_HOST)});s.setTimeout(2000);` +
    `s.on('connect',()=>process.exit(0));s.on('timeout',()=>{console.error('timeout');process.exit(1)});s.on('error',(e)=>{console.error(e.code||e.message);process.exit(1)});`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 5000 });
  return result.status === 0 ? undefined : (result.stderr.trim() || 'no answer');
}

const problem = probe();
if (problem !== undefined) {
  const message = `PostgreSQL is not reachable on ${PG_HOST}:${PG_PORT} (${problem})`;
  if (process.env['CI'] === 'true') {
    throw new Error(`${message}. CI=true: integration tests never skip — run test-infra/services.sh check to start it.`);
  }
  // eslint-disable-next-line no-console
  console.warn(`SKIPPED @specstar/storage-postgres integration tests: ${message}. Start it (test-infra/services.sh check with CI=true starts it) to run them.`);
}

export const pgAvailable = problem === undefined;
/** `describe` when the server is up, `describe.skip` otherwise. */
export const describePg: jest.Describe = pgAvailable ? describe : describe.skip;

export interface TestDatabase {
  name: string;
  dsn: string;
  /** Admin connection to the test database (for fixtures and checks). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh database for one test file; drop() ends connections and removes it. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `specstar_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(dsnFor('postgres'), { max: 1, onnotice: () => undefined });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const sql = postgres(dsnFor(name), { max: 2, onnotice: () => undefined });
  return {
    name,
    dsn: dsnFor(name),
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const again = postgres(dsnFor('postgres'), { max: 1, onnotice: () => undefined });
      try {
        await again.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.end();
      }
    },
  };
}

let prefixCounter = 0;
/** A table prefix no other factory of this file uses (per-case isolation inside one database). */
export function freshPrefix(): string {
  prefixCounter += 1;
  return `t${prefixCounter}_`;
}
