/**
 * Custom actions in the OpenAPI document: the operation of each action (its input as a JSON
 * body, and as a multipart form when it has file fields; the answer of its mode; the
 * `x-specstar-create-action` / `x-specstar-update-action` extension), the input schemas and
 * 202 bodies as components, and the document-level catalogues admin UIs read.
 */
import type { CustomAction, SpecStar } from '@specstar/core';
import type { ActionComponentNames, ModelDocContext, RouteDoc } from '../route-table/declaration';
import { ref } from './components';
import { modelComponents, type JsonObject } from './model-schemas';
import { type NameAllocator, pascalCase } from './names';
import { ETAG_HEADER, json, ok } from './operation';

const FILE_SCHEMA: JsonObject = { type: 'string', format: 'binary' };
const IF_MATCH: JsonObject = { $ref: '#/components/parameters/if_match' };
const RESOURCE_ID: JsonObject = { $ref: '#/components/parameters/resource_id' };

/** Bound actions of registered models, in declaration order. */
function documented(spec: SpecStar): CustomAction[] {
  return spec.actions.filter((action) => action.isBound && action.resourceName !== undefined && spec.resourceManagers.has(action.resourceName));
}

/** The input property schema of a field, by reference into the input component. */
const fieldRef = (input: string, name: string): JsonObject => ({ $ref: `#/components/schemas/${input}/properties/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });

function declaresProperty(action: CustomAction, name: string): boolean {
  const properties = action.input.schema?.properties;
  return typeof properties === 'object' && properties !== null && Object.prototype.hasOwnProperty.call(properties, name);
}

function pathParams(action: CustomAction, input: string | undefined): JsonObject[] {
  return action.pathParams.map((name) => ({
    name,
    required: true,
    schema: input !== undefined && declaresProperty(action, name) ? fieldRef(input, name) : { type: 'string' },
  }));
}

function fileParams(action: CustomAction): JsonObject[] {
  return action.input.fields.filter((field) => field.binary).map((field) => ({ name: field.name, required: field.required, schema: FILE_SCHEMA }));
}

/** The multipart form of an input with file fields: files as binary strings, other fields as declared. */
function formSchema(action: CustomAction, input: string): JsonObject {
  const properties: JsonObject = {};
  for (const field of action.input.fields) properties[field.name] = field.binary ? FILE_SCHEMA : fieldRef(input, field.name);
  const required = action.input.fields.filter((field) => field.required && !action.pathParams.includes(field.name)).map((field) => field.name);
  return required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };
}

function requestBody(action: CustomAction, input: string | undefined): JsonObject | undefined {
  if (input === undefined) return undefined;
  const content: JsonObject = { ...json(ref(input)) };
  if (action.input.hasBinary) content['multipart/form-data'] = { schema: formSchema(action, input) };
  const required = action.input.fields.some((field) => field.required && !action.pathParams.includes(field.name));
  return {
    description: 'The input. Fields may also come from the query string (scalars) and the path; the body wins over the query, the path over both.',
    required,
    content,
  };
}

function response(action: CustomAction, names: ActionComponentNames | undefined): Record<string, JsonObject> {
  if (action.asyncMode === 'job') return { '202': ok('The job was queued; follow it at `redirect_url`', ref(names?.jobRedirect ?? 'JobRedirectInfo')) };
  if (action.asyncMode === 'background') return { '202': ok('Accepted: the action runs after this response', ref(names?.taskAccepted ?? 'BackgroundTaskAccepted')) };
  return { '200': ok('The revision written, or null when the action wrote nothing', { anyOf: [ref('RevisionInfo'), { type: 'null' }] }, ETAG_HEADER) };
}

/** The operation of one action, for the route table. */
export function actionDoc(action: CustomAction, ctx: ModelDocContext): RouteDoc {
  const input = ctx.actionComponents?.inputs.get(action);
  const extension =
    action.kind === 'create'
      ? { 'x-specstar-create-action': { resource: ctx.model, label: action.label } }
      : { 'x-specstar-update-action': { resource: ctx.model, label: action.label, mode: action.updateMode } };
  const path = pathParams(action, input).map((param) => ({ ...param, in: 'path' }));
  const body = requestBody(action, input);
  return {
    summary: `${action.label} (${ctx.model})`,
    operationId: action.handlerName,
    parameters: action.kind === 'update' ? [RESOURCE_ID, ...path, IF_MATCH] : path,
    ...(body === undefined ? {} : { requestBody: body }),
    responses: response(action, ctx.actionComponents),
    errors: action.kind === 'update' ? [400, 403, 404, 409, 412, 413, 415, 422] : [400, 403, 404, 409, 413, 415, 422],
    itemScoped: action.kind === 'update',
    extensions: extension,
  };
}

/** Allocates the component names of the actions' inputs and 202 bodies (before the schemas are converted). */
export function allocateActionNames(spec: SpecStar, names: NameAllocator): ActionComponentNames {
  const inputs = new Map<object, string>();
  for (const action of documented(spec)) {
    const schema = action.input.schema;
    if (schema === undefined) continue;
    const fallback = `${pascalCase(action.path)}${pascalCase(action.resourceName ?? '')}Input`;
    inputs.set(action, names.allocate(typeof schema.title === 'string' && schema.title !== '' ? schema.title : fallback, fallback));
  }
  return { inputs, jobRedirect: names.allocate('JobRedirectInfo'), taskAccepted: names.allocate('BackgroundTaskAccepted') };
}

/** The component schemas of the actions: each input (its definitions hoisted) and the 202 bodies. */
export function actionSchemas(spec: SpecStar, allocated: ActionComponentNames, names: NameAllocator): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  for (const action of documented(spec)) {
    const component = allocated.inputs.get(action);
    const schema = action.input.schema;
    if (component === undefined || schema === undefined) continue;
    const source = { name: action.resourceName ?? '', model: { schema, displayNameField: undefined } };
    out.push(...modelComponents(source, component, names).schemas);
  }
  if (documented(spec).some((action) => action.asyncMode === 'job')) {
    out.push([
      allocated.jobRedirect,
      {
        type: 'object',
        description: 'Where a job-mode action queued its job',
        properties: {
          job_resource_name: { type: 'string' },
          job_resource_id: { type: 'string' },
          redirect_url: { type: 'string', description: '`/{job_resource_name}/{job_resource_id}` under the mount prefix' },
        },
        required: ['job_resource_name', 'job_resource_id', 'redirect_url'],
      },
    ]);
  }
  if (documented(spec).some((action) => action.asyncMode === 'background')) {
    out.push([allocated.taskAccepted, { type: 'object', properties: { message: { type: 'string', const: 'Task accepted' } }, required: ['message'] }]);
  }
  return out;
}

function actionInfo(action: CustomAction, allocated: ActionComponentNames): JsonObject {
  const model = action.resourceName ?? '';
  const info: JsonObject = {
    path: action.kind === 'create' ? `/${model}/${action.path}` : `/${model}/{resource_id}/${action.path}`,
    label: action.label,
    operationId: action.handlerName,
  };
  if (action.kind === 'update') info.mode = action.updateMode;
  const input = allocated.inputs.get(action);
  if (input !== undefined) info.bodySchema = input;
  const params = pathParams(action, input);
  if (params.length > 0) info.pathParams = params;
  const files = fileParams(action);
  if (files.length > 0) info.fileParams = files;
  if (action.asyncMode !== undefined) info.asyncMode = action.asyncMode;
  if (action.jobResourceName !== undefined) info.jobResourceName = action.jobResourceName;
  return info;
}

/**
 * The document-level catalogues: actions by model, and job models by their target, for create
 * and update actions (each present only when some action of its kind exists).
 */
export function actionCatalogues(spec: SpecStar, allocated: ActionComponentNames): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kind of ['create', 'update'] as const) {
    const actions = documented(spec).filter((action) => action.kind === kind);
    if (actions.length === 0) continue;
    const byModel: Record<string, JsonObject[]> = {};
    const jobs: Record<string, string> = {};
    for (const action of actions) {
      (byModel[action.resourceName ?? ''] ??= []).push(actionInfo(action, allocated));
      if (action.jobResourceName !== undefined) jobs[action.jobResourceName] = action.resourceName ?? '';
    }
    out[`x-specstar-custom-${kind}-actions`] = byModel;
    if (Object.keys(jobs).length > 0) out[`x-specstar-async-${kind}-jobs`] = jobs;
  }
  return out;
}
