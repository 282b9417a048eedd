/**
 * The opt-in migrate template (http-api.md §9.19): `test` (dry run) and `execute` over a search,
 * streamed as `application/jsonl+json` (one MigrateProgress line per resource, or per revision
 * with `revision_id=all`, then one MigrateResult line), and the single-resource migrate. A
 * resource that fails is reported on its line and the stream goes on; re-runs skip what is
 * already at the model's version, so they are idempotent.
 */
import type { MigrateOutcome, ResourceManager } from '@specstar/core';
import type { Request, Response } from 'express';
import { HttpError } from '../errors';
import { QueryReader, readSearch } from '../params';
import { pathParam, sendRecord, type RouteKit } from './kit';

export interface MigrateProgress {
  resource_id: string;
  status: 'success' | 'failed' | 'skipped';
  message: string | null;
  error: string | null;
}

export interface MigrateResult {
  total: number;
  success: number;
  failed: number;
  skipped: number;
  errors: Array<{ resource_id: string; error: string }>;
}

/** The server's naive local time, as the upstream stamps streamed lines (`2026-01-02T03:04:05.678000`). */
function naiveLocalTimestamp(now = new Date()): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}000`
  );
}

/** The upstream's wire line for one outcome of core's bulk migration. */
function progressLine(outcome: MigrateOutcome, target: string | null, dryRun: boolean): MigrateProgress {
  const { resource_id, status, error } = outcome;
  if (status === 'failed') return { resource_id, status, message: null, error };
  if (status === 'skipped') return { resource_id, status, message: 'Resource already at current schema version', error: null };
  const message = dryRun ? 'Migration simulation successful' : `Migrated ${resource_id} from ${outcome.from_version} to ${target}`;
  return { resource_id, status, message, error: null };
}

/** `revision_id`: omitted → the current revision, `all` → every revision, else that one. */
function readRevisionChoice(q: QueryReader): string | undefined {
  const value = q.string('revision_id');
  if (value === '') throw new HttpError(400, "revision_id must be a revision id or 'all'");
  return value;
}

/** `POST /{model}/migrate/test` and `/migrate/execute`. */
export function migrateStreamRoute(kit: RouteKit, mode: 'test' | 'execute') {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const qb = q.string('qb');
    const query = readSearch(q, rm, { now: qb === undefined || qb === '' ? undefined : await kit.queryNow(req) });
    const revisionChoice = readRevisionChoice(q);
    const dryRun = mode === 'test';
    const target = rm.migration?.version ?? null;
    // Chosen (and checked) before the stream starts, so a bad query is still a 4xx.
    const resourceIds = (await rm.searchResources(query)).map((meta) => meta.resource_id);

    res.status(200).type('application/jsonl+json');
    const writeLine = (line: object): void => {
      res.write(`${JSON.stringify({ ...line, timestamp: naiveLocalTimestamp() })}\n`);
    };
    const result = await rm.migrateMany({
      resourceIds,
      revisions: revisionChoice ?? 'current',
      dryRun,
      onProgress: ({ outcome }) => writeLine(progressLine(outcome, target, dryRun)),
    });
    const { total, success, failed, skipped, errors } = result;
    writeLine({ total, success, failed, skipped, errors: errors.map(({ resource_id, error }) => ({ resource_id, error })) } satisfies MigrateResult);
    res.end();
  };
}

/** `POST /{model}/migrate/single/{resource_id}`: a MigrateProgress; a failure is a 400 naming the error. */
export function migrateSingleRoute() {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const writeBack = q.bool('write_back') ?? true;
    const revisionId = readRevisionChoice(q);
    q.check();
    const resourceId = pathParam(req, 'resource_id');
    // An unknown resource is a 404 like on every item route, not a failed migration.
    await rm.getMeta(resourceId);
    const dryRun = !writeBack;
    let outcome: MigrateOutcome | undefined;
    await rm.migrateMany({ resourceIds: [resourceId], revisions: revisionId ?? 'current', dryRun, onProgress: (progress) => void (outcome ??= progress.outcome) });
    if (outcome === undefined) throw new HttpError(400, 'Migration failed');
    if (outcome.status === 'failed') throw new HttpError(400, outcome.error ?? 'Migration failed');
    sendRecord(res, progressLine(outcome, rm.migration?.version ?? null, dryRun));
  };
}
