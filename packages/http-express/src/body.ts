/**
 * Request bodies: JSON (`application/json` and every `application/*+json`, which covers
 * `merge-patch+json` and `json-patch+json`) up to a size limit (413 beyond), with an empty
 * body treated as no body, and a nesting cap so hostile JSON cannot exhaust the stack later.
 */
import express, { type Request, type RequestHandler } from 'express';
import { HttpError, RequestValidationError } from './errors';
import { DEFAULT_BODY_LIMIT } from './options';

/** Deeper bodies are refused before any schema walk could recurse through them. */
export const MAX_BODY_DEPTH = 512;

export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

const EMPTY_BODIES = new WeakSet<object>();

/** Nesting depth of a parsed JSON value, walked iteratively; stops counting past `cap`. */
export function jsonDepth(value: unknown, cap: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > deepest) deepest = depth;
    if (deepest > cap) return deepest;
    for (const child of Array.isArray(node) ? node : Object.values(node as Record<string, unknown>)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return deepest;
}

/** The JSON body parser of every route that takes a body. */
export function jsonBody(limit: number | string = DEFAULT_BODY_LIMIT): RequestHandler {
  const parse = express.json({
    limit,
    strict: false, // scalars reach schema validation (422) instead of failing as syntax
    type: ['application/json', 'application/*+json'],
    verify: (req, _res, buf) => {
      if (buf.length === 0) EMPTY_BODIES.add(req);
    },
  });
  return (req, res, next) => {
    parse(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      // body-parser turns an empty JSON body into {}; an empty body is no body here.
      if (EMPTY_BODIES.has(req)) req.body = undefined;
      else if (req.body !== undefined && jsonDepth(req.body, MAX_BODY_DEPTH) > MAX_BODY_DEPTH) {
        next(new HttpError(400, `Request body is nested more than ${MAX_BODY_DEPTH} levels deep`));
        return;
      }
      next();
    });
  };
}

/** Whether a JSON body was sent (a JSON `null` counts as sent). */
export function hasBody(req: Request): boolean {
  return req.body !== undefined;
}

/** Whether bytes were sent that the JSON parser left alone (a `text/plain` body, say). */
function hasUnparsedBody(req: Request): boolean {
  const length = Number(req.get('Content-Length') ?? 0);
  return req.body === undefined && req.get('Content-Type') !== undefined && (length > 0 || req.get('Transfer-Encoding') !== undefined);
}

/**
 * The body, or the upstream framework's answers: a missing body or a JSON `null` is the 422
 * list `missing` (the framework reads `null` as absent); bytes sent under a non-JSON type reach
 * the model as bytes there, so they are a 422 string that names the type.
 */
export function requireBody(req: Request): unknown {
  if (hasUnparsedBody(req)) {
    throw new HttpError(422, `Request body must be JSON (Content-Type: application/json), got Content-Type: ${req.get('Content-Type')}`);
  }
  if (!hasBody(req) || req.body === null) {
    throw new RequestValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  return req.body as unknown;
}

export function isMergePatch(req: Request): boolean {
  return req.is(MERGE_PATCH_TYPE) === MERGE_PATCH_TYPE;
}
