/**
 * Blob routes: the resource-gated download, the global download (307 to the
 * store's own URL when it has one, else the bytes) and the multipart upload.
 */
import type { ResourceManager } from '@specstar/core';
import { assertValidFileId } from '@specstar/core/adapter';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BlobNotFoundError, NotSupportedError, ValidationError, type Binary, type IBlobStore } from '@specstar/interfaces';
import type { Request, Response } from 'express';
import { ANONYMOUS } from '../dependencies';
import { HttpError, RequestValidationError } from '../errors';
import { DEFAULT_MAX_UPLOAD_SIZE } from '../options';
import { QueryReader } from '../params';
import { openUpload, readAll } from '../uploads';
import { sendJson } from '../wire';
import { pathParam, type RouteKit } from './kit';

// A media type with optional parameters, and nothing that could break the header line.
// oxlint-disable-next-line no-control-regex -- matching control characters is the point: they must not reach the header.
const MEDIA_TYPE = /^[\w!#$&^.+'*`|~-]+\/[\w!#$&^.+'*`|~-]+(?:[ \t]*;[ \t]*[\w!#$&^.+'*`|~-]+=(?:[\w!#$&^.+'*`|~-]+|"[^"\\\x00-\x1f\x7f]*"))*$/;

/**
 * The Content-Type of a download: the stored type when it is a well-formed media type
 * (content types in model data are caller input), else `application/octet-stream`; text types
 * without a charset get `; charset=utf-8`.
 */
export function downloadType(stored: string | undefined): string {
  const value = stored?.trim() ?? '';
  if (!MEDIA_TYPE.test(value)) return 'application/octet-stream';
  if (/^text\//i.test(value) && !/;\s*charset=/i.test(value)) return `${value}; charset=utf-8`;
  return value;
}

/**
 * The `file_id` path parameter, checked before any store sees it (ids become keys and file
 * names): a bad one is a framework-style 422 naming the parameter.
 */
function fileIdParam(req: Request): string {
  const fileId = pathParam(req, 'file_id');
  try {
    assertValidFileId(fileId);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new RequestValidationError([{ type: 'value_error', loc: ['path', 'file_id'], msg: error.message, input: fileId }]);
  }
  return fileId;
}

/** Fetches a blob, with the download routes' own 404 wording. */
async function fetchBlob(fileId: string, get: (fileId: string) => Promise<Binary>): Promise<Binary> {
  try {
    return await get(fileId);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw new HttpError(404, `Blob ${fileId} not found`);
    throw error;
  }
}

/**
 * Types a browser may show in the API's origin without running anything: raster images, PDF
 * (the viewer runs no script of the page's origin), plain text, and bytes it will only save.
 */
const INLINE_SAFE: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'application/pdf',
  'text/plain',
  'application/octet-stream',
]);

/** Whether a download type (as `downloadType` sends it) may be shown inline. */
export function isInlineSafe(contentType: string): boolean {
  const essence = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return INLINE_SAFE.has(essence);
}

/**
 * Blob bytes are uploaded content served from the API's origin: the browser must neither guess
 * a more active type nor run anything the bytes contain (an HTML or SVG upload would otherwise
 * script the API's origin). Other types than the inline-safe ones are downloads.
 */
/** Status and headers of a download: the stored type if safe, sandboxed, an attachment unless safe to show. */
function startDownload(res: Response, contentType: string | undefined, size: number | undefined): void {
  const type = downloadType(contentType);
  res.status(200);
  // setHeader, not res.type(): express would rewrite or reject some stored values.
  res.setHeader('Content-Type', type);
  if (size !== undefined) res.setHeader('Content-Length', String(size));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  if (!isInlineSafe(type)) res.setHeader('Content-Disposition', 'attachment');
}

/** Sends a blob: streamed from a store that can (never held whole), else its bytes. */
async function sendBlob(res: Response, store: IBlobStore | undefined, fileId: string): Promise<void> {
  if (!store) throw new NotSupportedError('No blob store is configured');
  if (!store.getStream) {
    const blob = await fetchBlob(fileId, (id) => store.get(id));
    if (blob.data === undefined) throw new HttpError(500, 'Blob data missing');
    startDownload(res, blob.content_type, blob.data.byteLength);
    res.end(Buffer.from(blob.data.buffer, blob.data.byteOffset, blob.data.byteLength));
    return;
  }
  let opened: Awaited<ReturnType<NonNullable<IBlobStore['getStream']>>>;
  try {
    opened = await store.getStream(fileId);
  } catch (error) {
    if (error instanceof BlobNotFoundError) throw new HttpError(404, `Blob ${fileId} not found`);
    throw error;
  }
  startDownload(res, opened.blob.content_type, opened.blob.size);
  await pipeline(Readable.from(opened.body), res);
}

/** Who calls a global blob route: the provider's user, else the defaults all models share, else anonymous. */
async function callerOf(kit: RouteKit, req: Request): Promise<string> {
  const context = await kit.sharedContext(req, kit.spec.resourceManagers.values());
  return context.user ?? ANONYMOUS;
}

const BINARY_KEYS: ReadonlySet<string> = new Set(['file_id', 'size', 'content_type', 'data']);

/**
 * Whether `data` holds a Binary descriptor (an object with only Binary keys) naming `fileId`.
 * Iterative, so hostile nesting cannot exhaust the stack.
 */
export function referencesFile(data: unknown, fileId: string): boolean {
  const stack: unknown[] = [data];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null || ArrayBuffer.isView(node)) continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    const record = node as Record<string, unknown>;
    const keys = Object.keys(record);
    if (record['file_id'] === fileId && keys.every((key) => BINARY_KEYS.has(key))) return true;
    for (const key of keys) stack.push(record[key]);
  }
  return false;
}

/**
 * `GET /{model}/{resource_id}/blobs/{file_id}`: the resource must be readable (404 missing or
 * deleted, 403 denied) and its current revision (or `revision_id`) must reference the file —
 * else 404 as for an unknown blob.
 */
export async function resourceBlob(req: Request, res: Response, rm: ResourceManager): Promise<void> {
  const q = new QueryReader(req);
  const revisionId = q.string('revision_id');
  q.check();
  const fileId = fileIdParam(req);
  const resource = await rm.get(pathParam(req, 'resource_id'), { revisionId });
  if (!referencesFile(resource.data, fileId)) throw new HttpError(404, `Blob ${fileId} not found`);
  await sendBlob(res, rm.blobStore, fileId);
}

/**
 * `GET /blobs/{file_id}`: 307 to the store's direct URL when it offers one, else the bytes.
 * Where a permission checker guards the registry only the blob's uploader gets it; anyone else
 * gets the 404 of an unknown blob, so ids cannot be probed.
 */
export function globalBlob(kit: RouteKit) {
  return async (req: Request, res: Response): Promise<void> => {
    const fileId = fileIdParam(req);
    if (!(await kit.spec.blobAccess.mayReadDirectly(fileId, await callerOf(kit, req)))) throw new HttpError(404, `Blob ${fileId} not found`);
    const store = kit.spec.getBlobStore();
    if (store.getUrl) {
      if (!(await store.exists(fileId))) throw new HttpError(404, `Blob ${fileId} not found`);
      const url = await store.getUrl(fileId);
      if (url) {
        res.redirect(307, url);
        return;
      }
    }
    await sendBlob(res, store, fileId);
  };
}

/**
 * `POST /blobs/upload`: multipart part `file` → `Binary` without data. The part's content type
 * is stored; identical bytes get the identical (content-addressed) file id. The caller is
 * recorded as an uploader, which lets them read the blob and reference it from their resources.
 */
export function uploadBlob(kit: RouteKit) {
  return async (req: Request, res: Response): Promise<void> => {
    // Identity first: a caller the provider refuses never gets bytes stored.
    const user = await callerOf(kit, req);
    const source = await openUpload(req, { limit: kit.options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE, raw: false });
    const data = await readAll(source);
    const stored = await kit.spec.getBlobStore().put(data, { contentType: source.contentType ?? 'application/octet-stream' });
    if (stored.file_id !== undefined) await kit.spec.blobAccess.recordUpload(stored.file_id, user);
    const binary: Binary = { file_id: stored.file_id, size: stored.size ?? data.byteLength };
    if (stored.content_type !== undefined) binary.content_type = stored.content_type;
    sendJson(res, binary);
  };
}
