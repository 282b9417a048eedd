import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeGracefully, shutdownOnSignals, type Logger } from '@specstar/http-express';
import { createApp, type AppOptions, type RpgApp } from './app';
import { SpecStar } from '@specstar/core';
import { seedDemoData } from './seed';
import { startJobs } from './models';

export interface ServerOptions extends AppOptions {
  /** Default: PORT, else 8000. 0 picks a free port. */
  port?: number;
  /** Default: HOST, else 127.0.0.1 (loopback only; set HOST=0.0.0.0 to serve the network). */
  host?: string;
  /** Seed demo data before listening. */
  seed?: boolean;
  log?: (line: string) => void;
}

export interface RunningServer extends RpgApp {
  server: Server;
  /** Base URL, e.g. http://127.0.0.1:8000 (plus the prefix). */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes the registry. */
  close(): Promise<void>;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8000;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`PORT must be an integer in 0..65535, got '${raw}'`);
  return port;
}

export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  // configure() waits for providers that check their connection first (S3 looks at its bucket).
  let spec = options.spec;
  if (spec === undefined && options.backend !== undefined) {
    spec = new SpecStar();
    await spec.configure({ backend: options.backend });
  }
  const rpg = createApp({ ...options, spec });
  // Seed an empty store only: a disk store keeps the demo data of an earlier run.
  if (options.seed && (await rpg.spec.getResourceManager('guild').count({})) === 0) {
    const seeded = await seedDemoData(rpg.spec);
    log(`seeded ${seeded.guilds.length} guilds, ${seeded.characters.length} characters, ${seeded.items.length} items`);
  }
  await startJobs(rpg.spec);
  const host = options.host ?? process.env.HOST ?? '127.0.0.1';
  const port = options.port ?? parsePort(process.env.PORT);
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = rpg.app.listen(port, host);
    listening.once('listening', () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${address.port}${options.prefix ?? ''}`;

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    if (closing === undefined) closing = closeGracefully(server, rpg.spec, { logger: lineLogger(log) }).then(() => undefined);
    return closing;
  };
  return { ...rpg, server, url, close };
}

/** The server's log lines as a (pino-compatible) logger: `message key=value …`, debug dropped. */
export function lineLogger(log: (line: string) => void): Logger {
  const line = (obj: unknown, msg?: string): void => {
    if (typeof obj === 'string') return log(obj);
    const fields = Object.entries(typeof obj === 'object' && obj !== null ? obj : {}).map(([key, value]) =>
      key === 'err' ? (value instanceof Error ? value.message : String(value)) : `${key}=${String(value)}`,
    );
    log([msg, ...fields].filter((part) => part !== undefined).join(' '));
  };
  return { error: line, warn: line, info: line, debug: () => undefined };
}

/**
 * Stops the server on SIGINT/SIGTERM with @specstar/http-express's shutdownOnSignals: no new
 * connections, requests in flight finish (10 s at most), the registry closes, exit 0. A second
 * signal exits at once with 1.
 */
export function exitOnSignals(running: RunningServer, log: (line: string) => void, exit?: (code: number) => void): () => void {
  return shutdownOnSignals(running.server, running.spec, { logger: lineLogger(log), ...(exit && { exit }) });
}

/** The backend file shipped with the example: disk storage under ${RPG_DATA_DIR}. */
export const BACKEND_FILE = join(__dirname, '..', 'backend.json');

/** The backend file of `--s3`: metas, revisions and blobs in one S3 bucket (filled in from RPG_S3_*). */
export const BACKEND_S3_FILE = join(__dirname, '..', 'backend-s3.json');

/**
 * For `--s3` without RPG_S3_ENDPOINT: starts a local S3-compatible server (s3rver) in this
 * process, keeping its objects under ./data/s3, and points the RPG_S3_* variables at it.
 */
async function startLocalS3(log: (line: string) => void): Promise<void> {
  process.env.RPG_S3_BUCKET ??= 'rpg';
  if (process.env.RPG_S3_ENDPOINT) return;
  const { startS3Server } = await import('@specstar/test-s3');
  const s3 = await startS3Server({ buckets: [process.env.RPG_S3_BUCKET], directory: resolve('data', 's3') });
  process.env.RPG_S3_ENDPOINT = s3.endpoint;
  process.env.RPG_S3_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.RPG_S3_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  log(`S3: a local s3rver at ${s3.endpoint}, objects under ${resolve('data', 's3')}`);
}

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const inMemory = process.argv.includes('--memory');
  const onS3 = process.argv.includes('--s3');
  if (onS3) await startLocalS3(log);
  else if (!inMemory) process.env.RPG_DATA_DIR ??= resolve('data');
  const backend = inMemory ? {} : { backend: onS3 ? BACKEND_S3_FILE : BACKEND_FILE };
  const running = await startServer({ seed: wantsSeed(), log, ...backend });
  exitOnSignals(running, log);
  log(inMemory ? 'storage: memory (gone when the server stops)' : onS3 ? `storage: S3 bucket ${process.env.RPG_S3_BUCKET} at ${process.env.RPG_S3_ENDPOINT}` : `storage: disk at ${process.env.RPG_DATA_DIR}`);
  log(`RPG game API listening on ${running.url}`);
  log(`Swagger UI: ${running.url}/docs`);
}

function wantsSeed(): boolean {
  return process.argv.includes('--seed') || process.env.SEED === '1';
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
