import { SpecStarError, ModelNotFoundError, type ResourceMeta, type ResourceMetaSearchQuery } from '@specstar/interfaces';
import { isBytes } from '../codec';
import type { ResourceManager } from '../manager';
import type { QueryInput } from '../search';
import { encodeMetaPayload, encodeRevisionPayload } from './payloads';
import { ARCHIVE_VERSION, encodeFrame, type ArchiveRecord, type BlobRecord } from './archive-records';
import { jobLogRecord } from './job-logs';

/** Metas fetched per search page when a dump is filtered by a query. */
const QUERY_PAGE = 1000;
/** Frames are coalesced into writes of about this size. */
const WRITE_CHUNK = 64 * 1024;

/** Counts of one model's dump so far, passed to `onProgress` after each record. */
export interface DumpProgress {
  model: string;
  resources: number;
  revisions: number;
  blobs: number;
}

export interface DumpArchiveOptions {
  /** Called after each record written (synchronously; keep it cheap). */
  onProgress?: (progress: DumpProgress) => void;
}

/** What the dump's on_success event reports (`result`). */
export interface DumpSummary {
  resources: number;
  revisions: number;
  blobs: number;
}

/** The metas a dump covers, streamed: all of them (deleted included), or a query's matches page by page. */
async function* dumpedMetas(rm: ResourceManager, query: ResourceMetaSearchQuery | undefined): AsyncGenerator<ResourceMeta> {
  if (query === undefined) {
    yield* rm.storage.iterMetas();
    return;
  }
  // The query's own limit and offset are ignored (every match is dumped); we page ourselves so no more than a page of
  // metas is held. Ties order by resource_id, so pages are stable while nothing is written.
  for (let offset = 0; ; offset += QUERY_PAGE) {
    const page = await rm.storage.search({ ...query, limit: QUERY_PAGE, offset });
    yield* page;
    if (page.length < QUERY_PAGE) return;
  }
}

/** Blob ids referenced by decoded data: every object holding a string `file_id` (a Binary). */
function collectFileIds(value: unknown, out: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) collectFileIds(item, out);
  } else if (typeof value === 'object' && value !== null && !isBytes(value) && !(value instanceof Date)) {
    const record = value as Record<string, unknown>;
    if (typeof record.file_id === 'string') out.add(record.file_id);
    for (const key of Object.keys(record)) collectFileIds(record[key], out);
  }
}

async function* produce(rm: ResourceManager, query: ResourceMetaSearchQuery | undefined, summary: DumpSummary): AsyncGenerator<ArchiveRecord> {
  const blobStore = rm.blobStore;
  // Distinct blob ids: the only per-dump state that grows (one short string per referenced blob).
  const fileIds = new Set<string>();
  const collect = rm.model.hasBinary && blobStore !== undefined;
  for await (const meta of dumpedMetas(rm, query)) {
    summary.resources++;
    yield { t: 'MetaRecord', data: encodeMetaPayload(meta) };
    for await (const stored of rm.storage.iterRevisions(meta.resource_id)) {
      summary.revisions++;
      if (collect) {
        try {
          collectFileIds(rm.decodeData(stored.data), fileIds);
        } catch {
          // An undecodable revision references no blob; its bytes are still dumped.
        }
      }
      yield { t: 'RevisionRecord', data: encodeRevisionPayload(stored.info, stored.data) };
    }
    // A job's log travels as Python's `__job_log__/<resource_id>` BlobRecord.
    const log = await jobLogRecord(rm, meta.resource_id);
    if (log !== undefined) {
      summary.blobs++;
      yield log;
    }
  }
  if (!blobStore) return;
  for (const fileId of fileIds) {
    let blob;
    try {
      blob = await blobStore.get(fileId);
    } catch {
      continue; // missing (or an id the store refuses): skipped silently
    }
    if (!blob.data) continue;
    summary.blobs++;
    const record: BlobRecord = {
      t: 'BlobRecord',
      file_id: fileId,
      blob_data: blob.data,
      size: blob.size ?? blob.data.byteLength,
      content_type: blob.content_type ?? '',
    };
    yield record;
  }
}

/**
 * The records of one model: per resource a MetaRecord followed by every stored revision
 * record, then one BlobRecord per distinct referenced blob. With a query only its matches are
 * dumped (its limit/offset ignored); without one, every resource including soft-deleted ones.
 * Events: BeforeDump when the stream is created (before the first record), OnSuccessDump and
 * AfterDump when it is exhausted, OnFailureDump and AfterDump when iterating throws or the
 * consumer stops early.
 */
export async function* dumpModel(rm: ResourceManager, query?: QueryInput | null): AsyncGenerator<ArchiveRecord> {
  const normalized = query === undefined || query === null ? undefined : rm.query(query);
  const summary: DumpSummary = { resources: 0, revisions: 0, blobs: 0 };
  let finish!: (error?: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    // oxlint-disable-next-line typescript/prefer-promise-reject-errors -- passes the iteration's own failure on unchanged.
    finish = (error) => (error === undefined ? resolve() : reject(error));
  });
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const evented = rm.runAction('dump', {}, 'result', async () => {
    started();
    await finished;
    return summary;
  });
  evented.catch(() => undefined); // observed below; never an unhandled rejection
  // A before-handler that throws aborts the dump before any record.
  await Promise.race([running, evented]);
  let done = false;
  let failure: unknown;
  let handlerFailed = false;
  let handlerError: unknown;
  try {
    yield* produce(rm, normalized, summary);
    done = true;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    if (done) finish();
    else finish(failure ?? new SpecStarError(`Dump of '${rm.name}' was closed before it was exhausted`));
    try {
      await evented;
    } catch (error) {
      // Unfinished: the iteration's own error is already on its way. Finished: an on_success handler failed.
      if (done) {
        handlerFailed = true;
        handlerError = error;
      }
    }
  }
  // Reached only when the iteration finished (an error or an early close skips it).
  if (handlerFailed) throw handlerError;
}

type Destination = NodeJS.WritableStream & { destroyed?: boolean; writableEnded?: boolean };

function closedError(): SpecStarError {
  return new SpecStarError('The archive destination was closed before the dump finished');
}

/** Writes with backpressure: when write() says the buffer is full, waits for 'drain' (or fails on error/close). */
async function writeOut(out: Destination, bytes: Uint8Array): Promise<void> {
  if (out.destroyed || out.writableEnded) throw closedError();
  if (out.write(bytes)) return;
  await new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      out.removeListener('drain', onDrain);
      out.removeListener('error', onError);
      out.removeListener('close', onClose);
    };
    const onDrain = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(closedError());
    };
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Coalesces small frames into writes of about WRITE_CHUNK bytes. */
class FrameWriter {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  constructor(private readonly out: Destination) {}

  async write(record: ArchiveRecord): Promise<void> {
    const frame = encodeFrame(record);
    this.pending.push(frame);
    this.pendingBytes += frame.byteLength;
    if (this.pendingBytes >= WRITE_CHUNK) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const bytes = this.pending.length === 1 ? (this.pending[0] as Uint8Array) : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    await writeOut(this.out, bytes);
  }
}

/**
 * Writes a whole archive: Header, then per model ModelStart, the model's records,
 * ModelEnd, then Eof. Models in registration order, or those of `modelQueries` in its key
 * order (a null query = every resource). Unknown names are refused before anything is written.
 * Honors backpressure; the destination is not ended (the caller owns it).
 */
export async function dumpArchive(
  managers: ReadonlyMap<string, ResourceManager>,
  writable: NodeJS.WritableStream,
  modelQueries?: Record<string, QueryInput | null> | null,
  options: DumpArchiveOptions = {},
): Promise<void> {
  const plan: Array<[ResourceManager, QueryInput | null]> = [];
  if (modelQueries === undefined || modelQueries === null) {
    for (const rm of managers.values()) plan.push([rm, null]);
  } else {
    for (const [name, query] of Object.entries(modelQueries)) {
      const rm = managers.get(name);
      if (!rm) throw new ModelNotFoundError(name, `Model '${name}' not found in resource managers.`);
      // A malformed query fails here, before the header is written.
      if (query !== undefined && query !== null) rm.query(query);
      plan.push([rm, query ?? null]);
    }
  }
  const out = new FrameWriter(writable);
  await out.write({ t: 'HeaderRecord', version: ARCHIVE_VERSION });
  for (const [rm, query] of plan) {
    await out.write({ t: 'ModelStartRecord', model_name: rm.name });
    const progress: DumpProgress = { model: rm.name, resources: 0, revisions: 0, blobs: 0 };
    for await (const record of dumpModel(rm, query)) {
      await out.write(record);
      if (!options.onProgress) continue;
      if (record.t === 'MetaRecord') progress.resources++;
      else if (record.t === 'RevisionRecord') progress.revisions++;
      else if (record.t === 'BlobRecord') progress.blobs++;
      options.onProgress({ ...progress });
    }
    await out.write({ t: 'ModelEndRecord', model_name: rm.name });
  }
  await out.write({ t: 'EofRecord' });
  await out.flush();
}
