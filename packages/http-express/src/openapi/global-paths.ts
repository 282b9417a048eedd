/**
 * Path items of the global routes (http-api §8 G1–G5): relationships, global backup, blobs.
 */
import { type ErrorStatus, errorResponseRef, ref } from './components';
import type { JsonObject } from './model-schemas';
import { blobRouteEnabled, type HttpOptions } from '../options';
import { backupModelsParameter, fileIdParameter, onDuplicateParameter } from './parameters';
import { ARCHIVE_BODY, BLOB_BYTES, archiveResponse } from './paths';

interface GlobalOperation {
  tag: string;
  summary: string;
  description: string;
  action: string;
  parameters: JsonObject[];
  requestBody?: JsonObject;
  ok: JsonObject;
  /** A redirect the route may answer instead of 200. */
  redirect?: JsonObject;
  errors: ErrorStatus[];
}

const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });

const HEALTH_STATE = { type: 'string', enum: ['ok', 'failed', 'timeout'] };
const READINESS = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ok', 'unavailable'] },
    detail: { type: 'string', description: 'Present when not ready: the names of the stores that failed.' },
    checks: { type: 'object', description: 'One entry per model (its storage) and `_blobs` (the blob store).', additionalProperties: HEALTH_STATE },
  },
};

/** `GET /_health` (liveness) and `GET /_health/ready` (readiness). */
function healthPaths(prefix: string, operationId: (action: string) => string): Array<[string, JsonObject]> {
  const live = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } };
  return [
    [
      `${prefix}/_health`,
      {
        get: {
          tags: ['health'],
          summary: 'Liveness',
          description: 'Answers 200 while the process serves requests; touches no store.',
          operationId: operationId('health'),
          parameters: [],
          responses: { '200': { description: 'Alive', content: json(live) } },
        },
      },
    ],
    [
      `${prefix}/_health/ready`,
      {
        get: {
          tags: ['health'],
          summary: 'Readiness',
          description:
            "One cheap read of every model's storage and of the blob store, each bounded by a timeout. Only store names " +
            'are reported; why a check failed goes to the server log.',
          operationId: operationId('health_ready'),
          parameters: [],
          responses: {
            '200': { description: 'Every store answered', content: json(READINESS) },
            '503': { description: 'A store failed or timed out', content: json(READINESS) },
          },
        },
      },
    ],
  ];
}

export function globalPaths(prefix: string, operationId: (action: string) => string, options: HttpOptions = {}): Array<[string, JsonObject]> {
  const operation = (spec: GlobalOperation): JsonObject => {
    const responses: JsonObject = { '200': spec.ok };
    if (spec.redirect) responses['307'] = spec.redirect;
    for (const status of [...spec.errors].sort((a, b) => a - b)) responses[String(status)] = errorResponseRef(status);
    const op: JsonObject = { tags: [spec.tag], summary: spec.summary, description: spec.description, operationId: operationId(spec.action) };
    op.parameters = spec.parameters;
    if (spec.requestBody !== undefined) op.requestBody = spec.requestBody;
    op.responses = responses;
    return op;
  };

  const paths: Array<[string, JsonObject]> = [
    ...healthPaths(prefix, operationId),
    [
      `${prefix}/_relationships`,
      {
        get: operation({
          tag: 'relationships',
          summary: 'List every reference field',
          description: 'One entry per top-level ref field of every model, in registration order; `[]` when there are none.',
          action: 'list_relationships',
          parameters: [],
          ok: { description: 'The relationships', content: json({ type: 'array', items: ref('Relationship') }) },
          errors: [],
        }),
      },
    ],
    [
      `${prefix}/_backup/export`,
      {
        get: operation({
          tag: 'backup',
          summary: 'Export models as one .acbak archive',
          description: 'Every resource of the named models (default: all), live and deleted, with revisions and blobs.',
          action: 'export_backup',
          parameters: [backupModelsParameter()],
          ok: archiveResponse('backup.acbak'),
          errors: [400, 403],
        }),
      },
    ],
    [
      `${prefix}/_backup/import`,
      {
        post: operation({
          tag: 'backup',
          summary: 'Import a .acbak archive',
          description:
            'Loads every model section; a section of an unregistered model is a 400. Not transactional: records ' +
            'written before a failure stay written.',
          action: 'import_backup',
          parameters: [onDuplicateParameter()],
          requestBody: ARCHIVE_BODY,
          ok: {
            description: 'Counts per model found in the archive',
            content: json({ type: 'object', additionalProperties: ref('ImportStats') }),
          },
          errors: [400, 403, 409, 413, 415, 422],
        }),
      },
    ],
    [
      `${prefix}/blobs/upload`,
      {
        post: operation({
          tag: 'blobs',
          summary: 'Upload a blob',
          description:
            'Multipart part `file`; its Content-Type is stored. Identical bytes get the identical `file_id`, which model ' +
            'data can then reference as `{"file_id": …}`. Where a permission checker is configured, the caller is ' +
            'recorded as an uploader: only uploaders may download the blob here or reference it from new data.',
          action: 'upload_blob',
          parameters: [],
          requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('BlobUpload') } } },
          ok: { description: 'The stored blob, without data', content: json(ref('Binary')) },
          errors: [400, 413, 422, 501],
        }),
      },
    ],
    [
      `${prefix}/blobs/{file_id}`,
      {
        get: operation({
          tag: 'blobs',
          summary: 'Download a blob',
          description:
            'A redirect (307) to the store’s own URL when it offers one, else the bytes. Where a permission checker is ' +
            'configured, only the blob’s uploaders get it; everyone else gets 404, as for an unknown blob.',
          action: 'download_blob',
          parameters: [fileIdParameter()],
          ok: BLOB_BYTES,
          redirect: {
            description: 'The blob is served by the store itself',
            headers: { Location: { description: 'A direct (e.g. presigned) URL', schema: { type: 'string' } } },
          },
          errors: [404, 422, 500, 501],
        }),
      },
    ],
  ];
  return paths.filter(([path]) => {
    if (path === `${prefix}/blobs/upload`) return blobRouteEnabled(options, 'upload');
    if (path === `${prefix}/blobs/{file_id}`) return blobRouteEnabled(options, 'download');
    return true;
  });
}
