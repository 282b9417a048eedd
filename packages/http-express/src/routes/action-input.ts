/**
 * The input of a custom action from its request: the path parameters of its path template,
 * the query parameters that name declared fields, and the body — a JSON value, or a
 * `multipart/form-data` form whose file parts fill Binary fields and whose text parts are
 * read like query values (structured fields as JSON text). Core validates the result.
 */
import type { Request } from 'express';
import type { ActionInputField, CustomAction } from '@specstar/core';
import { hasBody } from '../body';
import { HttpError, RequestValidationError } from '../errors';
import type { HttpOptions } from '../options';
import { DEFAULT_MAX_UPLOAD_SIZE } from '../options';
import { readForm, type FormContent } from '../uploads';

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', '0', 'no', 'off']);
const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
const INTEGER = /^\s*[+-]?\d+\s*$/;
const FORM_FIELD_LIMIT = 1024 * 1024;

/**
 * A text value as the field's declared type: a string when strings are allowed, else a number,
 * boolean, null, or JSON for objects and arrays; text that fits nothing stays text, for the
 * validator to name.
 */
export function fromText(raw: string, field: ActionInputField | undefined): unknown {
  const types = field?.types ?? [];
  if (types.length === 0 || types.includes('string')) return raw;
  if (types.includes('integer') && INTEGER.test(raw)) return Number(raw);
  if (types.includes('number') && NUMBER.test(raw)) return Number(raw);
  if (types.includes('boolean')) {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  if (types.includes('null') && (raw === '' || raw === 'null')) return null;
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return types.includes('array') ? [raw] : raw;
    }
  }
  return raw;
}

/** Several values of one name: a list for array fields, else the last one (as query scalars are read). */
function fromTexts(values: readonly string[], field: ActionInputField | undefined): unknown {
  if (field?.types.includes('array') && values.length > 1) return values;
  return fromText(values[values.length - 1] ?? '', field);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function queryFields(req: Request, fields: ReadonlyMap<string, ActionInputField>): Record<string, unknown> {
  const mark = req.url.indexOf('?');
  const params = new URLSearchParams(mark < 0 ? '' : req.url.slice(mark + 1));
  const out: Record<string, unknown> = {};
  for (const name of new Set(params.keys())) {
    const field = fields.get(name);
    if (field && !field.binary) out[name] = fromTexts(params.getAll(name), field);
  }
  return out;
}

function formBody(form: FormContent, fields: ReadonlyMap<string, ActionInputField>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, values] of form.fields) body[name] = fromTexts(values, fields.get(name));
  for (const [name, files] of form.files) {
    if (!fields.get(name)?.binary) {
      throw new RequestValidationError([{ type: 'value_error', loc: ['body', name], msg: `'${name}' is not a file field of this action`, input: null }]);
    }
    const file = files[files.length - 1];
    if (file) body[name] = { data: file.data, content_type: file.contentType, size: file.data.byteLength };
  }
  return body;
}

function isMultipart(req: Request): boolean {
  return req.is('multipart/form-data') === 'multipart/form-data';
}

/** The body: parsed JSON, a read form, or undefined for no body. 415 for another body type. */
async function readBody(req: Request, fields: ReadonlyMap<string, ActionInputField>, options: HttpOptions): Promise<unknown> {
  if (isMultipart(req)) {
    const field = typeof options.bodyLimit === 'number' ? options.bodyLimit : FORM_FIELD_LIMIT;
    return formBody(await readForm(req, { files: options.maxUploadSize ?? DEFAULT_MAX_UPLOAD_SIZE, field }), fields);
  }
  if (hasBody(req)) return req.body as unknown;
  // A body of another type (or with no type) that is not empty.
  if (req.get('Content-Length') !== '0' && req.is(['application/json', 'application/*+json']) === false) {
    throw new HttpError(415, 'Unsupported Media Type: send the input as application/json, or as multipart/form-data for file fields');
  }
  return undefined;
}

/** The input object of one request (undefined for an action without input: core gives the handler `{}`). */
export async function readActionInput(req: Request, action: CustomAction, options: HttpOptions): Promise<unknown> {
  if (action.input.schema === undefined) {
    req.resume(); // a body sent anyway is not read
    return undefined;
  }
  const fields = new Map(action.input.fields.map((field) => [field.name, field]));
  const body = await readBody(req, fields, options);
  const path: Record<string, unknown> = {};
  for (const name of action.pathParams) {
    const value = req.params[name];
    if (typeof value === 'string') path[name] = fromText(value, fields.get(name));
  }
  const query = queryFields(req, fields);
  // A non-object body is the input itself (for an input schema that is not an object).
  if (body !== undefined && !isRecord(body)) return body;
  return { ...query, ...body, ...path };
}
