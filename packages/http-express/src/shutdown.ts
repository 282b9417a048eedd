/**
 * Graceful shutdown: stop accepting connections, let requests in flight finish (bounded), close
 * keep-alive connections as they go idle, then close the registry (pools, files, consumers), so
 * no write is cut between its acknowledgement and durable storage.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { inspect } from 'node:util';
import { resolveLogger, type Logger } from './logger';

export type ClosableServer = HttpServer | HttpsServer;

/** What is closed after the server: a SpecStar registry, or anything with the same close(). */
export interface ClosableRegistry {
  close(): Promise<void>;
}

export interface GracefulCloseOptions {
  /** How long requests in flight may run before their connections are cut (default 10 s). */
  timeoutMs?: number;
  /** Default: stderr for warnings and errors (see the `logger` option of mount). */
  logger?: Logger;
}

export interface GracefulCloseResult {
  /** True when requests were still running at the deadline and their connections were cut. */
  forced: boolean;
}

export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** How often connections that finished their last request are looked for and closed. */
const IDLE_SWEEP_MS = 50;
/** Extra time `spec.close()` gets after the drain deadline before a signal shutdown gives up. */
const REGISTRY_CLOSE_GRACE_MS = 5_000;

function checkTimeout(timeoutMs: unknown): number {
  if (timeoutMs === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
    throw new RangeError(`timeoutMs must be a finite number of milliseconds >= 0, got ${inspect(timeoutMs)}`);
  }
  return timeoutMs;
}

function serverClosed(server: ClosableServer): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((err?: Error & { code?: string }) => {
      // Already closed (e.g. a second call): nothing is left to wait for.
      if (err && err.code !== 'ERR_SERVER_NOT_RUNNING') reject(err);
      else resolve();
    });
  });
}

/**
 * Closes `server` gracefully, then `spec`. Resolves once both are closed; `forced` tells
 * whether in-flight requests had to be cut at `timeoutMs`. Does not exit the process.
 */
export async function closeGracefully(server: ClosableServer, spec: ClosableRegistry, options: GracefulCloseOptions = {}): Promise<GracefulCloseResult> {
  const timeoutMs = checkTimeout(options.timeoutMs);
  const logger = resolveLogger(options.logger);
  let forced = false;
  // Requests that still arrive on kept-alive connections are served, then their connection closes.
  const closeAfterResponse = (_req: IncomingMessage, res: ServerResponse): void => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  };
  server.prependListener('request', closeAfterResponse);
  const closed = serverClosed(server);
  server.closeIdleConnections();
  logger.info({ timeoutMs }, 'stopped accepting connections; waiting for requests in flight');
  // A connection whose request was in flight goes idle when the response ends; close it then.
  const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
  sweep.unref();
  const deadline = setTimeout(() => {
    forced = true;
    logger.warn({ timeoutMs }, 'requests still running at the shutdown deadline: closing their connections');
    server.closeAllConnections();
  }, timeoutMs);
  deadline.unref();
  try {
    await closed;
  } finally {
    clearInterval(sweep);
    clearTimeout(deadline);
    server.off('request', closeAfterResponse);
  }
  await spec.close();
  return { forced };
}

export interface SignalShutdownOptions extends GracefulCloseOptions {
  /** Default SIGTERM and SIGINT. */
  signals?: readonly NodeJS.Signals[];
  /** Default `process.exit`; tests pass their own. */
  exit?: (code: number) => void;
}

/**
 * On the first of `signals`: closeGracefully, then exit 0 (1 when requests had to be cut or a
 * close failed). A second signal exits 1 at once. Returns a function that removes the handlers.
 */
export function shutdownOnSignals(server: ClosableServer, spec: ClosableRegistry, options: SignalShutdownOptions = {}): () => void {
  const timeoutMs = checkTimeout(options.timeoutMs);
  const logger = resolveLogger(options.logger);
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stopping = false;

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // spec.close() that hangs (a stuck pool) must not keep the process alive forever.
    const giveUp = setTimeout(() => {
      logger.error({ signal }, 'shutdown did not finish in time: exiting');
      exit(1);
    }, timeoutMs + REGISTRY_CLOSE_GRACE_MS);
    giveUp.unref();
    closeGracefully(server, spec, { timeoutMs, logger }).then(
      ({ forced }) => {
        clearTimeout(giveUp);
        logger.info({ signal, forced }, 'shutdown complete');
        exit(forced ? 1 : 0);
      },
      (err: unknown) => {
        clearTimeout(giveUp);
        logger.error({ signal, err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const handlers = signals.map((signal) => {
    const handler = (): void => onSignal(signal);
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
