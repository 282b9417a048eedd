/**
 * The routes outside `/{model}`: health probes, the relationship graph, the global backup and
 * the blob routes. Registered before the model routes; documented after them.
 */
import { ref } from '../openapi/components';
import { ARCHIVE_BODY, BLOB_BYTES, archiveResponse, json } from '../openapi/operation';
import { backupModelsParameter, fileIdParameter, onDuplicateParameter } from '../openapi/parameters';
import { DEFAULT_HEALTH_TIMEOUT_MS, livenessRoute, readinessRoute } from '../health';
import { resolveLogger } from '../logger';
import { blobRouteEnabled } from '../options';
import { exportAllRoute, importAllRoute } from '../routes/backup';
import { globalBlob, uploadBlob } from '../routes/blobs';
import { relationshipsRoute } from '../routes/integrity';
import type { GlobalRouteDeclaration } from './declaration';
import { UPLOAD_SESSION_ROUTES } from './upload-session-routes';

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
const LIVE = { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } };

export const GLOBAL_ROUTES: readonly GlobalRouteDeclaration[] = [
  {
    name: 'health',
    method: 'GET',
    path: '/_health',
    handler: () => livenessRoute(),
    tag: 'health',
    doc: () => ({
      summary: 'Liveness',
      description: 'Answers 200 while the process serves requests; touches no store.',
      operationId: 'health',
      parameters: [],
      responses: { '200': { description: 'Alive', content: json(LIVE) } },
      errors: [],
    }),
  },
  {
    name: 'healthReady',
    family: 'health',
    method: 'GET',
    path: '/_health/ready',
    handler: (kit) => readinessRoute(kit.spec, kit.options.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS, resolveLogger(kit.options.logger)),
    tag: 'health',
    doc: () => ({
      summary: 'Readiness',
      description:
        "One cheap read of every model's storage and of the blob store, each bounded by a timeout. Only store names " +
        'are reported; why a check failed goes to the server log.',
      operationId: 'health_ready',
      parameters: [],
      responses: {
        '200': { description: 'Every store answered', content: json(READINESS) },
        '503': { description: 'A store failed or timed out', content: json(READINESS) },
      },
      errors: [],
    }),
  },
  {
    name: 'relationships',
    method: 'GET',
    path: '/_relationships',
    handler: (kit) => relationshipsRoute(kit),
    tag: 'relationships',
    doc: () => ({
      summary: 'List every reference field',
      description: 'One entry per top-level ref field of every model, in registration order; `[]` when there are none.',
      operationId: 'list_relationships',
      parameters: [],
      responses: { '200': { description: 'The relationships', content: json({ type: 'array', items: ref('Relationship') }) } },
      errors: [],
    }),
  },
  {
    name: 'exportAll',
    family: 'export',
    method: 'GET',
    path: '/_backup/export',
    handler: (kit) => exportAllRoute(kit),
    tag: 'backup',
    doc: () => ({
      summary: 'Export models as one .acbak archive',
      description: 'Every resource of the named models (default: all), live and deleted, with revisions and blobs.',
      operationId: 'export_backup',
      parameters: [backupModelsParameter()],
      responses: { '200': archiveResponse('backup.acbak') },
      errors: [400, 403],
    }),
  },
  {
    name: 'importAll',
    family: 'import',
    method: 'POST',
    path: '/_backup/import',
    handler: (kit) => importAllRoute(kit),
    tag: 'backup',
    doc: () => ({
      summary: 'Import a .acbak archive',
      description:
        'Loads every model section; a section of an unregistered model is a 400. Not transactional: records ' +
        'written before a failure stay written.',
      operationId: 'import_backup',
      parameters: [onDuplicateParameter()],
      requestBody: ARCHIVE_BODY,
      responses: {
        '200': {
          description: 'Counts per model found in the archive',
          content: json({ type: 'object', additionalProperties: ref('ImportStats') }),
        },
      },
      errors: [400, 403, 409, 413, 415, 422],
    }),
  },
  {
    name: 'uploadBlob',
    family: 'blobs',
    method: 'POST',
    path: '/blobs/upload',
    enabled: (options) => blobRouteEnabled(options, 'upload'),
    handler: (kit) => uploadBlob(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Upload a blob',
      description:
        'Multipart part `file`; its Content-Type is stored. Identical bytes get the identical `file_id`, which model ' +
        'data can then reference as `{"file_id": …}`. Where a permission checker is configured, the caller is ' +
        'recorded as an uploader: only uploaders may download the blob here or reference it from new data.',
      operationId: 'upload_blob',
      parameters: [],
      requestBody: { required: true, content: { 'multipart/form-data': { schema: ref('BlobUpload') } } },
      responses: { '200': { description: 'The stored blob, without data', content: json(ref('Binary')) } },
      errors: [400, 413, 422, 501],
    }),
  },
  {
    name: 'downloadBlob',
    family: 'blobs',
    method: 'GET',
    path: '/blobs/{file_id}',
    enabled: (options) => blobRouteEnabled(options, 'download'),
    handler: (kit) => globalBlob(kit),
    tag: 'blobs',
    doc: () => ({
      summary: 'Download a blob',
      description:
        'A redirect (307) to the store’s own URL when it offers one, else the bytes. Where a permission checker is ' +
        'configured, only the blob’s uploaders get it; everyone else gets 404, as for an unknown blob.',
      operationId: 'download_blob',
      parameters: [fileIdParameter()],
      responses: {
        '200': BLOB_BYTES,
        '307': {
          description: 'The blob is served by the store itself',
          headers: { Location: { description: 'A direct (e.g. presigned) URL', schema: { type: 'string' } } },
        },
      },
      errors: [404, 422, 500, 501],
    }),
  },
  ...UPLOAD_SESSION_ROUTES,
];
