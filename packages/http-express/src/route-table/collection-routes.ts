/**
 * The per-model collection routes: list and search (with the deprecated shapes), create,
 * count, the batch delete and restore, and the per-model backup. Listed in document order.
 */
import { ref, type ErrorStatus } from '../openapi/components';
import { ARCHIVE_BODY, archiveResponse, arrayOf, HAS_MORE_HEADER, ETAG_HEADER, json, ok } from '../openapi/operation';
import { exportParameters, onDuplicateParameter, partialParameters, returnsParameter, searchParameters } from '../openapi/parameters';
import { exportModelRoute, importModelRoute } from '../routes/backup';
import { batchRoute, countRoute, listRoute } from '../routes/collection';
import { createRoute } from '../routes/item-write';
import type { RouteDeclaration } from './declaration';

const LIST_ERRORS: ErrorStatus[] = [400, 403, 422];
const BATCH_ERRORS: ErrorStatus[] = [400, 403, 404, 409, 422];
const listParameters = () => searchParameters({ isDeleted: true });
const batchParameters = () => searchParameters({ isDeleted: false });
const deprecatedNote = (replacement: string): string => `Deprecated: use \`${replacement}\`.`;
const INFO = ref('RevisionInfo');
const META = ref('ResourceMeta');

export const COLLECTION_ROUTES: readonly RouteDeclaration[] = [
  {
    name: 'list',
    method: 'GET',
    path: '/{model}',
    handler: (kit) => listRoute(kit, 'envelope'),
    doc: ({ model, envelope }) => ({
      summary: `List or search ${model} resources`,
      description: 'One envelope per matching resource (its current revision), in search order.',
      operationId: `list_${model}`,
      parameters: [...listParameters(), returnsParameter(true), ...partialParameters('data')],
      responses: { '200': ok('Matching resources', arrayOf(envelope), HAS_MORE_HEADER) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'create',
    method: 'POST',
    path: '/{model}',
    jsonBody: true,
    handler: (kit) => createRoute(kit),
    doc: ({ model, data, hasBinary }) => ({
      summary: `Create a ${model}`,
      description: 'Answers 200 (not 201) with the revision info of `<resource_id>:1`.',
      operationId: `create_${model}`,
      parameters: [],
      requestBody: { description: `The ${model} data`, required: true, content: json(data) },
      responses: { '200': ok('The first revision', INFO, ETAG_HEADER) },
      // Binary fields may name unknown blobs: 404.
      errors: hasBinary ? [400, 403, 404, 409, 413, 422] : [400, 403, 409, 413, 422],
    }),
  },
  {
    name: 'batchDelete',
    method: 'DELETE',
    path: '/{model}',
    handler: (kit) => batchRoute(kit, 'delete'),
    doc: ({ model }) => ({
      summary: `Soft-delete every matching ${model}`,
      description: 'Runs the search over live resources (`is_deleted` is forced to false) and soft-deletes each hit in order. Not transactional.',
      operationId: `batch_delete_${model}`,
      parameters: batchParameters(),
      responses: { '200': ok('Meta of each deleted resource', arrayOf(META)) },
      errors: BATCH_ERRORS,
    }),
  },
  {
    name: 'listFull',
    family: 'list',
    method: 'GET',
    path: '/{model}/full',
    handler: (kit) => listRoute(kit, 'envelope'),
    doc: ({ model, envelope, collection }) => ({
      summary: `List or search ${model} resources (full envelopes)`,
      description: deprecatedNote(`GET ${collection}`),
      operationId: `list_${model}_full`,
      deprecated: true,
      parameters: [...listParameters(), returnsParameter(true), ...partialParameters('data')],
      responses: { '200': ok('Matching resources', arrayOf(envelope), HAS_MORE_HEADER) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'listData',
    family: 'list',
    method: 'GET',
    path: '/{model}/data',
    handler: (kit) => listRoute(kit, 'data'),
    doc: ({ model, data, collection }) => ({
      summary: `List the data of matching ${model} resources`,
      description: deprecatedNote(`GET ${collection}?returns=data`),
      operationId: `list_${model}_data`,
      deprecated: true,
      parameters: [...listParameters(), ...partialParameters('data')],
      responses: { '200': ok('Data of each matching resource', arrayOf(data), HAS_MORE_HEADER) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'listMeta',
    family: 'list',
    method: 'GET',
    path: '/{model}/meta',
    handler: (kit) => listRoute(kit, 'meta'),
    doc: ({ model, collection }) => ({
      summary: `List the meta of matching ${model} resources`,
      description: deprecatedNote(`GET ${collection}?returns=meta`),
      operationId: `list_${model}_meta`,
      deprecated: true,
      parameters: [...listParameters(), ...partialParameters('meta')],
      responses: { '200': ok('Meta of each matching resource', arrayOf(META), HAS_MORE_HEADER) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'listRevisionInfo',
    family: 'list',
    method: 'GET',
    path: '/{model}/revision-info',
    handler: (kit) => listRoute(kit, 'info'),
    doc: ({ model, collection }) => ({
      summary: `List the current revision info of matching ${model} resources`,
      description: deprecatedNote(`GET ${collection}?returns=revision_info`),
      operationId: `list_${model}_revision_info`,
      deprecated: true,
      parameters: [...listParameters(), ...partialParameters('info')],
      responses: { '200': ok('Current revision info of each matching resource', arrayOf(INFO), HAS_MORE_HEADER) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'count',
    family: 'list',
    method: 'GET',
    path: '/{model}/count',
    handler: (kit) => countRoute(kit),
    doc: ({ model }) => ({
      summary: `Count matching ${model} resources`,
      operationId: `count_${model}`,
      parameters: searchParameters({ isDeleted: true, count: true }),
      responses: { '200': ok('The number of matches, as a bare integer', { type: 'integer', minimum: 0 }) },
      errors: LIST_ERRORS,
    }),
  },
  {
    name: 'batchRestore',
    method: 'POST',
    path: '/{model}/restore',
    handler: (kit) => batchRoute(kit, 'restore'),
    doc: ({ model }) => ({
      summary: `Restore every matching soft-deleted ${model}`,
      description: 'Runs the search over deleted resources (`is_deleted` is forced to true) and restores each hit in order. Not transactional.',
      operationId: `batch_restore_${model}`,
      parameters: batchParameters(),
      responses: { '200': ok('Meta of each restored resource', arrayOf(META)) },
      errors: BATCH_ERRORS,
    }),
  },
  {
    name: 'export',
    method: 'GET',
    path: '/{model}/export',
    handler: (kit) => exportModelRoute(kit),
    doc: ({ model }) => ({
      summary: `Export ${model} resources as a .acbak archive`,
      description:
        'Every resource, live and deleted, with all revisions and the blobs they reference. With `qb`, only the ' +
        'resources it selects (no paging); other search parameters are ignored.',
      operationId: `export_${model}`,
      parameters: exportParameters(),
      responses: { '200': archiveResponse(`${model}.acbak`) },
      errors: [400, 403, 422],
    }),
  },
  {
    name: 'import',
    method: 'POST',
    path: '/{model}/import',
    handler: (kit) => importModelRoute(kit),
    doc: ({ model }) => ({
      summary: `Import ${model} resources from a .acbak archive`,
      description:
        `Loads only the archive's \`${model}\` sections (\`total\` 0 when there is none). Not transactional: ` +
        'records written before a failure stay written.',
      operationId: `import_${model}`,
      parameters: [onDuplicateParameter()],
      requestBody: ARCHIVE_BODY,
      responses: { '200': ok('Counts of meta records in the loaded sections', ref('ImportStats')) },
      errors: [400, 403, 409, 413, 415, 422],
    }),
  },
];
