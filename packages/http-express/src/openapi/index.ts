/**
 * The OpenAPI 3.1 document of a registry: every route of the route table (so exactly what the
 * router serves), the model schemas as components, the record/envelope/search/error shapes,
 * and the `x-specstar-*` extensions. The output depends only on the registry and the options,
 * with a fixed key order, so it can be cached and compared as a snapshot.
 */
import { ConfigurationError } from '@specstar/interfaces';
import type { SpecStar } from '@specstar/core';
import type { HttpOptions } from '../options';
import { errorResponses, FIXED_SCHEMA_NAMES, fixedSchemas, ref } from './components';
import { type JsonObject, modelComponents, type Relationship } from './model-schemas';
import { NameAllocator, operationIdPart, pascalCase, sanitizeComponentName } from './names';
import { parameterComponents } from './parameters';
import { resolveRoutes } from '../route-table/table';
import { globalPaths, modelPaths, type PathsContext } from './paths';
import { actionCatalogues, actionSchemas, allocateActionNames } from './actions';

export const DEFAULT_TITLE = 'SpecStar API';
export const DEFAULT_VERSION = '0.1.0';

/** '' or one leading slash and no trailing one, as mount() reads the prefix. */
function documentPrefix(prefix: string | undefined): string {
  if (prefix === undefined) return '';
  // Braces would turn into path templates without matching parameters.
  if (typeof prefix !== 'string' || /[{}?#]/.test(prefix)) {
    throw new ConfigurationError(`prefix must be a plain path such as '/api', got ${JSON.stringify(prefix)}`);
  }
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

function byKey<T>(record: Record<string, T>): Record<string, T> {
  const keys = Object.keys(record).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const sorted: Record<string, T> = {};
  for (const key of keys) sorted[key] = record[key] as T;
  return sorted;
}

function envelopeSchema(component: string): JsonObject {
  return {
    type: 'object',
    description:
      'A resource envelope (http-api §4.3). Each section is present only when `returns` selects it; ' +
      '`partial` reduces a section to the selected fields.',
    properties: { data: ref(component), revision_info: ref('RevisionInfo'), meta: ref('ResourceMeta') },
  };
}

export function openapi(spec: SpecStar, options: HttpOptions = {}): Record<string, unknown> {
  const prefix = documentPrefix(options.prefix);
  const withGone = options.deletedStatus === 410;
  const managers = [...spec.resourceManagers.values()];

  // Fixed shapes first, then models, then envelopes, then hoisted definitions: model names
  // win over everything a model brings along.
  const table = resolveRoutes(options, spec);
  const routeSchemas: Record<string, JsonObject> = Object.assign({}, ...table.model.map((route) => route.schemas ?? {}));
  const schemaNames = new NameAllocator(sanitizeComponentName);
  for (const name of FIXED_SCHEMA_NAMES) schemaNames.reserve(name);
  // A template cannot redefine a fixed schema: the fixed one is kept.
  for (const name of Object.keys(routeSchemas)) if (!(FIXED_SCHEMA_NAMES as readonly string[]).includes(name)) schemaNames.reserve(name);
  const modelNames = managers.map((m) => schemaNames.allocate(pascalCase(m.name), `Model_${pascalCase(m.name)}`));
  const envelopeNames = modelNames.map((name) => schemaNames.allocate(`FullResourceResponse_${name}_`));
  const actionNames = allocateActionNames(spec, schemaNames);

  const schemas: Record<string, unknown> = { ...routeSchemas, ...fixedSchemas() };
  const relationships: Relationship[] = [];
  const indexedFields: Record<string, string[]> = {};
  const operationIds = new NameAllocator(operationIdPart);
  const tags: JsonObject[] = [];
  const paths: Record<string, JsonObject> = {};
  const pathsContext: PathsContext = { prefix, withGone, operationId: (action) => operationIds.allocate(action) };

  managers.forEach((manager, i) => {
    const component = modelNames[i] as string;
    const envelope = envelopeNames[i] as string;
    const converted = modelComponents(manager, component, schemaNames);
    for (const [name, schema] of converted.schemas) schemas[name] = schema;
    schemas[envelope] = envelopeSchema(component);
    relationships.push(...converted.relationships);
    indexedFields[manager.name] = manager.indexedFields.map((field) => field.field_path);

    const description = manager.model.schema.description;
    tags.push(typeof description === 'string' ? { name: manager.name, description } : { name: manager.name });
    const collection = `${prefix}/${manager.name}`;
    const model = { model: manager.name, data: ref(component), envelope: ref(envelope), collection, item: `${collection}/{resource_id}`, hasBinary: manager.model.hasBinary, actionComponents: actionNames };
    modelPaths(paths, table, spec, model, pathsContext);
  });
  globalPaths(paths, table, pathsContext);
  for (const [name, schema] of actionSchemas(spec, actionNames, schemaNames)) schemas[name] = schema;
  const catalogues = actionCatalogues(spec, actionNames);

  const document: Record<string, unknown> = {
    openapi: '3.1.0',
    info: { title: options.title ?? DEFAULT_TITLE, version: options.version ?? DEFAULT_VERSION },
    tags,
    paths,
    components: {
      schemas: byKey(schemas),
      parameters: parameterComponents(),
      responses: errorResponses(withGone),
    },
    'x-specstar-indexed-fields': indexedFields,
  };
  if (relationships.length > 0) document['x-specstar-relationships'] = relationships;
  Object.assign(document, catalogues);
  if (options.autocrudAliases) {
    for (const [key, value] of Object.entries(catalogues)) document[key.replace('x-specstar-', 'x-autocrud-')] = value;
    // The extension names admin UIs built for the Python project read.
    document['x-autocrud-indexed-fields'] = indexedFields;
    if (relationships.length > 0) document['x-autocrud-relationships'] = relationships;
  }
  // A plain JSON tree: no shared sub-objects, so callers may edit their copy freely.
  return JSON.parse(JSON.stringify(document)) as Record<string, unknown>;
}
