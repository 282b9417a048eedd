/**
 * Backups: `.acbak` archives streamed out of `spec.dump` and into
 * `spec.load`, per model and for the whole registry. Archives are never held in memory by
 * this layer: exports write to the response with backpressure, imports read the multipart
 * part `file` or a raw `application/octet-stream` body as it arrives. Loading is not
 * transactional: records written before a failure stay written.
 */
import { ArchiveLimitError, type QueryInput, type ResourceManager, type WriteContext } from '@specstar/core';
import { DuplicateResourceError } from '@specstar/interfaces';
import type { Request, Response } from 'express';
import { HttpError } from '../errors';
import { DEFAULT_MAX_ARCHIVE_SIZE, archiveFrameLimit } from '../options';
import { QueryReader, readSearch } from '../params';
import { openUpload, type UploadSource } from '../uploads';
import { sendJson } from '../wire';
import type { RouteKit } from './kit';

export const ON_DUPLICATE = ['overwrite', 'skip', 'raise_error'] as const;
export type OnDuplicateValue = (typeof ON_DUPLICATE)[number];

const EMPTY_IMPORT = "Empty import: send the archive as a multipart 'file' field or as a raw application/octet-stream body.";

/** `on_duplicate`, default overwrite; anything else is a 400 listing the accepted values. */
function readOnDuplicate(q: QueryReader): OnDuplicateValue {
  const raw = q.string('on_duplicate');
  if (raw === undefined) return 'overwrite';
  if ((ON_DUPLICATE as readonly string[]).includes(raw)) return raw as OnDuplicateValue;
  throw new HttpError(400, `Invalid on_duplicate: ${raw}. Must be one of: ${ON_DUPLICATE.join(', ')}`);
}

/**
 * Streams `spec.dump` into the response as an attachment. Nothing is sent before the dump
 * writes, so an error raised before its first byte still gets a proper error response; one
 * raised later can only cut the download short (the archive then lacks its end record).
 */
async function sendArchive(kit: RouteKit, res: Response, filename: string, context: WriteContext, queries: Record<string, QueryInput | null>): Promise<void> {
  res.status(200);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
  try {
    await kit.spec.using(context, () => kit.spec.dump(res, queries));
  } catch (error) {
    if (!res.headersSent) {
      res.removeHeader('Content-Disposition');
      throw error;
    }
    res.destroy(error as Error);
    return;
  }
  if (!res.writableEnded) res.end();
}

/**
 * `GET /{model}/export`: every resource, live and deleted; with `qb`, the resources it selects
 * (no paging; deleted ones too unless `is_deleted` is sent). Other parameters are ignored.
 */
export function exportModelRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const q = new QueryReader(req);
    const qb = q.string('qb');
    let query: QueryInput | null = null;
    if (qb !== undefined && qb !== '') {
      const search = readSearch(q, rm, { now: await kit.queryNow(req) });
      if (!q.has('is_deleted')) delete search.is_deleted;
      query = search;
    }
    await sendArchive(kit, res, `${rm.name}.acbak`, await kit.writeContext(req, rm), { [rm.name]: query });
  };
}

/** `GET /_backup/export?models=a&models=b`: the named models (default all); unknown names → 400. */
export function exportAllRoute(kit: RouteKit) {
  return async (req: Request, res: Response): Promise<void> => {
    const q = new QueryReader(req);
    const requested = q.list('models').filter((name) => name !== '');
    const managers = kit.spec.resourceManagers;
    const unknown = [...new Set(requested.filter((name) => !managers.has(name)))].sort();
    if (unknown.length > 0) throw new HttpError(400, `Unknown model(s): ${unknown.join(', ')}`);
    const names = requested.length > 0 ? [...new Set(requested)] : [...managers.keys()];
    const queries: Record<string, QueryInput | null> = {};
    for (const name of names) queries[name] = null;
    const context = await kit.sharedContext(req, names.map((name) => managers.get(name)!));
    await sendArchive(kit, res, 'backup.acbak', context, queries);
  };
}

type LoadStats = { loaded: number; skipped: number; total: number };

/** Runs `spec.load` over the request's archive, turning stream and loader failures into 400 answers with a string detail. */
async function loadUpload(
  kit: RouteKit,
  req: Request,
  context: WriteContext,
  options: { onDuplicate: OnDuplicateValue; models?: string[] },
): Promise<Record<string, LoadStats>> {
  const source: UploadSource = await openUpload(req, { limit: kit.options.maxArchiveSize ?? DEFAULT_MAX_ARCHIVE_SIZE, raw: true });
  const maxFrameSize = archiveFrameLimit(kit.options);
  const spillDirectory = kit.options.archiveSpillDirectory;
  let stats: Record<string, LoadStats>;
  try {
    stats = await kit.spec.using(context, () => kit.spec.load(source.stream, { ...options, maxFrameSize, ...(spillDirectory !== undefined && { spillDirectory }) }));
    // The loader stops at the archive's end record; the rest of the body must still be sound.
    await source.finished();
  } catch (error) {
    source.release();
    // The body's own failure (too large, malformed multipart) explains more than the reader's.
    const cause = source.failure() ?? error;
    if (source.bytes() === 0 && !(cause instanceof HttpError)) throw new HttpError(400, EMPTY_IMPORT);
    if (cause instanceof ArchiveLimitError) {
      throw new HttpError(
        413,
        cause.limit === 'maxFrameSize'
          ? `Archive record at byte ${cause.position ?? 0} is ${cause.bytes} bytes, over the maxArchiveFrameSize limit of ${cause.maxBytes} bytes`
          : `Archive is larger than the maxArchiveSize limit of ${cause.maxBytes} bytes`,
      );
    }
    if (cause instanceof DuplicateResourceError) throw new HttpError(409, `Duplicate resource '${cause.resource_id}' already exists during load.`);
    throw cause;
  }
  source.release();
  if (source.bytes() === 0) throw new HttpError(400, EMPTY_IMPORT);
  return stats;
}

/**
 * `POST /{model}/import?on_duplicate=…`: loads only this model's sections and answers their
 * `{loaded, skipped, total}` (all 0 when the archive has none).
 */
export function importModelRoute(kit: RouteKit) {
  return async (req: Request, res: Response, rm: ResourceManager): Promise<void> => {
    const onDuplicate = readOnDuplicate(new QueryReader(req));
    const stats = await loadUpload(kit, req, await kit.writeContext(req, rm), { onDuplicate, models: [rm.name] });
    sendJson(res, stats[rm.name] ?? { loaded: 0, skipped: 0, total: 0 });
  };
}

/** `POST /_backup/import?on_duplicate=…`: every section; one stats entry per model found. */
export function importAllRoute(kit: RouteKit) {
  return async (req: Request, res: Response): Promise<void> => {
    const onDuplicate = readOnDuplicate(new QueryReader(req));
    const context = await kit.sharedContext(req, kit.spec.resourceManagers.values());
    sendJson(res, await loadUpload(kit, req, context, { onDuplicate }));
  };
}
