/**
 * Building blocks of route operations: the operation object built from a route's `RouteDoc`,
 * and the response and body shapes several routes share.
 */
import { errorResponseRef, ref } from './components';
import type { JsonObject } from './model-schemas';
import type { RouteDoc } from '../route-table/declaration';

export const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });
export const OCTETS: JsonObject = { type: 'string', contentMediaType: 'application/octet-stream' };
export const arrayOf = (schema: JsonObject): JsonObject => ({ type: 'array', items: schema });

export const ETAG_HEADER: JsonObject = {
  ETag: { description: 'The revision, as `"<revision_id>@<data_hash>"`; send it back in If-Match', schema: { type: 'string' } },
};
export const HAS_MORE_HEADER: JsonObject = {
  'X-Has-More': { description: '`true` when more results follow this page', schema: { type: 'string', enum: ['true', 'false'] } },
};

/** A JSON 200 response. */
export function ok(description: string, schema: JsonObject, headers?: JsonObject): JsonObject {
  return headers === undefined ? { description, content: json(schema) } : { description, headers, content: json(schema) };
}

/** A `.acbak` download. */
export function archiveResponse(filename: string): JsonObject {
  return {
    description: `The archive, as an attachment named \`${filename}\``,
    headers: {
      'Content-Disposition': { description: `\`attachment; filename="${filename}"\``, schema: { type: 'string' } },
    },
    content: { 'application/octet-stream': { schema: OCTETS } },
  };
}

/** An archive upload: multipart part `file`, or the raw archive. */
export const ARCHIVE_BODY: JsonObject = {
  description: "The archive: multipart part `file`, or the raw bytes as `application/octet-stream` (an export can be posted back verbatim)",
  required: true,
  content: {
    'multipart/form-data': { schema: ref('ArchiveUpload') },
    'application/octet-stream': { schema: OCTETS },
  },
};

/** Blob bytes, with the stored content type. */
export const BLOB_BYTES: JsonObject = {
  description: 'The bytes, with the stored Content-Type (else `application/octet-stream`)',
  headers: { 'Content-Length': { schema: { type: 'integer', minimum: 0 } } },
  content: { '*/*': { schema: OCTETS } },
};

/** The OpenAPI operation object of a route, with a fixed key order. */
export function operationObject(doc: RouteDoc, tag: string, operationId: string, withGone: boolean): JsonObject {
  const responses: JsonObject = { ...doc.responses };
  const statuses = [...doc.errors];
  if (withGone && doc.itemScoped && statuses.includes(404)) statuses.push(410);
  for (const status of statuses.sort((a, b) => a - b)) responses[String(status)] = errorResponseRef(status);
  const op: JsonObject = { tags: [tag], summary: doc.summary };
  if (doc.description !== undefined) op.description = doc.description;
  op.operationId = operationId;
  if (doc.deprecated) op.deprecated = true;
  op.parameters = doc.parameters;
  if (doc.requestBody !== undefined) op.requestBody = doc.requestBody;
  op.responses = responses;
  for (const [key, value] of Object.entries(doc.extensions ?? {})) if (key.startsWith('x-')) op[key] = value;
  return op;
}
