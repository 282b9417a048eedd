/**
 * The logger the HTTP layer writes to: the subset of pino's interface it uses, so a pino (or
 * bunyan-style) logger plugs in as it is. Without one, only what an operator must see reaches
 * stderr: unexpected 5xx errors and failed readiness or shutdown steps.
 */

import { ConfigurationError } from '@specstar/interfaces';

/** A log method: `(object, message?)` or `(message)`, as pino takes them. */
export type LogFn = (objOrMsg: unknown, msg?: string) => void;

export interface Logger {
  error: LogFn;
  warn: LogFn;
  info: LogFn;
  debug: LogFn;
}

const PREFIX = '[@specstar/http-express]';

/** `key=value` pairs of the context object, the error (with its stack) last. */
function describe(objOrMsg: unknown, msg?: string): unknown[] {
  if (typeof objOrMsg === 'string') return [PREFIX, objOrMsg];
  const parts: unknown[] = [PREFIX];
  if (msg !== undefined) parts.push(msg);
  let err: unknown;
  if (typeof objOrMsg === 'object' && objOrMsg !== null) {
    for (const [key, value] of Object.entries(objOrMsg)) {
      if (key === 'err') err = value;
      else parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
    }
  } else if (objOrMsg !== undefined) {
    parts.push(objOrMsg);
  }
  if (err !== undefined) parts.push(err);
  return parts;
}

const quiet: LogFn = () => undefined;

/** The default: errors and warnings to stderr, one call (so one entry) each; info and debug dropped. */
export const stderrLogger: Logger = {
  error: (objOrMsg, msg) => console.error(...describe(objOrMsg, msg)),
  warn: (objOrMsg, msg) => console.error(...describe(objOrMsg, msg)),
  info: quiet,
  debug: quiet,
};

const LEVELS = ['error', 'warn', 'info', 'debug'] as const;

/** The configured logger, else the default; a logger missing a level is a setup error. */
export function resolveLogger(logger: Logger | undefined): Logger {
  if (logger === undefined) return stderrLogger;
  const missing = LEVELS.filter((level) => typeof (logger as Partial<Logger> | null)?.[level] !== 'function');
  if (missing.length > 0) {
    throw new ConfigurationError(`Option 'logger' needs the methods error, warn, info and debug (pino-compatible); missing: ${missing.join(', ')}`);
  }
  // Bound, so pino's methods keep their `this` when called detached.
  return { error: logger.error.bind(logger), warn: logger.warn.bind(logger), info: logger.info.bind(logger), debug: logger.debug.bind(logger) };
}
