/**
 * Parameter objects of the model routes, with their exact wire names.
 * Each is defined once under `components.parameters` and referenced by the operations
 * (the search parameters alone would otherwise repeat on seven routes per model).
 * JSON-in-query parameters (`conditions`, `data_conditions`, `sorts`) are described with
 * `content: application/json`, the OAS 3.1 way of saying "this query value is JSON text".
 */
import { RevisionStatus } from '@specstar/interfaces';
import { ref } from './components';
import type { JsonObject } from './model-schemas';
import { META_FILTER_PARAMS } from '../params';

function query(name: string, description: string, schema: JsonObject, extra: JsonObject = {}): JsonObject {
  return { name, in: 'query', description, required: false, ...extra, schema };
}

function jsonQuery(name: string, description: string, schema: JsonObject, extra: JsonObject = {}): JsonObject {
  return { name, in: 'query', description, required: false, ...extra, content: { 'application/json': { schema } } };
}

const strings = (): JsonObject => ({ type: 'array', items: { type: 'string' } });
const ISO = 'ISO 8601 date-time (a date alone, or a value without an offset, is read as UTC)';
const COUNT_IGNORES = ' Accepted and ignored: the count is never paginated.';

type PartialCategory = 'data' | 'verbatim' | 'meta' | 'info' | 'revisions';

const PARTIAL_DESCRIPTIONS: Record<PartialCategory, string> = {
  data: 'Field selectors (`/name`, `/items/-/name`, `/tags/0:2`). Prefixes `data/`, `meta/` and `info/` pick the section; unprefixed selectors apply to `data`.',
  verbatim: 'Field selectors applied to the data as written (no section prefixes).',
  meta: 'Field selectors applied to the meta (an optional `meta/` prefix is accepted).',
  info: 'Field selectors applied to the revision info (an optional `info/` prefix is accepted).',
  revisions: 'Field selectors applied to every revision; `meta/…` selectors apply to `meta`.',
};

function partialPair(category: PartialCategory): Record<string, JsonObject> {
  const description = PARTIAL_DESCRIPTIONS[category];
  return {
    [`partial_${category}`]: query('partial', description, strings()),
    [`partial_${category}_bracket`]: query(
      'partial[]',
      `Same as \`partial\` (bracket form, as sent by axios; ignored when \`partial\` is sent). ${description}`,
      strings(),
    ),
  };
}

function timeWindow(key: string, name: string, what: string): Record<string, JsonObject> {
  return {
    [`${key}_start`]: query(`${name}_start`, `Keep those whose ${what} is >= this value. ${ISO}.`, { type: 'string' }),
    [`${key}_end`]: query(`${name}_end`, `Keep those whose ${what} is <= this value. ${ISO}.`, { type: 'string' }),
  };
}

/** Every parameter, by component key, in document order. */
export function parameterComponents(): Record<string, JsonObject> {
  return {
    resource_id: { name: 'resource_id', in: 'path', description: 'The resource id, e.g. `user:3f2c…`', required: true, schema: { type: 'string' } },
    revision_id_path: {
      name: 'revision_id',
      in: 'path',
      description: 'The full revision id, `<resource_id>:<n>`',
      required: true,
      schema: { type: 'string' },
    },
    revision_id: query('revision_id', 'Read this revision instead of the current one', { type: 'string' }),
    include_deleted: query('include_deleted', 'Also read a soft-deleted resource', { type: 'boolean', default: false }),
    returns_item: query(
      'returns',
      'Comma-separated sections to return: `data`, `revision_info`, `meta`; `only-data` returns the bare data object. Unknown names are ignored.',
      { type: 'string', default: 'data,revision_info,meta' },
    ),
    returns_list: query(
      'returns',
      'Comma-separated sections to return: `data`, `revision_info` (alias `info`), `meta`; `only-data` returns bare data objects. Unknown names are ignored.',
      { type: 'string', default: 'data,revision_info,meta' },
    ),
    ...partialPair('data'),
    ...partialPair('verbatim'),
    ...partialPair('meta'),
    ...partialPair('info'),
    ...partialPair('revisions'),
    // The search parameters, in the order the routes list them.
    qb: query(
      'qb',
      "A query-builder expression, e.g. `QB['age'].gt(18) & QB['status'].eq('active')`. " +
        'Cannot be combined with data_conditions, conditions, sorts or the meta filters (422); `is_deleted` still applies.',
      { type: 'string' },
    ),
    is_deleted: query('is_deleted', 'Search soft-deleted resources instead of live ones; an empty value (`is_deleted=`) searches both', {
      type: 'boolean',
      default: false,
    }),
    ...timeWindow('created_time', 'created_time', 'created_time'),
    ...timeWindow('updated_time', 'updated_time', 'updated_time'),
    created_bys: query('created_bys', 'Keep resources created by one of these users', strings()),
    updated_bys: query('updated_bys', 'Keep resources last updated by one of these users', strings()),
    rev_statuses: query('rev_statuses', 'Keep resources whose current revision has one of these statuses', {
      type: 'array',
      items: { type: 'string', enum: Object.values(RevisionStatus) },
    }),
    rev_created_bys: query('rev_created_bys', 'Keep resources whose current revision was created by one of these users', strings()),
    rev_updated_bys: query('rev_updated_bys', 'Keep resources whose current revision was last updated by one of these users', strings()),
    ...timeWindow('rev_created_time', 'rev_created_time', 'current revision creation time'),
    ...timeWindow('rev_updated_time', 'rev_updated_time', 'current revision update time'),
    data_conditions: jsonQuery(
      'data_conditions',
      'JSON list of conditions on indexed data fields (deprecated: use `conditions`)',
      { type: 'array', items: ref('SearchFilter') },
      { deprecated: true },
    ),
    conditions: jsonQuery('conditions', 'JSON list of conditions on meta attributes, then on indexed data fields', {
      type: 'array',
      items: ref('SearchFilter'),
    }),
    sorts: jsonQuery('sorts', 'JSON list of sort keys, the first is primary', { type: 'array', items: ref('SearchSort') }),
    limit: query('limit', 'Page size (default 10, or the SPECSTAR_DEFAULT_QUERY_LIMIT environment variable)', { type: 'integer', minimum: 0 }),
    offset: query('offset', 'Items to skip', { type: 'integer', minimum: 0, default: 0 }),
    count_limit: query('limit', `Page size.${COUNT_IGNORES}`, { type: 'integer', minimum: 0 }),
    count_offset: query('offset', `Items to skip.${COUNT_IGNORES}`, { type: 'integer', minimum: 0, default: 0 }),
    // GET …/revision-list.
    revisions_limit: query('limit', 'Page size', { type: 'integer', minimum: 1, default: 10 }),
    revisions_offset: query('offset', 'Revisions to skip', { type: 'integer', minimum: 0, default: 0 }),
    revisions_sort: query('sort', 'Order by revision created_time', {
      type: 'string',
      enum: ['created_time', '-created_time'],
      default: '-created_time',
    }),
    ...timeWindow('revisions_created_time', 'created_time', 'revision created_time'),
    revisions_from_revision_id: query('from_revision_id', 'Start at this revision (inclusive), in the chosen order', { type: 'string' }),
    revisions_cursor: query(
      'cursor',
      'Cursor paging: empty for the first page, then the `next_cursor` of the previous page. Pages follow write order (`sort` picks the direction), answer `next_cursor` (null on the last page) instead of `total`, and exclude `offset`, the time window, `from_revision_id` and `chain_only`',
      { type: 'string' },
    ),
    revisions_chain_only: query('chain_only', 'Only the parent chain from `from_revision_id` (or the current revision), child first', {
      type: 'boolean',
      default: false,
    }),
    // PUT and PATCH.
    mode: query('mode', '`update` appends a revision; `modify` edits the current draft revision in place', {
      type: 'string',
      enum: ['update', 'modify'],
      default: 'update',
    }),
    change_status: query('change_status', 'New status of the revision; only with `mode=modify` (else 400)', {
      type: 'string',
      enum: Object.values(RevisionStatus),
    }),
    // Blobs and backups.
    file_id: { name: 'file_id', in: 'path', description: 'The blob id (`A-Z a-z 0-9 . _ -`)', required: true, schema: { type: 'string' } },
    blob_revision_id: query('revision_id', 'Check the file against this revision instead of the current one', { type: 'string' }),
    export_is_deleted: query(
      'is_deleted',
      'With `qb` only: keep just live (`false`) or just deleted (`true`) matches. Not sent: both, since backups are complete by default.',
      { type: 'boolean' },
    ),
    on_duplicate: query(
      'on_duplicate',
      '`overwrite` replaces resources that exist, `skip` keeps them, `raise_error` stops at the first (409; records already written stay)',
      { type: 'string', enum: ['overwrite', 'skip', 'raise_error'], default: 'overwrite' },
    ),
    backup_models: query('models', 'Models to export (repeat the parameter); all when omitted. Unknown names → 400.', strings()),
    if_match: {
      name: 'If-Match',
      in: 'header',
      description: 'Write only if the current revision is this one: a revision id or an ETag `"<revision_id>@<data_hash>"` (else 412)',
      required: false,
      schema: { type: 'string' },
    },
  };
}

const use = (key: string): JsonObject => ({ $ref: `#/components/parameters/${key}` });
const uses = (...keys: string[]): JsonObject[] => keys.map(use);

export const resourceIdParameter = (): JsonObject => use('resource_id');
export const revisionIdPathParameter = (): JsonObject => use('revision_id_path');
export const revisionIdQuery = (): JsonObject => use('revision_id');
export const includeDeleted = (): JsonObject => use('include_deleted');
export const returnsParameter = (list: boolean): JsonObject => use(list ? 'returns_list' : 'returns_item');
export const partialParameters = (category: PartialCategory): JsonObject[] => uses(`partial_${category}`, `partial_${category}_bracket`);

const META_FILTERS: readonly string[] = META_FILTER_PARAMS;

export interface SearchParameterOptions {
  /** Batch delete/restore force `is_deleted` and do not offer it. */
  isDeleted: boolean;
  /** `count` accepts limit/offset but ignores them. */
  count?: boolean;
}

/** The search parameters of the list and count routes, in a fixed order. */
export function searchParameters(options: SearchParameterOptions): JsonObject[] {
  return uses(
    'qb',
    ...(options.isDeleted ? ['is_deleted'] : []),
    ...META_FILTERS,
    'data_conditions',
    'conditions',
    'sorts',
    ...(options.count ? ['count_limit', 'count_offset'] : ['limit', 'offset']),
  );
}

export function revisionListParameters(): JsonObject[] {
  return [
    ...uses(
      'revisions_limit',
      'revisions_offset',
      'revisions_sort',
      'revisions_created_time_start',
      'revisions_created_time_end',
      'revisions_from_revision_id',
      'revisions_chain_only',
      'revisions_cursor',
    ),
    ...partialParameters('revisions'),
    includeDeleted(),
  ];
}

export const writeParameters = (): JsonObject[] => uses('mode', 'change_status', 'if_match');
export const fileIdParameter = (): JsonObject => use('file_id');
export const blobRevisionParameter = (): JsonObject => use('blob_revision_id');
export const exportParameters = (): JsonObject[] => uses('qb', 'export_is_deleted');
export const onDuplicateParameter = (): JsonObject => use('on_duplicate');
export const backupModelsParameter = (): JsonObject => use('backup_models');
