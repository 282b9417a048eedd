/**
 * The per-model routes of one resource: reads (with the deprecated shapes and the history),
 * writes, the lifecycle, the resource-gated blob download and the referrers. Listed in document
 * order.
 */
import type { SpecStar } from '@specstar/core';
import { ref, type ErrorStatus } from '../openapi/components';
import { arrayOf, BLOB_BYTES, ETAG_HEADER, json, ok } from '../openapi/operation';
import {
  blobRevisionParameter,
  fileIdParameter,
  includeDeleted,
  partialParameters,
  resourceIdParameter,
  returnsParameter,
  revisionIdPathParameter,
  revisionIdQuery,
  revisionListParameters,
  writeParameters,
} from '../openapi/parameters';
import { resourceBlob } from '../routes/blobs';
import { referrersRoute } from '../routes/integrity';
import { readDiff } from '../routes/item-diff';
import { readData, readEnvelope, readMeta, readRevisionInfo, readRevisionList } from '../routes/item-read';
import { lifecycleRoute, patchRoute, putRoute, switchRoute } from '../routes/item-write';
import type { RouteDeclaration } from './declaration';

const READ_ERRORS: ErrorStatus[] = [400, 403, 404, 422];
const WRITE_ERRORS: ErrorStatus[] = [400, 403, 404, 409, 412, 413, 422];
const LIFECYCLE_ERRORS: ErrorStatus[] = [400, 403, 404, 409, 412];
// Every write to one resource honours If-Match (routes/item-write.ts `precondition`).
const IF_MATCH = { $ref: '#/components/parameters/if_match' };
const NOT_MODIFIED = { '304': { description: 'Not modified: If-None-Match names the ETag of the revision read' } };
const diffSide = (name: string, fallback: string) => ({
  name,
  in: 'query',
  description: `Revision id (\`<resource_id>:<n>\`); default: ${fallback}`,
  required: false,
  schema: { type: 'string' },
});
const deprecatedNote = (replacement: string): string => `Deprecated: use \`${replacement}\`.`;
const id = resourceIdParameter;
const INFO = ref('RevisionInfo');
const META = ref('ResourceMeta');

const isReferenced = (spec: SpecStar, model: string): boolean => spec.referencedModels().has(model);

export const ITEM_ROUTES: readonly RouteDeclaration[] = [
  {
    name: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}',
    handler: () => readEnvelope,
    doc: ({ model, envelope }) => ({
      summary: `Read a ${model}`,
      description: '`meta` is always the current meta; `data` and `revision_info` belong to the revision read.',
      operationId: `read_${model}`,
      parameters: [id(), revisionIdQuery(), returnsParameter(false), ...partialParameters('data'), includeDeleted()],
      responses: { '200': ok('The resource envelope', envelope, ETAG_HEADER), ...NOT_MODIFIED },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'update',
    method: 'PUT',
    path: '/{model}/{resource_id}',
    jsonBody: true,
    handler: (kit) => putRoute(kit),
    doc: ({ model, data }) => ({
      summary: `Replace a ${model}`,
      description:
        '`mode=update` appends a revision (identical data is a no-op that returns the current revision); ' +
        '`mode=modify` edits the current draft in place. The body may be omitted only for `mode=modify&change_status=…`.',
      operationId: `update_${model}`,
      parameters: [id(), ...writeParameters()],
      requestBody: { description: `The full ${model} data`, required: false, content: json(data) },
      responses: { '200': ok('The revision written (or the unchanged current one)', INFO, ETAG_HEADER) },
      errors: WRITE_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'patch',
    method: 'PATCH',
    path: '/{model}/{resource_id}',
    jsonBody: true,
    handler: (kit) => patchRoute(kit),
    doc: ({ model }) => ({
      summary: `Patch a ${model}`,
      description:
        'An RFC 6902 operation list (`application/json`) or an RFC 7386 merge patch (`application/merge-patch+json`), ' +
        'applied to the current data and written as with PUT.',
      operationId: `patch_${model}`,
      parameters: [id(), ...writeParameters()],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: arrayOf(ref('RFC6902')) },
          'application/merge-patch+json': {
            schema: { type: 'object', description: 'RFC 7386 merge patch: members replace, `null` removes' },
          },
        },
      },
      responses: { '200': ok('The revision written (or the unchanged current one)', INFO, ETAG_HEADER) },
      errors: WRITE_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'delete',
    method: 'DELETE',
    path: '/{model}/{resource_id}',
    handler: (kit) => lifecycleRoute(kit, 'delete'),
    doc: ({ model }) => ({
      summary: `Soft-delete a ${model}`,
      operationId: `delete_${model}`,
      parameters: [id(), IF_MATCH],
      responses: { '200': ok('The meta, now with is_deleted true', META, ETAG_HEADER) },
      errors: LIFECYCLE_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'readFull',
    family: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}/full',
    handler: () => readEnvelope,
    doc: ({ model, envelope, item }) => ({
      summary: `Read a ${model} (full envelope)`,
      description: deprecatedNote(`GET ${item}`),
      operationId: `read_${model}_full`,
      deprecated: true,
      parameters: [id(), revisionIdQuery(), returnsParameter(false), ...partialParameters('data'), includeDeleted()],
      responses: { '200': ok('The resource envelope', envelope, ETAG_HEADER), ...NOT_MODIFIED },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'readData',
    family: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}/data',
    handler: () => readData,
    doc: ({ model, data, item }) => ({
      summary: `Read the data of a ${model}`,
      description: deprecatedNote(`GET ${item}?returns=data`),
      operationId: `read_${model}_data`,
      deprecated: true,
      parameters: [id(), revisionIdQuery(), ...partialParameters('verbatim'), includeDeleted()],
      responses: { '200': ok('The data of the revision read', data, ETAG_HEADER), ...NOT_MODIFIED },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'readMeta',
    family: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}/meta',
    handler: () => readMeta,
    doc: ({ model, item }) => ({
      summary: `Read the meta of a ${model}`,
      description: deprecatedNote(`GET ${item}?returns=meta`),
      operationId: `read_${model}_meta`,
      deprecated: true,
      parameters: [id(), ...partialParameters('meta'), includeDeleted()],
      responses: { '200': ok('The resource meta', META, ETAG_HEADER), ...NOT_MODIFIED },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'readRevisionInfo',
    family: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}/revision-info',
    handler: () => readRevisionInfo,
    doc: ({ model, item }) => ({
      summary: `Read the revision info of a ${model}`,
      description: deprecatedNote(`GET ${item}?returns=revision_info`),
      operationId: `read_${model}_revision_info`,
      deprecated: true,
      parameters: [id(), revisionIdQuery(), ...partialParameters('info'), includeDeleted()],
      responses: { '200': ok('The revision info', INFO, ETAG_HEADER), ...NOT_MODIFIED },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'revisionList',
    family: 'read',
    method: 'GET',
    path: '/{model}/{resource_id}/revision-list',
    handler: () => readRevisionList,
    doc: ({ model }) => ({
      summary: `List the revisions of a ${model}`,
      operationId: `list_${model}_revisions`,
      parameters: [id(), ...revisionListParameters()],
      responses: { '200': ok('A page of the history', ref('RevisionListResponse')) },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'switch',
    method: 'POST',
    path: '/{model}/{resource_id}/switch/{revision_id}',
    handler: (kit) => switchRoute(kit),
    doc: ({ model }) => ({
      summary: `Make a revision of a ${model} current`,
      description: 'Creates no revision; later updates branch from the new current revision.',
      operationId: `switch_${model}_revision`,
      parameters: [id(), revisionIdPathParameter(), IF_MATCH],
      responses: { '200': ok('The updated meta', META, ETAG_HEADER) },
      errors: LIFECYCLE_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'restore',
    method: 'POST',
    path: '/{model}/{resource_id}/restore',
    handler: (kit) => lifecycleRoute(kit, 'restore'),
    doc: ({ model }) => ({
      summary: `Restore a soft-deleted ${model}`,
      description: 'A live resource is returned unchanged.',
      operationId: `restore_${model}`,
      parameters: [id(), IF_MATCH],
      responses: { '200': ok('The meta, now with is_deleted false', META, ETAG_HEADER) },
      errors: LIFECYCLE_ERRORS,
    }),
  },
  {
    name: 'permanentlyDelete',
    method: 'DELETE',
    path: '/{model}/{resource_id}/permanently',
    handler: (kit) => lifecycleRoute(kit, 'permanentlyDelete'),
    doc: ({ model }) => ({
      summary: `Permanently delete a ${model}`,
      description: 'Removes the meta and every revision, live or soft-deleted. Irreversible.',
      operationId: `permanently_delete_${model}`,
      parameters: [id(), IF_MATCH],
      responses: { '200': ok('The meta as it was before the purge', META) },
      errors: [400, 403, 404, 412],
    }),
  },
  {
    name: 'diff',
    method: 'GET',
    path: '/{model}/{resource_id}/diff',
    handler: () => readDiff,
    doc: ({ model }) => ({
      summary: `Diff two revisions of a ${model}`,
      description:
        'The RFC 6902 operations that turn revision `from` into revision `to`. A revision written under another schema ' +
        'version is migrated first (nothing is stored); a first revision is compared with an empty document.',
      operationId: `diff_${model}_revisions`,
      parameters: [id(), diffSide('from', 'the parent of `to`'), diffSide('to', 'the current revision'), includeDeleted()],
      responses: { '200': ok('The operations, in application order', arrayOf(ref('RFC6902'))) },
      errors: READ_ERRORS,
      itemScoped: true,
    }),
  },
  {
    name: 'blob',
    family: 'blobs',
    method: 'GET',
    path: '/{model}/{resource_id}/blobs/{file_id}',
    handler: () => resourceBlob,
    // Served for every model (a model without Binary fields references no blob: 404).
    documented: ({ hasBinary }) => hasBinary,
    doc: ({ model }) => ({
      summary: `Download a blob of a ${model}`,
      description:
        'The resource must be readable, and its current revision (or `revision_id`) must reference the file; ' +
        'otherwise 404 as for an unknown blob.',
      operationId: `download_${model}_blob`,
      parameters: [id(), fileIdParameter(), blobRevisionParameter()],
      responses: { '200': BLOB_BYTES },
      errors: [403, 404, 422, 500, 501],
      itemScoped: true,
    }),
  },
  {
    name: 'referrers',
    method: 'GET',
    path: '/{model}/{resource_id}/referrers',
    handler: (kit) => referrersRoute(kit),
    when: isReferenced,
    doc: ({ model }) => ({
      summary: `List what refers to a ${model}`,
      description:
        'One group per source field with at least one live referrer (resource-id refs only; list refs match by ' +
        'membership), at most 10 000 ids per group.',
      operationId: `list_${model}_referrers`,
      parameters: [id()],
      responses: { '200': ok('Referrer groups', arrayOf(ref('ReferrerGroup'))) },
      errors: [403, 404],
      itemScoped: true,
    }),
  },
];
