/**
 * Upload-session routes (http-api §9.17): create, read, send a part (multipart part `file`,
 * streamed into the store's staging, never held whole), finalize into a blob, abort. Core's
 * `spec.uploadSessions` decides everything; these handlers read the request and map input
 * problems to the framework's 422 naming the field.
 */
import type { Request, Response } from 'express';
import { ValidationError } from '@specstar/interfaces';
import type { SessionCaller } from '@specstar/core';
import { RequestValidationError } from '../errors';
import { DEFAULT_MAX_UPLOAD_SIZE } from '../options';
import { QueryReader } from '../params';
import { openUpload } from '../uploads';
import { sendJson } from '../wire';
import { ANONYMOUS } from '../dependencies';
import { pathParam, type GlobalHandler, type RouteKit } from './kit';

/** Who calls a session route and their clock: the provider's, else the defaults all models share. */
async function callerOf(kit: RouteKit, req: Request): Promise<SessionCaller> {
  const context = await kit.sharedContext(req, kit.spec.resourceManagers.values());
  return { user: context.user ?? ANONYMOUS, ...(context.now !== undefined && { now: context.now }) };
}

/** The session-wide byte limit: the blob upload limit of `POST /blobs/upload`. */
const maxBytesOf = (kit: RouteKit): number => kit.options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE;

/** `part_number`: required, an integer of at least 1, else 422 naming it (core checks the upper bound). */
function partNumberParam(req: Request): number {
  const q = new QueryReader(req);
  if (!q.has('part_number')) {
    throw new RequestValidationError([{ type: 'missing', loc: ['query', 'part_number'], msg: 'Field required', input: null }]);
  }
  const value = q.int('part_number', { ge: 1 });
  q.check();
  return value!;
}

/** Core's refusal of a part number (beyond the largest) as the framework's 422 on the query parameter. */
function partNumberProblem(error: ValidationError, req: Request): RequestValidationError | undefined {
  if (error.issues[0]?.path !== '/part_number') return undefined;
  return new RequestValidationError([{ type: 'value_error', loc: ['query', 'part_number'], msg: error.message, input: new QueryReader(req).string('part_number') ?? null }]);
}

/** Core's ValidationError of a create body as the framework's 422, at `["body", <field>]`. */
function bodyProblem(error: ValidationError, body: unknown): RequestValidationError {
  const issue = error.issues[0];
  const field = issue?.path.replace(/^\//, '') ?? '';
  const input = field === '' ? body : (body as Record<string, unknown>)[field];
  return new RequestValidationError([{ type: 'value_error', loc: field === '' ? ['body'] : ['body', field], msg: error.message, input: input ?? null }]);
}

/** `POST /blobs/upload-sessions`: JSON `{content_type?, size?, total_parts?}` (no body counts as `{}`). */
export function createUploadSession(kit: RouteKit): GlobalHandler {
  return async (req: Request, res: Response) => {
    const caller = await callerOf(kit, req);
    const body: unknown = req.body;
    try {
      sendJson(res, await kit.spec.uploadSessions.create(body as never, caller));
    } catch (error) {
      if (error instanceof ValidationError) throw bodyProblem(error, body);
      throw error;
    }
  };
}

/** `GET /blobs/upload-sessions/{upload_id}`. */
export function readUploadSession(kit: RouteKit): GlobalHandler {
  return async (req: Request, res: Response) => {
    sendJson(res, await kit.spec.uploadSessions.get(pathParam(req, 'upload_id'), await callerOf(kit, req)));
  };
}

/**
 * `PUT /blobs/upload-sessions/{upload_id}/content?part_number=N`: the part `file` streamed into
 * the staging. A part core ignores (a retry of one that arrived) is read and discarded.
 */
export function putUploadSessionPart(kit: RouteKit): GlobalHandler {
  return async (req: Request, res: Response) => {
    const partNumber = partNumberParam(req);
    const uploadId = pathParam(req, 'upload_id');
    const caller = await callerOf(kit, req);
    const maxBytes = maxBytesOf(kit);
    const source = await openUpload(req, { limit: maxBytes, raw: false });
    let session;
    try {
      session = await kit.spec.uploadSessions.putPart(uploadId, partNumber, source.stream, { ...caller, maxBytes });
      await source.finished();
    } catch (error) {
      source.release();
      throw source.failure() ?? (error instanceof ValidationError ? (partNumberProblem(error, req) ?? error) : error);
    }
    sendJson(res, session);
  };
}

/** `POST /blobs/upload-sessions/{upload_id}/finalize` → the Binary. */
export function finalizeUploadSession(kit: RouteKit): GlobalHandler {
  return async (req: Request, res: Response) => {
    const caller = await callerOf(kit, req);
    sendJson(res, await kit.spec.uploadSessions.finalize(pathParam(req, 'upload_id'), { ...caller, maxBytes: maxBytesOf(kit) }));
  };
}

/** `POST /blobs/upload-sessions/{upload_id}/abort` → 204. */
export function abortUploadSession(kit: RouteKit): GlobalHandler {
  return async (req: Request, res: Response) => {
    await kit.spec.uploadSessions.abort(pathParam(req, 'upload_id'), await callerOf(kit, req));
    res.status(204).end();
  };
}
