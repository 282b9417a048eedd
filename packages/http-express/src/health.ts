/**
 * `GET /_health` (liveness: the process answers, touches nothing) and `GET /_health/ready`
 * (readiness: one cheap read of every model's storage and of the blob store). Callers learn
 * only the names of the stores that failed; why they failed goes to the logger.
 */
import type { Request, Response } from 'express';
import type { SpecStar } from '@specstar/core';
import { ConfigurationError } from '@specstar/interfaces';
import type { Logger } from './logger';
import { sendJson } from './wire';

/** An id no resource or blob has: valid for every store's id rules, never minted by core. */
const PROBE_ID = '_specstar-health-probe';

/** The name the blob store's check is reported under (model names cannot start with `_`). */
export const BLOB_CHECK = '_blobs';

export const DEFAULT_HEALTH_TIMEOUT_MS = 5_000;

export type CheckState = 'ok' | 'failed' | 'timeout';

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckState>;
}

/** Settles with the check's state within `timeoutMs`; the clock is unref'd so it never holds the process open. */
function bounded(name: string, check: () => Promise<unknown>, timeoutMs: number, logger: Logger): Promise<CheckState> {
  return new Promise<CheckState>((resolve) => {
    const timer = setTimeout(() => {
      logger.warn({ check: name, timeoutMs }, 'readiness check did not answer in time');
      resolve('timeout');
    }, timeoutMs);
    timer.unref();
    const settle = (state: CheckState): void => {
      clearTimeout(timer);
      resolve(state);
    };
    const failed = (err: unknown): void => {
      logger.warn({ check: name, err }, 'readiness check failed');
      settle('failed');
    };
    // A check that throws before returning its promise fails like one that rejects.
    try {
      check().then(() => settle('ok'), failed);
    } catch (err) {
      failed(err);
    }
  });
}

/** Touches every store once, all at the same time. */
export async function checkReadiness(spec: SpecStar, timeoutMs: number, logger: Logger): Promise<Readiness> {
  const checks: Array<[string, () => Promise<unknown>]> = [];
  for (const [name, rm] of spec.resourceManagers) checks.push([name, () => rm.storage.exists(PROBE_ID)]);
  checks.push([BLOB_CHECK, () => spec.getBlobStore().exists(PROBE_ID)]);
  const states = await Promise.all(checks.map(([name, check]) => bounded(name, check, timeoutMs, logger)));
  const result: Readiness = { ready: true, checks: {} };
  checks.forEach(([name], i) => {
    const state = states[i]!;
    result.checks[name] = state;
    if (state !== 'ok') result.ready = false;
  });
  return result;
}

export function livenessRoute(): (req: Request, res: Response) => Promise<void> {
  return async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    sendJson(res, { status: 'ok' });
  };
}

/**
 * Readiness. Probes that arrive while a check runs share its answer, so a flood of probes
 * costs the stores one read each at a time.
 */
export function readinessRoute(spec: SpecStar, timeoutMs: number, logger: Logger): (req: Request, res: Response) => Promise<void> {
  if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new ConfigurationError(`Option 'healthTimeoutMs' must be a positive number of milliseconds, got ${String(timeoutMs)}`);
  }
  let running: Promise<Readiness> | undefined;
  return async (_req, res) => {
    running ??= checkReadiness(spec, timeoutMs, logger).finally(() => {
      running = undefined;
    });
    const { ready, checks } = await running;
    res.set('Cache-Control', 'no-store');
    if (ready) {
      sendJson(res, { status: 'ok', checks });
      return;
    }
    const failed = Object.keys(checks).filter((name) => checks[name] !== 'ok');
    sendJson(res, { status: 'unavailable', detail: `Not ready: ${failed.join(', ')} did not answer`, checks }, { status: 503 });
  };
}
