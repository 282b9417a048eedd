/**
 * The fixed component schemas (records, envelopes, search shapes, patch operations, error
 * bodies) and the shared error responses, with their wire field names.
 */
import { DataSearchOperator, DataSearchLogicOperator, META_SORT_KEYS, RevisionStatus } from '@specstar/interfaces';
import type { JsonObject } from './model-schemas';
import { uploadSessionSchemas } from './upload-sessions';

export const ref = (name: string): JsonObject => ({ $ref: `#/components/schemas/${name}` });
export const responseRef = (name: string): JsonObject => ({ $ref: `#/components/responses/${name}` });

const string = (description?: string): JsonObject => (description === undefined ? { type: 'string' } : { type: 'string', description });
const nullableString = (description: string): JsonObject => ({ type: ['string', 'null'], description });
const dateTime = (description: string): JsonObject => ({ type: 'string', format: 'date-time', description });
const STATUSES = Object.values(RevisionStatus);

/** Names of the fixed schemas; the document reserves them before any model is named. */
export const FIXED_SCHEMA_NAMES = [
  'RevisionInfo',
  'ResourceMeta',
  'RevisionListResponse',
  'DataSearchOperator',
  'DataSearchCondition',
  'DataSearchGroup',
  'SearchFilter',
  'ResourceMetaSearchSort',
  'ResourceDataSearchSort',
  'SearchSort',
  'RFC6902_Add',
  'RFC6902_Remove',
  'RFC6902_Replace',
  'RFC6902_Move',
  'RFC6902_Copy',
  'RFC6902_Test',
  'RFC6902',
  'HTTPError',
  'ValidationErrorItem',
  'HTTPValidationError',
  'UniqueConstraintViolation',
  'UniqueConstraintViolationDetail',
  'PreconditionFailed',
  'PreconditionFailedDetail',
  'ReferenceRestrictViolation',
  'ReferenceRestrictViolationDetail',
  'Binary',
  'BlobUpload',
  'BlobUploadSession',
  'BlobUploadSessionCreate',
  'ArchiveUpload',
  'ImportStats',
  'Relationship',
  'ReferrerGroup',
] as const;

type FixedSchemaName = (typeof FIXED_SCHEMA_NAMES)[number];

function patchOperation(op: string, fields: Record<string, JsonObject>, description: string): JsonObject {
  return {
    type: 'object',
    description,
    properties: { op: { type: 'string', const: op }, ...fields },
    required: ['op', ...Object.keys(fields)],
  };
}

const POINTER = string('JSON Pointer into `data`, e.g. `/name` or `/tags/0` (`-` appends to an array)');

export function fixedSchemas(): Record<FixedSchemaName, JsonObject> {
  return {
    RevisionInfo: {
      type: 'object',
      description: 'One revision of a resource (http-api §4.1). Sections selected by `partial` hold only the selected fields.',
      properties: {
        uid: { type: 'string', format: 'uuid', description: 'New on every write of this revision, including in-place modify' },
        resource_id: string(),
        revision_id: string('`<resource_id>:<n>`, n counting from 1'),
        parent_revision_id: nullableString('null for the first revision'),
        parent_schema_version: nullableString('Set only on migrated revisions: the schema version before migration'),
        schema_version: nullableString('null when the model has no versioned schema'),
        data_hash: { type: 'string', pattern: '^xxh3_128:[0-9a-f]{32}$', description: 'Hash of the stored data' },
        status: { type: 'string', enum: STATUSES },
        created_time: dateTime('UTC, ends with Z'),
        updated_time: dateTime('UTC, ends with Z'),
        created_by: string(),
        updated_by: string(),
      },
      required: [
        'uid',
        'resource_id',
        'revision_id',
        'parent_revision_id',
        'schema_version',
        'status',
        'created_time',
        'updated_time',
        'created_by',
        'updated_by',
      ],
    },
    ResourceMeta: {
      type: 'object',
      description: 'The searchable record of a resource (http-api §4.2).',
      properties: {
        current_revision_id: string(),
        resource_id: string(),
        schema_version: nullableString('null when the model has no versioned schema'),
        total_revision_count: { type: 'integer', minimum: 0, description: 'Every revision ever created; unchanged by modify and switch' },
        created_time: dateTime('UTC, ends with Z'),
        updated_time: dateTime('UTC, ends with Z'),
        created_by: string(),
        updated_by: string(),
        is_deleted: { type: 'boolean' },
        indexed_data: { type: 'object', description: 'Extracted index values by field path (internal; not a stable interface)' },
        rev_status: { type: 'string', enum: STATUSES, description: 'Status of the current revision' },
        rev_created_by: string('Creator of the current revision'),
        rev_updated_by: string('Last updater of the current revision'),
        rev_created_time: dateTime('Creation time of the current revision'),
        rev_updated_time: dateTime('Last update time of the current revision'),
      },
      required: [
        'current_revision_id',
        'resource_id',
        'schema_version',
        'total_revision_count',
        'created_time',
        'updated_time',
        'created_by',
        'updated_by',
        'is_deleted',
      ],
    },
    RevisionListResponse: {
      type: 'object',
      description: 'A page of a resource history (http-api §4.4).',
      properties: {
        meta: ref('ResourceMeta'),
        revisions: { type: 'array', items: ref('RevisionInfo') },
        total: { type: 'integer', minimum: 0, description: 'Count after filtering, before offset and limit (absent with `cursor`)' },
        has_more: { type: 'boolean', description: '`offset + limit < total`; with `cursor`, whether `next_cursor` is set' },
        next_cursor: nullableString('With `cursor` only: pass it back as `cursor` for the next page; null on the last page'),
      },
      required: ['meta', 'revisions', 'has_more'],
    },
    DataSearchOperator: { type: 'string', enum: Object.values(DataSearchOperator) },
    DataSearchCondition: {
      type: 'object',
      description:
        '`field_path` is a meta attribute (in `conditions`) or an indexed field path in dot notation. ' +
        'A condition on a missing or null value never matches, except `exists`, `isna` and `is_null`.',
      properties: {
        type: { type: 'string', const: 'DataSearchCondition' },
        field_path: string(),
        operator: ref('DataSearchOperator'),
        value: { description: 'Any JSON value' },
        transform: { type: ['string', 'null'], enum: ['len', null], description: 'Compare the length instead of the value' },
      },
      required: ['field_path', 'operator', 'value'],
    },
    DataSearchGroup: {
      type: 'object',
      description: 'A group of filters combined by `and`, `or` or `not` (three-valued logic).',
      properties: {
        type: { type: 'string', const: 'DataSearchGroup' },
        operator: { type: 'string', enum: Object.values(DataSearchLogicOperator) },
        conditions: { type: 'array', items: ref('SearchFilter') },
      },
      required: ['operator', 'conditions'],
    },
    SearchFilter: { anyOf: [ref('DataSearchCondition'), ref('DataSearchGroup')] },
    ResourceMetaSearchSort: {
      type: 'object',
      properties: {
        type: { type: 'string', const: 'meta' },
        key: { type: 'string', enum: [...META_SORT_KEYS] },
        direction: { type: 'string', enum: ['+', '-'] },
      },
      required: ['type', 'key', 'direction'],
    },
    ResourceDataSearchSort: {
      type: 'object',
      properties: {
        type: { type: 'string', const: 'data' },
        field_path: string('An indexed field path'),
        direction: { type: 'string', enum: ['+', '-'] },
      },
      required: ['type', 'field_path', 'direction'],
    },
    SearchSort: { anyOf: [ref('ResourceMetaSearchSort'), ref('ResourceDataSearchSort')] },
    RFC6902_Add: patchOperation('add', { path: POINTER, value: {} }, 'RFC 6902 add'),
    RFC6902_Remove: patchOperation('remove', { path: POINTER }, 'RFC 6902 remove'),
    RFC6902_Replace: patchOperation('replace', { path: POINTER, value: {} }, 'RFC 6902 replace'),
    RFC6902_Move: patchOperation('move', { from: POINTER, path: POINTER }, 'RFC 6902 move'),
    RFC6902_Copy: patchOperation('copy', { from: POINTER, path: POINTER }, 'RFC 6902 copy'),
    RFC6902_Test: patchOperation('test', { path: POINTER, value: {} }, 'RFC 6902 test'),
    RFC6902: {
      oneOf: ['Add', 'Remove', 'Replace', 'Move', 'Copy', 'Test'].map((op) => ref(`RFC6902_${op}`)),
      discriminator: {
        propertyName: 'op',
        mapping: Object.fromEntries(
          ['Add', 'Remove', 'Replace', 'Move', 'Copy', 'Test'].map((op) => [op.toLowerCase(), `#/components/schemas/RFC6902_${op}`]),
        ),
      },
    },
    HTTPError: {
      type: 'object',
      description: 'Every error except the structured ones below: `detail` is the message.',
      properties: { detail: string() },
      required: ['detail'],
    },
    ValidationErrorItem: {
      type: 'object',
      properties: {
        type: string(),
        loc: { type: 'array', items: { type: ['string', 'integer'] } },
        msg: string(),
        input: { description: 'The offending value' },
        ctx: { type: 'object' },
      },
      required: ['type', 'loc', 'msg'],
    },
    HTTPValidationError: {
      type: 'object',
      description: 'Request validation (http-api §5.3): bad parameters or an unreadable body.',
      properties: { detail: { type: 'array', items: ref('ValidationErrorItem') } },
      required: ['detail'],
    },
    UniqueConstraintViolationDetail: {
      type: 'object',
      properties: {
        message: string(),
        field: string('The unique field'),
        conflicting_resource_id: string('The resource that holds the value'),
        code: { type: 'string', const: 'UNIQUE_CONSTRAINT' },
      },
      required: ['message', 'field', 'conflicting_resource_id'],
    },
    UniqueConstraintViolation: {
      type: 'object',
      properties: { detail: ref('UniqueConstraintViolationDetail') },
      required: ['detail'],
    },
    PreconditionFailedDetail: {
      type: 'object',
      properties: {
        message: string(),
        code: { type: 'string', const: 'PRECONDITION_FAILED' },
        expected_revision_id: string('The revision the If-Match header named'),
        actual_revision_id: nullableString('The current revision'),
      },
      required: ['message', 'code', 'expected_revision_id', 'actual_revision_id'],
    },
    PreconditionFailed: {
      type: 'object',
      properties: { detail: ref('PreconditionFailedDetail') },
      required: ['detail'],
    },
    ReferenceRestrictViolationDetail: {
      type: 'object',
      properties: {
        message: string(),
        code: { type: 'string', const: 'REFERENCE_RESTRICT' },
        resource_id: string('The resource whose delete was refused'),
        referrers: {
          type: 'array',
          description: 'Live resources that still refer to it through `onDelete: restrict` refs (at most 10 000 ids per group)',
          items: {
            type: 'object',
            properties: { source: string(), source_field: string(), resource_ids: { type: 'array', items: string() } },
            required: ['source', 'source_field', 'resource_ids'],
          },
        },
      },
      required: ['message', 'code', 'resource_id', 'referrers'],
    },
    ReferenceRestrictViolation: {
      type: 'object',
      properties: { detail: ref('ReferenceRestrictViolationDetail') },
      required: ['detail'],
    },
    Binary: {
      type: 'object',
      description:
        'A blob reference (http-api §4.6). Written as `{"data": "<base64>", "content_type"?}` or `{"file_id"}`; ' +
        'read back without `data`.',
      properties: {
        file_id: string(),
        size: { type: 'integer', minimum: 0, description: 'Bytes' },
        content_type: string(),
      },
    },
    BlobUpload: {
      type: 'object',
      properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'The bytes; the part Content-Type is stored' } },
      required: ['file'],
    },
    ...uploadSessionSchemas(),
    ArchiveUpload: {
      type: 'object',
      properties: { file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'A `.acbak` archive' } },
      required: ['file'],
    },
    ImportStats: {
      type: 'object',
      description: 'Meta records (one per resource) of the loaded sections (http-api §4.11)',
      properties: {
        loaded: { type: 'integer', minimum: 0 },
        skipped: { type: 'integer', minimum: 0 },
        total: { type: 'integer', minimum: 0 },
      },
      required: ['loaded', 'skipped', 'total'],
    },
    Relationship: {
      type: 'object',
      description: 'One reference field of a registered model (http-api §4.13)',
      properties: {
        source: string('The referring model'),
        source_field: string('Its top-level field'),
        target: string('The referenced model'),
        ref_type: { type: 'string', enum: ['resource_id', 'revision_id'] },
        on_delete: { type: 'string', enum: ['dangling', 'set_null', 'cascade', 'restrict'] },
        nullable: { type: 'boolean' },
      },
      required: ['source', 'source_field', 'target', 'ref_type', 'on_delete', 'nullable'],
    },
    ReferrerGroup: {
      type: 'object',
      description: 'Live resources of one source field that refer to the resource (http-api §4.13)',
      properties: {
        source: string(),
        source_field: string(),
        ref_type: { type: 'string', const: 'resource_id' },
        on_delete: { type: 'string', enum: ['dangling', 'set_null', 'cascade', 'restrict'] },
        resource_ids: { type: 'array', items: string(), maxItems: 10000 },
      },
      required: ['source', 'source_field', 'ref_type', 'on_delete', 'resource_ids'],
    },
  };
}

export type ErrorStatus = 400 | 403 | 404 | 409 | 410 | 412 | 413 | 415 | 422 | 500 | 501;

const RESPONSE_NAMES: Record<ErrorStatus, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Gone',
  412: 'PreconditionFailed',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableContent',
  500: 'InternalServerError',
  501: 'NotImplemented',
};

export const errorResponseRef = (status: ErrorStatus): JsonObject => responseRef(RESPONSE_NAMES[status]);

const json = (schema: JsonObject): JsonObject => ({ 'application/json': { schema } });

/** The shared error responses; 410 only when soft-deleted reads answer 410. */
export function errorResponses(withGone: boolean): Record<string, JsonObject> {
  const responses: Record<string, JsonObject> = {
    BadRequest: { description: 'Bad parameters, an unreadable query or patch, or an unclassified error', content: json(ref('HTTPError')) },
    Forbidden: { description: 'Permission denied', content: json(ref('HTTPError')) },
    NotFound: {
      description: withGone ? 'Unknown resource or revision' : 'Unknown resource or revision, or a soft-deleted resource',
      content: json(ref('HTTPError')),
    },
    Conflict: {
      description:
        'A unique field value is taken or a restrict ref forbids a delete (structured bodies), or another conflict ' +
        'such as modify on a stable revision or a duplicate id on import',
      content: json({ anyOf: [ref('UniqueConstraintViolation'), ref('ReferenceRestrictViolation'), ref('HTTPError')] }),
    },
    Gone: { description: 'The resource is soft-deleted', content: json(ref('HTTPError')) },
    PreconditionFailed: { description: 'If-Match does not name the current revision', content: json(ref('PreconditionFailed')) },
    PayloadTooLarge: { description: 'The request body is larger than the configured limit', content: json(ref('HTTPError')) },
    UnsupportedMediaType: { description: 'The body is neither multipart/form-data nor application/octet-stream', content: json(ref('HTTPError')) },
    UnprocessableContent: {
      description: 'The body does not fit the model (string detail) or a parameter is invalid (list detail)',
      content: json({ anyOf: [ref('HTTPValidationError'), ref('HTTPError')] }),
    },
    InternalServerError: { description: 'The blob store returned a blob without its bytes (`Blob data missing`)', content: json(ref('HTTPError')) },
    NotImplemented: { description: 'The blob store cannot do this', content: json(ref('HTTPError')) },
  };
  if (!withGone) delete responses.Gone;
  return responses;
}
