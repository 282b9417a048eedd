import { ConfigurationError, TaskStatus } from '@specstar/interfaces';
import type { JsonSchema } from './schema-resolver';

/** Schema keywords SpecStar reads from a model. They are `x-` extensions so OpenAPI passes them through. */
export const UNIQUE_KEYWORD = 'x-specstar-unique';
export const REF_KEYWORD = 'x-specstar-ref';
export const DISPLAY_NAME_KEYWORD = 'x-specstar-display-name';
export const BINARY_KEYWORD = 'x-specstar-binary';
/** On the `data` member of a Binary schema: the value is bytes (Uint8Array) or base64 text. */
export const BYTES_KEYWORD = 'x-specstar-bytes';
export const JOB_KEYWORD = 'x-specstar-job';

export type OnDelete = 'dangling' | 'set_null' | 'cascade' | 'restrict';
export type RefType = 'resource_id' | 'revision_id';

/** The value stored under `x-specstar-ref` (snake_case: it is visible in OpenAPI documents). */
export interface RefMarker {
  resource: string;
  on_delete: OnDelete;
  ref_type: RefType;
}

export interface RefOptions {
  onDelete?: OnDelete;
  refType?: RefType;
}

const ON_DELETE_VALUES: readonly OnDelete[] = ['dangling', 'set_null', 'cascade', 'restrict'];
const REF_TYPE_VALUES: readonly RefType[] = ['resource_id', 'revision_id'];

function assertSchemaObject(helper: string, schema: unknown): asserts schema is object {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new ConfigurationError(`${helper}() needs a schema object, got ${describe(schema)}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * Copy with one extra keyword. Object spread keeps enumerable symbol keys, so TypeBox's
 * `[Kind]`/`[OptionalKind]` markers survive and `Static<>` still sees the same type.
 */
function withKeyword<S extends object>(schema: S, keyword: string, value: unknown): S {
  return { ...schema, [keyword]: value };
}

/** Marks a top-level field as unique among the model's non-deleted resources. */
export function unique<S extends object>(schema: S): S {
  assertSchemaObject('unique', schema);
  return withKeyword(schema, UNIQUE_KEYWORD, true);
}

/** Marks a string field (or a list of strings) as a reference to resources of model `target`. */
export function ref<S extends object>(target: string, schema: S, options: RefOptions = {}): S {
  if (typeof target !== 'string' || target.trim() === '') {
    throw new ConfigurationError('ref() needs the name of the target model as its first argument');
  }
  assertSchemaObject('ref', schema);
  const onDelete = options.onDelete ?? 'dangling';
  const refType = options.refType ?? 'resource_id';
  if (!ON_DELETE_VALUES.includes(onDelete)) {
    throw new ConfigurationError(`ref('${target}'): onDelete must be one of ${ON_DELETE_VALUES.join(', ')}, got '${String(onDelete)}'`);
  }
  if (!REF_TYPE_VALUES.includes(refType)) {
    throw new ConfigurationError(`ref('${target}'): refType must be one of ${REF_TYPE_VALUES.join(', ')}, got '${String(refType)}'`);
  }
  // A revision reference pins history; acting on it when the target is deleted has no meaning.
  if (refType === 'revision_id' && onDelete !== 'dangling') {
    throw new ConfigurationError(`ref('${target}'): refType 'revision_id' only allows onDelete 'dangling', got '${onDelete}'`);
  }
  const marker: RefMarker = { resource: target, on_delete: onDelete, ref_type: refType };
  return withKeyword(schema, REF_KEYWORD, marker);
}

/** Marks the field whose value names a resource in listings and admin UIs. */
export function displayName<S extends object>(schema: S): S {
  assertSchemaObject('displayName', schema);
  return withKeyword(schema, DISPLAY_NAME_KEYWORD, true);
}

/**
 * The Binary object schema: `{file_id?, size?, content_type?, data?}`. `data` is bytes
 * in the headless API and base64 text on the JSON wire; both validate.
 */
export function binary(options: { description?: string } = {}): JsonSchema {
  const schema: JsonSchema = {
    type: 'object',
    properties: {
      file_id: { type: 'string' },
      size: { type: 'integer', minimum: 0 },
      content_type: { type: 'string' },
      data: { type: 'string', contentEncoding: 'base64', [BYTES_KEYWORD]: true },
    },
    additionalProperties: false,
    [BINARY_KEYWORD]: true,
  };
  if (options.description !== undefined) schema.description = options.description;
  return schema;
}

const nullable = (schema: JsonSchema, defaultValue: unknown = null): JsonSchema => ({
  anyOf: [schema, { type: 'null' }],
  default: defaultValue,
});
const nullableInteger = (): JsonSchema => ({ type: ['integer', 'null'], minimum: 0, default: null });

/**
 * A Job model: the payload plus the queue's bookkeeping fields, in
 * declaration order, with their defaults. Without `artifact` any JSON value (default null) is
 * accepted so handlers may return whatever they produce.
 */
export function jobSchema(payload: JsonSchema, artifact?: JsonSchema): JsonSchema {
  assertSchemaObject('jobSchema', payload);
  if (artifact !== undefined) assertSchemaObject('jobSchema', artifact);
  return {
    type: 'object',
    properties: {
      payload,
      status: { type: 'string', enum: Object.values(TaskStatus), default: TaskStatus.PENDING },
      errmsg: { type: ['string', 'null'], default: null },
      artifact: artifact === undefined ? { default: null } : nullable(artifact),
      retries: { type: 'integer', minimum: 0, default: 0 },
      max_retries: nullableInteger(),
      periodic_interval_seconds: nullableInteger(),
      periodic_max_runs: nullableInteger(),
      periodic_runs: { type: 'integer', minimum: 0, default: 0 },
      periodic_initial_delay_seconds: nullableInteger(),
      last_heartbeat_at: { type: ['string', 'null'], format: 'date-time', default: null },
      // After the eleven upstream fields: the persisted due time of a delayed or periodic run.
      next_run_at: { type: ['string', 'null'], format: 'date-time', default: null },
    },
    required: ['payload'],
    [JOB_KEYWORD]: true,
  };
}
