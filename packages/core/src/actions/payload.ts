/**
 * The job model of a job-mode action: its payload schema (built from the action's input),
 * stored under the job schema's `$defs` with the generated name so OpenAPI shows it as a
 * component, and the conversions between a validated input and a job payload.
 *
 * - create: the payload is the input.
 * - update: `{resource_id, ...input fields}` when the input is a plain object schema, else
 *   `{resource_id, payload_data: input}`; without input just `{resource_id}`.
 */
import { ConfigurationError } from '@specstar/interfaces';
import { jobSchema, type JsonSchema } from '../model';
import { isObject } from '../model/schema-resolver';
import { DATA_KEYWORDS } from '../model/validation';
import type { ActionKind } from './types';
import type { generatedNames } from './naming';

/** What the worker persists on success: the written resource. Key order as upstream writes it. */
export interface ActionArtifact {
  resource_id: string;
  resource_name: string;
  revision_id: string;
}

const ARTIFACT_SCHEMA: JsonSchema = {
  type: 'object',
  properties: { resource_id: { type: 'string' }, resource_name: { type: 'string' }, revision_id: { type: 'string' } },
  required: ['resource_id', 'resource_name', 'revision_id'],
};

const DEFINITIONS = ['$defs', 'definitions'] as const;
const COMPOSITION = ['$ref', 'allOf', 'anyOf', 'oneOf', 'not', 'if', '$dynamicRef'];

export interface JobLayout {
  /** The job model schema. */
  schema: JsonSchema;
  /** The job payload of a validated input (update: with the target's id). */
  payloadOf(input: unknown, resourceId: string | undefined): unknown;
  /** The handler input and target id stored in a payload. */
  inputOf(payload: unknown): { input: unknown; resourceId: string | undefined };
}

/**
 * A copy of `node` placed at JSON pointer `base` of another schema: local refs into it are
 * re-pointed there, refs into its definitions keep their target (the definitions are hoisted
 * to the new root under the same names). Values that are data (defaults, enums) are shared.
 */
function relocate(node: unknown, base: string, memo: Map<object, unknown>): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const known = memo.get(node);
  if (known !== undefined) return known;
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    memo.set(node, out);
    for (const item of node) out.push(relocate(item, base, memo));
    return out;
  }
  const out: Record<string, unknown> = {};
  memo.set(node, out);
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') out[key] = repoint(value, base);
    else if (DATA_KEYWORDS.has(key)) out[key] = value;
    else out[key] = relocate(value, base, memo);
  }
  return out;
}

function repoint(ref: string, base: string): string {
  if (!ref.startsWith('#')) return ref;
  const fragment = ref.slice(1);
  if (fragment === '') return `#${base}`;
  if (DEFINITIONS.some((keyword) => fragment.startsWith(`/${keyword}/`))) return ref;
  return fragment.startsWith('/') ? `#${base}${fragment}` : ref; // `#anchor` resolves anywhere
}

/** The input schema placed at `base`, without its root id and definitions; the definitions separately. */
function embed(input: JsonSchema, base: string): { schema: JsonSchema; defs: Record<string, Record<string, unknown>> } {
  const memo = new Map<object, unknown>();
  const defs: Record<string, Record<string, unknown>> = {};
  const schema: JsonSchema = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === '$id' || key === '$schema') continue;
    if ((DEFINITIONS as readonly string[]).includes(key) && isObject(value)) {
      defs[key] = relocate(value, base, memo) as Record<string, unknown>;
      continue;
    }
    schema[key] = key === '$ref' && typeof value === 'string' ? repoint(value, base) : DATA_KEYWORDS.has(key) ? value : relocate(value, base, memo);
  }
  return { schema, defs };
}

/** A plain object schema whose fields can sit beside `resource_id`. */
function isFlattenable(input: JsonSchema): boolean {
  if (input.type !== undefined && input.type !== 'object') return false;
  if (!isObject(input.properties) || Object.prototype.hasOwnProperty.call(input.properties, 'resource_id')) return false;
  return !COMPOSITION.some((keyword) => input[keyword] !== undefined);
}

const RESOURCE_ID: JsonSchema = { type: 'string' };

export function jobLayout(kind: ActionKind, input: JsonSchema | undefined, names: ReturnType<typeof generatedNames>): JobLayout {
  const definitions: Record<string, Record<string, unknown>> = {};
  const hoist = (defs: Record<string, Record<string, unknown>>): void => {
    for (const [keyword, entries] of Object.entries(defs)) Object.assign((definitions[keyword] ??= {}), entries);
  };
  let payloadName = kind === 'update' && input !== undefined && !isFlattenable(input) ? names.updatePayload : names.payload;
  const reserved = new Set([...Object.keys(input?.$defs ?? {}), ...Object.keys(input?.definitions ?? {})]);
  while (reserved.has(payloadName)) payloadName += '_';
  const base = `/$defs/${payloadName}`;

  let payload: JsonSchema;
  let layout: Omit<JobLayout, 'schema'>;
  if (kind === 'create') {
    if (input === undefined) throw new ConfigurationError('A job-mode create action needs an input schema');
    const embedded = embed(input, base);
    hoist(embedded.defs);
    payload = embedded.schema;
    layout = { payloadOf: (value) => value, inputOf: (value) => ({ input: value, resourceId: undefined }) };
  } else if (input === undefined) {
    payload = { type: 'object', properties: { resource_id: RESOURCE_ID }, required: ['resource_id'] };
    layout = { payloadOf: (_value, resourceId) => ({ resource_id: resourceId }), inputOf: (value) => ({ input: {}, resourceId: idOf(value) }) };
  } else if (isFlattenable(input)) {
    const embedded = embed(input, base);
    hoist(embedded.defs);
    const required = Array.isArray(embedded.schema.required) ? embedded.schema.required : [];
    payload = {
      ...embedded.schema,
      type: 'object',
      properties: { resource_id: RESOURCE_ID, ...(embedded.schema.properties as Record<string, unknown>) },
      required: ['resource_id', ...required],
    };
    layout = {
      payloadOf: (value, resourceId) => ({ resource_id: resourceId, ...(value as Record<string, unknown>) }),
      inputOf: (value) => {
        const { resource_id: resourceId, ...rest } = value as Record<string, unknown>;
        return { input: rest, resourceId: typeof resourceId === 'string' ? resourceId : undefined };
      },
    };
  } else {
    const embedded = embed(input, `${base}/properties/payload_data`);
    hoist(embedded.defs);
    payload = { type: 'object', properties: { resource_id: RESOURCE_ID, payload_data: embedded.schema }, required: ['resource_id', 'payload_data'] };
    layout = {
      payloadOf: (value, resourceId) => ({ resource_id: resourceId, payload_data: value }),
      inputOf: (value) => ({ input: (value as Record<string, unknown>).payload_data, resourceId: idOf(value) }),
    };
  }
  const schema = jobSchema({ $ref: `#${base}` }, ARTIFACT_SCHEMA);
  schema.title = names.job;
  schema.$defs = { ...definitions.$defs, [payloadName]: payload };
  if (definitions.definitions !== undefined) schema.definitions = definitions.definitions;
  return { schema, ...layout };
}

function idOf(payload: unknown): string | undefined {
  const id = isObject(payload) ? payload.resource_id : undefined;
  return typeof id === 'string' ? id : undefined;
}
