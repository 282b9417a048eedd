import { join, resolve } from 'node:path';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppOptions, type RpgApp } from './app';
import { seedDemoData } from './seed';

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
  const rpg = createApp(options);
  // Seed an empty store only: a disk store keeps the demo data of an earlier run.
  if (options.seed && (await rpg.spec.getResourceManager('guild').count({})) === 0) {
    const seeded = await seedDemoData(rpg.spec);
    log(`seeded ${seeded.guilds.length} guilds, ${seeded.characters.length} characters, ${seeded.items.length} items`);
  }
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
    closing ??= new Promise<void>((resolve, reject) => {
      server.close((err) => (err ? reject(err) : resolve()));
      // Keep-alive sockets with no request in flight would otherwise hold close() open.
      server.closeIdleConnections();
    }).then(() => rpg.spec.close());
    return closing;
  };
  return { ...rpg, server, url, close };
}

/** Stops the server on SIGINT/SIGTERM; a second signal, or 10 s without finishing, forces the exit. */
export function exitOnSignals(running: RunningServer, log: (line: string) => void, exit: (code: number) => void = process.exit): () => void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log(`${signal} again: exiting now`);
      exit(1);
      return;
    }
    stopping = true;
    log(`${signal}: shutting down`);
    const force = setTimeout(() => {
      log('shutdown took longer than 10 s: exiting');
      exit(1);
    }, 10_000);
    force.unref();
    running.close().then(
      () => {
        clearTimeout(force);
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(force);
        log(`shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        exit(1);
      },
    );
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  return () => {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
  };
}

/** The backend file shipped with the example: disk storage under ${RPG_DATA_DIR}. */
export const BACKEND_FILE = join(__dirname, '..', 'backend.json');

async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  const inMemory = process.argv.includes('--memory');
  if (!inMemory) process.env.RPG_DATA_DIR ??= resolve('data');
  const running = await startServer({ seed: wantsSeed(), log, ...(inMemory ? {} : { backend: BACKEND_FILE }) });
  exitOnSignals(running, log);
  log(inMemory ? 'storage: memory (gone when the server stops)' : `storage: disk at ${process.env.RPG_DATA_DIR}`);
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
