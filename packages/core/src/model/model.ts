import { ConfigurationError } from '@specstar/interfaces';
import type { ValidateFunction } from 'ajv';
import { isPlainObject } from '../value-predicates';
import { admitsNull, collectDateTimePaths, DateTimePaths, findRef, hasMarker, type Inspector, propertiesOf } from './inspect';
import { BINARY_KEYWORD, DISPLAY_NAME_KEYWORD, JOB_KEYWORD, type OnDelete, type RefType, UNIQUE_KEYWORD } from './markers';
import { shallowCopy, toPlainData } from './plain-data';
import { isObject, type JsonSchema, SchemaResolver } from './schema-resolver';
import { compileWith, forValidation, scanSchema, topLevelDefaults, validationError } from './validation';

/**
 * A compiled model: its ajv validators (validation.ts), what its schema declares (unique,
 * refs, display name, Binary, date-time paths; inspect.ts), and the preparation of written
 * data (defaults, plain-data copying; plain-data.ts).
 */

export type { JsonSchema } from './schema-resolver';

/** A reference field of the model (its target, on-delete action and shape). */
export interface RefInfo {
  /** Top-level property name. */
  field: string;
  /** Registered name of the referenced model. */
  target: string;
  onDelete: OnDelete;
  refType: RefType;
  /** Whether the field accepts null (needed by `set_null`). */
  nullable: boolean;
  /** Whether the field holds a list of ids. */
  isList: boolean;
}

export class CompiledModel {
  readonly schema: JsonSchema;
  /** Top-level properties marked `unique()`, in declaration order. */
  readonly uniqueFields: string[];
  /** Top-level reference fields (directly, as a list, or nullable). */
  readonly refs: RefInfo[];
  readonly displayNameField?: string;
  readonly isJob: boolean;
  /** Whether the model contains Binary objects. */
  readonly hasBinary: boolean;
  /** Dot paths of object-nested string fields with `format: date-time` (indexing, queries). */
  readonly dateTimePaths: ReadonlySet<string>;

  private readonly hasDefaults: boolean;
  /** Set when every default is on a root property: then a shallow copy protects the caller. */
  private readonly rootDefaults: string[] | undefined;
  private readonly validateSchema: JsonSchema;
  private readonly extensions: string[];
  /** With ajv's `useDefaults` when the schema has defaults, else the only validator. */
  private readonly preparing: ValidateFunction;
  private checking?: ValidateFunction;

  constructor(schema: JsonSchema) {
    if (!isObject(schema)) {
      throw new ConfigurationError(`A model must be a JSON Schema object, got ${Array.isArray(schema) ? 'an array' : typeof schema}`);
    }
    this.schema = schema;
    const scan = scanSchema(schema);
    this.hasDefaults = scan.hasDefaults;
    this.rootDefaults = scan.hasDefaults ? topLevelDefaults(schema) : undefined;
    this.extensions = [...scan.extensions];
    this.validateSchema = scan.hasBytes ? (forValidation(schema) as JsonSchema) : schema;
    this.preparing = compileWith(this.validateSchema, this.hasDefaults, this.extensions);
    if (!this.hasDefaults) this.checking = this.preparing;

    const inspector: Inspector = { resolver: new SchemaResolver(schema) };
    const top = propertiesOf(inspector, schema);
    this.uniqueFields = top.filter(([, sub]) => hasMarker(inspector, sub, UNIQUE_KEYWORD)).map(([key]) => key);
    this.refs = [];
    for (const [field, sub] of top) {
      const found = findRef(inspector, sub, false);
      if (!found) continue;
      this.refs.push({
        field,
        target: found.marker.resource,
        onDelete: found.marker.on_delete ?? 'dangling',
        refType: found.marker.ref_type ?? 'resource_id',
        nullable: admitsNull(inspector, sub),
        isList: found.isList,
      });
    }
    const display = top.find(([, sub]) => hasMarker(inspector, sub, DISPLAY_NAME_KEYWORD));
    if (display) this.displayNameField = display[0];
    this.isJob = inspector.resolver.facets(schema).some((f) => f[JOB_KEYWORD] === true);
    this.hasBinary = scan.extensions.has(BINARY_KEYWORD);
    const dateTimePaths = new Set<string>();
    collectDateTimePaths(inspector, schema, '', new Set(), dateTimePaths);
    this.dateTimePaths = new DateTimePaths(dateTimePaths, inspector, schema);
  }

  /**
   * Applies schema defaults and validates. Returns the value to store: the caller's object when
   * the schema has no defaults and nothing needed converting (Dates → ISO strings), else a copy.
   * The caller's object is never mutated.
   */
  prepare(data: unknown): unknown {
    let value: unknown;
    if (this.rootDefaults !== undefined) {
      // ajv writes defaults into the object it checks: copy the root only when a default applies.
      value = toPlainData(data, false);
      if (typeof value === 'object' && value !== null && !Array.isArray(value) && isPlainObject(value)) {
        const record = value;
        if (this.rootDefaults.some((key) => !Object.prototype.hasOwnProperty.call(record, key))) value = shallowCopy(record);
      }
    } else {
      value = toPlainData(data, this.hasDefaults);
    }
    if (!this.preparing(value)) throw validationError(this.preparing.errors ?? []);
    return value;
  }

  /** The checks of {@link prepare} without applying defaults. */
  validate(data: unknown): void {
    const value = toPlainData(data, false);
    this.checking ??= compileWith(this.validateSchema, false, this.extensions);
    if (!this.checking(value)) throw validationError(this.checking.errors ?? []);
  }
}

const compiled = new WeakMap<JsonSchema, CompiledModel>();

/** Compiles (once per schema object) a model schema: ajv validator plus marker introspection. */
export function compileModel(schema: JsonSchema): CompiledModel {
  if (!isObject(schema)) {
    throw new ConfigurationError(`A model must be a JSON Schema object, got ${Array.isArray(schema) ? 'an array' : typeof schema}`);
  }
  let model = compiled.get(schema);
  if (!model) {
    model = new CompiledModel(schema);
    compiled.set(schema, model);
  }
  return model;
}
