/**
 * The one place where errors become HTTP responses. Routes throw; the error
 * handler at the end of every router calls `errorResponse` and writes `{ detail }`.
 */
import type { ErrorRequestHandler, Request, Response } from 'express';
import {
  BlobNotFoundError,
  BlobTooLargeError,
  ConfigurationError,
  InvalidReferenceError,
  MissingOperationContextError,
  NotSupportedError,
  ServiceUnavailableError,
  PatchError,
  PermissionDeniedError,
  QueryError,
  ReferenceRestrictError,
  ResourceConflictError,
  ResourceIsDeletedError,
  ResourceNotFoundError,
  RevisionMismatchError,
  SpecStarError,
  UniqueConstraintError,
  UploadSessionNotFoundError,
  UploadSessionStateError,
  ValidationError,
} from '@specstar/interfaces';
import { resolveLogger, type Logger } from './logger';

/** One entry of a framework-style (FastAPI/pydantic) validation list. */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
}

/** An HTTP error raised inline by a route: status and detail are sent as given. */
export class HttpError extends SpecStarError {
  override readonly code: string = 'http_error';
  constructor(
    readonly status: number,
    readonly detail: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof detail === 'string' ? detail : `HTTP ${status}`);
  }
}

/** An issue with its keys in the upstream framework's order: type, loc, msg, input, ctx. */
function inWireOrder({ type, loc, msg, input, ctx }: ValidationIssue): ValidationIssue {
  return ctx === undefined ? { type, loc, msg, input } : { type, loc, msg, input, ctx };
}

/** Framework request validation: 422 with the list-shaped detail. */
export class RequestValidationError extends HttpError {
  override readonly code: string = 'request_validation';
  constructor(readonly issues: ValidationIssue[]) {
    super(422, issues.map(inWireOrder));
  }
}

export interface ErrorMappingOptions {
  /** Status for reads of soft-deleted resources: 404 unless configured to 410. */
  deletedStatus: 404 | 410;
  /** Whether the request carried If-Match: a revision mismatch is then a failed precondition. */
  preconditionGiven: boolean;
}

export interface ErrorResponse {
  status: number;
  body: { detail: unknown };
  headers?: Record<string, string>;
  /** Set for 5xx answers to errors nobody anticipated; the handler logs them. */
  unexpected?: boolean;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
};

const INTERNAL: ErrorResponse = { status: 500, body: { detail: 'Internal Server Error' }, unexpected: true };

/** Ids listed per referrer group in a restrict 409, as `GET …/referrers` caps them. */
export const MAX_REFERRER_IDS = 10_000;

/** Errors thrown by body-parser / raw-body / http-errors carry these fields. */
interface FrameworkError {
  status?: unknown;
  statusCode?: unknown;
  expose?: unknown;
  type?: unknown;
  message?: unknown;
  limit?: unknown;
}

function frameworkStatus(err: FrameworkError): number | undefined {
  const status = typeof err.status === 'number' ? err.status : typeof err.statusCode === 'number' ? err.statusCode : undefined;
  return status !== undefined && Number.isInteger(status) && status >= 400 && status < 600 ? status : undefined;
}

function messageOr(err: Error, fallback: string): string {
  return err.message === '' ? fallback : err.message;
}

/** Where in the body JSON.parse gave up, as a 0-based offset (Node puts it in the message). */
function parsePosition(message: string): number | undefined {
  const match = /at position (\d+)/.exec(message);
  return match ? Number(match[1]) : undefined;
}

function bodyParserResponse(err: FrameworkError, status: number): ErrorResponse {
  const message = typeof err.message === 'string' ? err.message : '';
  if (err.type === 'entity.too.large') {
    const limit = typeof err.limit === 'number' ? ` of ${err.limit} bytes` : '';
    return { status: 413, body: { detail: `Request body is larger than the limit${limit}` } };
  }
  if (err.type === 'entity.parse.failed') {
    // An unparsable JSON body is framework validation (422, list detail), as upstream sends it.
    const position = parsePosition(message);
    const issue: ValidationIssue = {
      type: 'json_invalid',
      loc: position === undefined ? ['body'] : ['body', position],
      msg: 'JSON decode error',
      input: {},
      ctx: { error: message },
    };
    return { status: 422, body: { detail: [issue] } };
  }
  if (status >= 500) return INTERNAL;
  // A 4xx from the framework is the client's doing; its message is shown unless marked private.
  const detail = err.expose === false || message === '' ? (STATUS_TEXT[status] ?? 'Bad Request') : message;
  return { status, body: { detail } };
}

/**
 * Maps any thrown value to status and body; the first matching rule wins. Nothing a client can
 * cause reaches 500: unknown non-SpecStar errors are bugs, answered generically and logged.
 */
export function errorResponse(err: unknown, options: ErrorMappingOptions): ErrorResponse {
  if (err instanceof HttpError) return { status: err.status, body: { detail: err.detail }, headers: err.headers };
  if (err instanceof InvalidReferenceError) {
    // validate_refs: the message names the field, its target model and the missing id.
    return { status: 422, body: { detail: err.message } };
  }
  if (err instanceof ValidationError) {
    // Queries and patches are request syntax (400); everything else is the data not fitting (422).
    const status = err instanceof QueryError || err instanceof PatchError ? 400 : 422;
    return { status, body: { detail: err.message } };
  }
  if (err instanceof PermissionDeniedError) return { status: 403, body: { detail: err.message } };
  if (err instanceof RevisionMismatchError) {
    if (!options.preconditionGiven) return { status: 409, body: { detail: err.message } };
    return preconditionFailed(err.expected, err.actual, err.message);
  }
  if (err instanceof ResourceIsDeletedError) return { status: options.deletedStatus, body: { detail: err.message } };
  // Upload sessions: over the upload limit, an unknown (or another user's) session, a step its state forbids.
  if (err instanceof BlobTooLargeError) return { status: 413, body: { detail: err.message } };
  if (err instanceof UploadSessionNotFoundError) return { status: 404, body: { detail: err.message } };
  if (err instanceof UploadSessionStateError) return { status: 409, body: { detail: err.message } };
  // An unknown file_id in written data. The blob download routes answer their own 404.
  if (err instanceof BlobNotFoundError) return { status: 404, body: { detail: `Blob with file_id '${err.file_id}' does not exist` } };
  if (err instanceof ResourceNotFoundError) return { status: 404, body: { detail: messageOr(err, 'Not found') } };
  if (err instanceof UniqueConstraintError) {
    const detail = { message: err.message, field: err.field, conflicting_resource_id: err.conflicting_resource_id, code: 'UNIQUE_CONSTRAINT' };
    return { status: 409, body: { detail } };
  }
  if (err instanceof ReferenceRestrictError) return { status: 409, body: { detail: restrictDetail(err) } };
  if (err instanceof ResourceConflictError) return { status: 409, body: { detail: err.message } };
  if (err instanceof NotSupportedError) return { status: 501, body: { detail: messageOr(err, 'Not implemented') } };
  if (err instanceof ServiceUnavailableError) return { status: 503, body: { detail: messageOr(err, 'Service Unavailable') } };
  // Setup problems are the server's, not the caller's.
  if (err instanceof ConfigurationError || err instanceof MissingOperationContextError) return INTERNAL;
  // Every other domain error (migration, archive format, …) is a bad request.
  if (err instanceof SpecStarError) return { status: 400, body: { detail: messageOr(err, 'Bad Request') } };
  if (typeof err === 'object' && err !== null) {
    const status = frameworkStatus(err);
    if (status !== undefined) return bodyParserResponse(err, status);
  }
  return INTERNAL;
}

/** The structured 409 of a delete that `onDelete: 'restrict'` refs forbid: who still refers. */
function restrictDetail(err: ReferenceRestrictError): Record<string, unknown> {
  return {
    message: err.message,
    code: 'REFERENCE_RESTRICT',
    resource_id: err.resource_id,
    referrers: err.referrers.map((group) => ({
      source: group.source,
      source_field: group.source_field,
      resource_ids: group.resource_ids.slice(0, MAX_REFERRER_IDS),
    })),
  };
}

/** The 412 body of a failed If-Match: both revision ids and a machine-readable code. */
export function preconditionFailed(expected: string, actual: string | null, message?: string): ErrorResponse {
  const detail = {
    message: message ?? `Precondition failed: expected current revision '${expected}', found '${String(actual)}'`,
    code: 'PRECONDITION_FAILED',
    expected_revision_id: expected,
    actual_revision_id: actual,
  };
  return { status: 412, body: { detail } };
}

/** Marks a request whose writes are conditional (If-Match), for the mapping of revision mismatches. */
const CONDITIONAL = new WeakSet<Request>();

export function markConditional(req: Request): void {
  CONDITIONAL.add(req);
}

export function sendError(res: Response, response: ErrorResponse): void {
  if (response.headers) res.set(response.headers);
  res.status(response.status).type('application/json').send(JSON.stringify(response.body));
}

/** The express error handler every router of this package ends with. */
export function errorHandler(options: { deletedStatus?: 404 | 410; logger?: Logger }): ErrorRequestHandler {
  const deletedStatus = options.deletedStatus ?? 404;
  const logger = resolveLogger(options.logger);
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const response = errorResponse(err, { deletedStatus, preconditionGiven: CONDITIONAL.has(req) });
    if (response.unexpected) {
      // The path without its query: query strings may carry tokens that do not belong in logs.
      logger.error({ method: req.method, path: req.originalUrl.split('?', 1)[0], err }, 'request failed with an unexpected error');
    }
    sendError(res, response);
  };
}
