/**
 * The opt-in migrate template (http-api.md §9.19): `test` (dry run) and `execute` over a search,
 * streamed as `application/jsonl+json` (one MigrateProgress line per resource, or per revision
 * with `revision_id=all`, then one MigrateResult line), and the single-resource migrate. A
 * resource that fails is reported on its line and the stream goes on; re-runs skip what is
 * already at the model's version, so they are idempotent.
 */
import type { ResourceManager } from '@specstar/core';
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

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** The server's naive local time, as the upstream stamps streamed lines (`2026-01-02T03:04:05.678000`). */
function naiveLocalTimestamp(now = new Date()): string {
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return (
    `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}T` +
    `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.${pad(now.getMilliseconds(), 3)}000`
  );
}

/** Migrates (or, with `dryRun`, converts in memory) one resource or one of its revisions. */
async function migrateOne(rm: ResourceManager, resourceId: string, revisionId: string | undefined, dryRun: boolean): Promise<MigrateProgress> {
  const target = rm.migration?.version ?? null;
  try {
    const meta = await rm.getMeta(resourceId);
    if (revisionId === undefined && meta.schema_version === target) {
      return { resource_id: resourceId, status: 'skipped', message: 'Resource already at current schema version', error: null };
    }
    await rm.migrate(resourceId, revisionId === undefined ? { dryRun } : { revisionId, dryRun });
    const message = dryRun ? 'Migration simulation successful' : `Migrated ${resourceId} from ${meta.schema_version} to ${target}`;
    return { resource_id: resourceId, status: 'success', message, error: null };
  } catch (err) {
    return { resource_id: resourceId, status: 'failed', message: null, error: errorText(err) };
  }
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
    const metas = await rm.searchResources(query);

    res.status(200).type('application/jsonl+json');
    const writeLine = (line: object): void => {
      res.write(`${JSON.stringify({ ...line, timestamp: naiveLocalTimestamp() })}\n`);
    };
    const result: MigrateResult = { total: 0, success: 0, failed: 0, skipped: 0, errors: [] };
    const report = (progress: MigrateProgress): void => {
      result.total += 1;
      result[progress.status] += 1;
      if (progress.status === 'failed') result.errors.push({ resource_id: progress.resource_id, error: progress.error ?? '' });
      writeLine(progress);
    };
    for (const meta of metas) {
      const id = meta.resource_id;
      if (revisionChoice !== 'all') {
        report(await migrateOne(rm, id, revisionChoice, dryRun));
        continue;
      }
      let revisionIds: string[];
      try {
        revisionIds = await rm.listRevisionIds(id);
      } catch (err) {
        report({ resource_id: id, status: 'failed', message: null, error: errorText(err) });
        continue;
      }
      for (const revisionId of revisionIds) report(await migrateOne(rm, id, revisionId, dryRun));
    }
    writeLine(result);
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
    const progress = await migrateOne(rm, resourceId, revisionId, !writeBack);
    if (progress.status === 'failed') throw new HttpError(400, progress.error ?? 'Migration failed');
    sendRecord(res, progress);
  };
}
