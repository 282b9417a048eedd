/**
 * The opt-in migrate template (http-api.md §9.19). Not served by default: an app adds it with
 * `routes: { add: MIGRATE_ROUTES }`. It is served only for models whose schema has migration
 * steps; for the others the paths do not exist (404/405).
 */
import type { SpecStar } from '@specstar/core';
import { ref } from '../openapi/components';
import type { JsonObject } from '../openapi/model-schemas';
import { resourceIdParameter, searchParameters } from '../openapi/parameters';
import { migrateSingleRoute, migrateStreamRoute } from '../routes/migrate';
import type { RouteDeclaration } from './declaration';

const nullableString: JsonObject = { anyOf: [{ type: 'string' }, { type: 'null' }] };
const PROGRESS_PROPERTIES: JsonObject = {
  resource_id: { type: 'string', description: 'Empty for a failure of the whole run' },
  status: { type: 'string', enum: ['success', 'failed', 'skipped'] },
  message: nullableString,
  error: nullableString,
};
export const MIGRATE_PROGRESS_SCHEMA: JsonObject = {
  title: 'MigrateProgress',
  type: 'object',
  properties: PROGRESS_PROPERTIES,
  required: ['resource_id', 'status', 'message', 'error'],
};
export const MIGRATE_RESULT_SCHEMA: JsonObject = {
  title: 'MigrateResult',
  type: 'object',
  properties: {
    total: { type: 'integer' },
    success: { type: 'integer' },
    failed: { type: 'integer' },
    skipped: { type: 'integer' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { resource_id: { type: 'string' }, error: { type: 'string' } }, required: ['resource_id', 'error'] },
    },
  },
  required: ['total', 'success', 'failed', 'skipped', 'errors'],
};
const SCHEMAS = { MigrateProgress: MIGRATE_PROGRESS_SCHEMA, MigrateResult: MIGRATE_RESULT_SCHEMA };
const STREAM_LINE: JsonObject = {
  description: 'One JSON object per line, each with a `timestamp` (the server\'s naive local time)',
  oneOf: [ref('MigrateProgress'), ref('MigrateResult')],
};

const revisionChoice: JsonObject = {
  name: 'revision_id',
  in: 'query',
  required: false,
  description: 'Omitted: the current revision; `all`: every revision of each resource; else that revision',
  schema: { type: 'string' },
};
const writeBack: JsonObject = {
  name: 'write_back',
  in: 'query',
  required: false,
  description: 'Write the migrated data (default); `false` only checks that it migrates',
  schema: { type: 'boolean', default: true },
};

const hasMigration = (spec: SpecStar, model: string): boolean => spec.resourceManagers.get(model)?.migration?.hasMigration === true;

function streamRoute(mode: 'test' | 'execute'): RouteDeclaration {
  return {
    name: `migrate${mode === 'test' ? 'Test' : 'Execute'}`,
    family: 'migrate',
    method: 'POST',
    path: `/{model}/migrate/${mode}`,
    when: hasMigration,
    schemas: SCHEMAS,
    handler: (kit) => migrateStreamRoute(kit, mode),
    doc: ({ model }) => ({
      summary: mode === 'test' ? `Dry-run the migration of matching ${model} resources` : `Migrate matching ${model} resources`,
      description:
        (mode === 'test' ? 'Nothing is written. ' : 'Migrated data is written. ') +
        'Streams one MigrateProgress line per resource (per revision with `revision_id=all`), then one MigrateResult line. ' +
        'A failing resource is reported on its line and the run goes on. Selection uses the search parameters, including the default `limit`.',
      operationId: `migrate_${mode}_${model}`,
      parameters: [...searchParameters({ isDeleted: true }), revisionChoice],
      responses: { '200': { description: 'The progress stream', content: { 'application/jsonl+json': { schema: STREAM_LINE } } } },
      errors: [400, 403, 422],
    }),
  };
}

/** The three migrate routes, to pass in `routes.add`. */
export const MIGRATE_ROUTES: readonly RouteDeclaration[] = [
  streamRoute('test'),
  streamRoute('execute'),
  {
    name: 'migrateSingle',
    family: 'migrate',
    method: 'POST',
    path: '/{model}/migrate/single/{resource_id}',
    when: hasMigration,
    schemas: SCHEMAS,
    handler: () => migrateSingleRoute(),
    doc: ({ model }) => ({
      summary: `Migrate one ${model}`,
      description: 'Answers the MigrateProgress (no `timestamp`); a failed migration answers 400 with the error as `detail`.',
      operationId: `migrate_single_${model}`,
      parameters: [resourceIdParameter(), writeBack, revisionChoice],
      responses: { '200': { description: 'The outcome', content: { 'application/json': { schema: ref('MigrateProgress') } } } },
      errors: [400, 403, 404, 422],
      itemScoped: true,
    }),
  },
];
