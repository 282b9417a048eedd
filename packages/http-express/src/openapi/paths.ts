/**
 * Path items of one model: routes 1–21 of http-api.md §8 with their parameters, bodies,
 * success shapes (§4) and error responses (§5). Deprecated variants say so.
 */
import { type ErrorStatus, errorResponseRef, ref } from './components';
import type { JsonObject } from './model-schemas';
import {
  blobRevisionParameter,
  exportParameters,
  fileIdParameter,
  includeDeleted,
  onDuplicateParameter,
  partialParameters,
  resourceIdParameter,
  returnsParameter,
  revisionIdPathParameter,
  revisionIdQuery,
  revisionListParameters,
  searchParameters,
  writeParameters,
} from './parameters';

export interface ModelPathContext {
  /** Registered model name: the path segment and the tag. */
  model: string;
  /** Component keys of the model schema and of its envelope. */
  component: string;
  envelope: string;
  /** Normalised mount prefix ('' or '/api'). */
  prefix: string;
  /** Soft-deleted resources answer 410 instead of 404. */
  withGone: boolean;
  /** Binary fields may name unknown blobs on create (404); documents the blob download. */
  hasBinary: boolean;
  /** Some registered model refers to this one: documents `…/referrers`. */
  referenced: boolean;
  /** A document-wide unique operation id for this action. */
  operationId: (action: string) => string;
}

interface OperationSpec {
  summary: string;
  description?: string;
  action: string;
  deprecated?: boolean;
  parameters: JsonObject[];
  requestBody?: JsonObject;
  ok: JsonObject;
  errors: ErrorStatus[];
  /** Errors about one resource: 410 applies when soft-deleted reads answer 410. */
  itemScoped?: boolean;
}

const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });
const OCTETS: JsonObject = { type: 'string', contentMediaType: 'application/octet-stream' };
const arrayOf = (schema: JsonObject): JsonObject => ({ type: 'array', items: schema });

const ETAG_HEADER: JsonObject = {
  ETag: { description: 'The revision, as `"<revision_id>@<data_hash>"`; send it back in If-Match', schema: { type: 'string' } },
};
const HAS_MORE_HEADER: JsonObject = {
  'X-Has-More': { description: '`true` when more results follow this page', schema: { type: 'string', enum: ['true', 'false'] } },
};

function ok(description: string, schema: JsonObject, headers?: JsonObject): JsonObject {
  return headers === undefined ? { description, content: json(schema) } : { description, headers, content: json(schema) };
}

/** A `.acbak` download (§1.3). */
export function archiveResponse(filename: string): JsonObject {
  return {
    description: `The archive, as an attachment named \`${filename}\``,
    headers: {
      'Content-Disposition': { description: `\`attachment; filename="${filename}"\``, schema: { type: 'string' } },
    },
    content: { 'application/octet-stream': { schema: OCTETS } },
  };
}

/** An archive upload: multipart part `file`, or the raw archive (D15). */
export const ARCHIVE_BODY: JsonObject = {
  description: "The archive: multipart part `file`, or the raw bytes as `application/octet-stream` (an export can be posted back verbatim)",
  required: true,
  content: {
    'multipart/form-data': { schema: ref('ArchiveUpload') },
    'application/octet-stream': { schema: OCTETS },
  },
};

/** Blob bytes (§1.3): the stored content type. */
export const BLOB_BYTES: JsonObject = {
  description: 'The bytes, with the stored Content-Type (else `application/octet-stream`)',
  headers: { 'Content-Length': { schema: { type: 'integer', minimum: 0 } } },
  content: { '*/*': { schema: OCTETS } },
};

export function modelPaths(ctx: ModelPathContext): Array<[string, JsonObject]> {
  const { model } = ctx;
  const collection = `${ctx.prefix}/${model}`;
  const item = `${collection}/{resource_id}`;
  const id = resourceIdParameter();
  const envelope = ref(ctx.envelope);
  const data = ref(ctx.component);
  const info = ref('RevisionInfo');
  const meta = ref('ResourceMeta');

  const operation = (spec: OperationSpec): JsonObject => {
    const responses: JsonObject = { '200': spec.ok };
    const statuses = [...spec.errors];
    if (ctx.withGone && spec.itemScoped && statuses.includes(404)) statuses.push(410);
    for (const status of statuses.sort((a, b) => a - b)) responses[String(status)] = errorResponseRef(status);
    const op: JsonObject = { tags: [model], summary: spec.summary };
    if (spec.description !== undefined) op.description = spec.description;
    op.operationId = ctx.operationId(spec.action);
    if (spec.deprecated) op.deprecated = true;
    op.parameters = spec.parameters;
    if (spec.requestBody !== undefined) op.requestBody = spec.requestBody;
    op.responses = responses;
    return op;
  };

  const listParameters = searchParameters({ isDeleted: true });
  const batchParameters = searchParameters({ isDeleted: false });
  const listErrors: ErrorStatus[] = [400, 403, 422];
  const readErrors: ErrorStatus[] = [400, 403, 404, 422];
  const deprecatedNote = (replacement: string): string => `Deprecated: use \`${replacement}\`.`;

  const paths: Array<[string, JsonObject]> = [
    [
      collection,
      {
        get: operation({
          summary: `List or search ${model} resources`,
          description: 'One envelope per matching resource (its current revision), in search order.',
          action: `list_${model}`,
          parameters: [...listParameters, returnsParameter(true), ...partialParameters('data')],
          ok: ok('Matching resources', arrayOf(envelope), HAS_MORE_HEADER),
          errors: listErrors,
        }),
        post: operation({
          summary: `Create a ${model}`,
          description: 'Answers 200 (not 201) with the revision info of `<resource_id>:1`.',
          action: `create_${model}`,
          parameters: [],
          requestBody: { description: `The ${model} data`, required: true, content: json(data) },
          ok: ok('The first revision', info, ETAG_HEADER),
          errors: ctx.hasBinary ? [400, 403, 404, 409, 413, 422] : [400, 403, 409, 413, 422],
        }),
        delete: operation({
          summary: `Soft-delete every matching ${model}`,
          description: 'Runs the search over live resources (`is_deleted` is forced to false) and soft-deletes each hit in order. Not transactional.',
          action: `batch_delete_${model}`,
          parameters: batchParameters,
          ok: ok('Meta of each deleted resource', arrayOf(meta)),
          errors: [400, 403, 404, 409, 422],
        }),
      },
    ],
    [
      `${collection}/full`,
      {
        get: operation({
          summary: `List or search ${model} resources (full envelopes)`,
          description: deprecatedNote(`GET ${collection}`),
          action: `list_${model}_full`,
          deprecated: true,
          parameters: [...listParameters, returnsParameter(true), ...partialParameters('data')],
          ok: ok('Matching resources', arrayOf(envelope), HAS_MORE_HEADER),
          errors: listErrors,
        }),
      },
    ],
    [
      `${collection}/data`,
      {
        get: operation({
          summary: `List the data of matching ${model} resources`,
          description: deprecatedNote(`GET ${collection}?returns=data`),
          action: `list_${model}_data`,
          deprecated: true,
          parameters: [...listParameters, ...partialParameters('data')],
          ok: ok('Data of each matching resource', arrayOf(data), HAS_MORE_HEADER),
          errors: listErrors,
        }),
      },
    ],
    [
      `${collection}/meta`,
      {
        get: operation({
          summary: `List the meta of matching ${model} resources`,
          description: deprecatedNote(`GET ${collection}?returns=meta`),
          action: `list_${model}_meta`,
          deprecated: true,
          parameters: [...listParameters, ...partialParameters('meta')],
          ok: ok('Meta of each matching resource', arrayOf(meta), HAS_MORE_HEADER),
          errors: listErrors,
        }),
      },
    ],
    [
      `${collection}/revision-info`,
      {
        get: operation({
          summary: `List the current revision info of matching ${model} resources`,
          description: deprecatedNote(`GET ${collection}?returns=revision_info`),
          action: `list_${model}_revision_info`,
          deprecated: true,
          parameters: [...listParameters, ...partialParameters('info')],
          ok: ok('Current revision info of each matching resource', arrayOf(info), HAS_MORE_HEADER),
          errors: listErrors,
        }),
      },
    ],
    [
      `${collection}/count`,
      {
        get: operation({
          summary: `Count matching ${model} resources`,
          action: `count_${model}`,
          parameters: searchParameters({ isDeleted: true, count: true }),
          ok: ok('The number of matches, as a bare integer', { type: 'integer', minimum: 0 }),
          errors: listErrors,
        }),
      },
    ],
    [
      `${collection}/restore`,
      {
        post: operation({
          summary: `Restore every matching soft-deleted ${model}`,
          description: 'Runs the search over deleted resources (`is_deleted` is forced to true) and restores each hit in order. Not transactional.',
          action: `batch_restore_${model}`,
          parameters: batchParameters,
          ok: ok('Meta of each restored resource', arrayOf(meta)),
          errors: [400, 403, 404, 409, 422],
        }),
      },
    ],
    [
      `${collection}/export`,
      {
        get: operation({
          summary: `Export ${model} resources as a .acbak archive`,
          description:
            'Every resource, live and deleted, with all revisions and the blobs they reference. With `qb`, only the ' +
            'resources it selects (no paging); other search parameters are ignored.',
          action: `export_${model}`,
          parameters: exportParameters(),
          ok: archiveResponse(`${model}.acbak`),
          errors: [400, 403, 422],
        }),
      },
    ],
    [
      `${collection}/import`,
      {
        post: operation({
          summary: `Import ${model} resources from a .acbak archive`,
          description:
            `Loads only the archive's \`${model}\` sections (\`total\` 0 when there is none). Not transactional: ` +
            'records written before a failure stay written.',
          action: `import_${model}`,
          parameters: [onDuplicateParameter()],
          requestBody: ARCHIVE_BODY,
          ok: ok('Counts of meta records in the loaded sections', ref('ImportStats')),
          errors: [400, 403, 409, 413, 415, 422],
        }),
      },
    ],
    [
      item,
      {
        get: operation({
          summary: `Read a ${model}`,
          description: '`meta` is always the current meta; `data` and `revision_info` belong to the revision read.',
          action: `read_${model}`,
          parameters: [id, revisionIdQuery(), returnsParameter(false), ...partialParameters('data'), includeDeleted()],
          ok: ok('The resource envelope', envelope, ETAG_HEADER),
          errors: readErrors,
          itemScoped: true,
        }),
        put: operation({
          summary: `Replace a ${model}`,
          description:
            '`mode=update` appends a revision (identical data is a no-op that returns the current revision); ' +
            '`mode=modify` edits the current draft in place. The body may be omitted only for `mode=modify&change_status=…`.',
          action: `update_${model}`,
          parameters: [id, ...writeParameters()],
          requestBody: { description: `The full ${model} data`, required: false, content: json(data) },
          ok: ok('The revision written (or the unchanged current one)', info, ETAG_HEADER),
          errors: [400, 403, 404, 409, 412, 413, 422],
          itemScoped: true,
        }),
        patch: operation({
          summary: `Patch a ${model}`,
          description:
            'An RFC 6902 operation list (`application/json`) or an RFC 7386 merge patch (`application/merge-patch+json`), ' +
            'applied to the current data and written as with PUT.',
          action: `patch_${model}`,
          parameters: [id, ...writeParameters()],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: arrayOf(ref('RFC6902')) },
              'application/merge-patch+json': {
                schema: { type: 'object', description: 'RFC 7386 merge patch: members replace, `null` removes' },
              },
            },
          },
          ok: ok('The revision written (or the unchanged current one)', info, ETAG_HEADER),
          errors: [400, 403, 404, 409, 412, 413, 422],
          itemScoped: true,
        }),
        delete: operation({
          summary: `Soft-delete a ${model}`,
          action: `delete_${model}`,
          parameters: [id],
          ok: ok('The meta, now with is_deleted true', meta),
          errors: [400, 403, 404, 409],
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/full`,
      {
        get: operation({
          summary: `Read a ${model} (full envelope)`,
          description: deprecatedNote(`GET ${item}`),
          action: `read_${model}_full`,
          deprecated: true,
          parameters: [id, revisionIdQuery(), returnsParameter(false), ...partialParameters('data'), includeDeleted()],
          ok: ok('The resource envelope', envelope, ETAG_HEADER),
          errors: readErrors,
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/data`,
      {
        get: operation({
          summary: `Read the data of a ${model}`,
          description: deprecatedNote(`GET ${item}?returns=data`),
          action: `read_${model}_data`,
          deprecated: true,
          parameters: [id, revisionIdQuery(), ...partialParameters('verbatim'), includeDeleted()],
          ok: ok('The data of the revision read', data, ETAG_HEADER),
          errors: readErrors,
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/meta`,
      {
        get: operation({
          summary: `Read the meta of a ${model}`,
          description: deprecatedNote(`GET ${item}?returns=meta`),
          action: `read_${model}_meta`,
          deprecated: true,
          parameters: [id, ...partialParameters('meta'), includeDeleted()],
          ok: ok('The resource meta', meta),
          errors: readErrors,
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/revision-info`,
      {
        get: operation({
          summary: `Read the revision info of a ${model}`,
          description: deprecatedNote(`GET ${item}?returns=revision_info`),
          action: `read_${model}_revision_info`,
          deprecated: true,
          parameters: [id, revisionIdQuery(), ...partialParameters('info'), includeDeleted()],
          ok: ok('The revision info', info, ETAG_HEADER),
          errors: readErrors,
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/revision-list`,
      {
        get: operation({
          summary: `List the revisions of a ${model}`,
          action: `list_${model}_revisions`,
          parameters: [id, ...revisionListParameters()],
          ok: ok('A page of the history', ref('RevisionListResponse')),
          errors: readErrors,
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/switch/{revision_id}`,
      {
        post: operation({
          summary: `Make a revision of a ${model} current`,
          description: 'Creates no revision; later updates branch from the new current revision.',
          action: `switch_${model}_revision`,
          parameters: [id, revisionIdPathParameter()],
          ok: ok('The updated meta', meta),
          errors: [400, 403, 404, 409],
          itemScoped: true,
        }),
      },
    ],
    [
      `${item}/restore`,
      {
        post: operation({
          summary: `Restore a soft-deleted ${model}`,
          description: 'A live resource is returned unchanged.',
          action: `restore_${model}`,
          parameters: [id],
          ok: ok('The meta, now with is_deleted false', meta),
          errors: [400, 403, 404, 409],
        }),
      },
    ],
    [
      `${item}/permanently`,
      {
        delete: operation({
          summary: `Permanently delete a ${model}`,
          description: 'Removes the meta and every revision, live or soft-deleted. Irreversible.',
          action: `permanently_delete_${model}`,
          parameters: [id],
          ok: ok('The meta as it was before the purge', meta),
          errors: [400, 403, 404],
        }),
      },
    ],
  ];
  if (ctx.hasBinary) {
    paths.push([
      `${item}/blobs/{file_id}`,
      {
        get: operation({
          summary: `Download a blob of a ${model}`,
          description:
            'The resource must be readable, and its current revision (or `revision_id`) must reference the file; ' +
            'otherwise 404 as for an unknown blob.',
          action: `download_${model}_blob`,
          parameters: [id, fileIdParameter(), blobRevisionParameter()],
          ok: BLOB_BYTES,
          errors: [403, 404, 422, 500, 501],
          itemScoped: true,
        }),
      },
    ]);
  }
  if (ctx.referenced) {
    paths.push([
      `${item}/referrers`,
      {
        get: operation({
          summary: `List what refers to a ${model}`,
          description:
            'One group per source field with at least one live referrer (resource-id refs only; list refs match by ' +
            'membership), at most 10 000 ids per group.',
          action: `list_${model}_referrers`,
          parameters: [id],
          ok: ok('Referrer groups', arrayOf(ref('ReferrerGroup'))),
          errors: [403, 404],
          itemScoped: true,
        }),
      },
    ]);
  }
  return paths;
}
