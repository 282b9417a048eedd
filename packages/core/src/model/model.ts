import { ConfigurationError, type FieldIssue, ValidationError } from '@specstar/interfaces';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isBytes, isDate, isObject, isPlainObject, notJsonError, SchemaResolver } from '../codec/canonical';
import {
  BINARY_KEYWORD,
  BYTES_KEYWORD,
  DISPLAY_NAME_KEYWORD,
  JOB_KEYWORD,
  type OnDelete,
  REF_KEYWORD,
  type RefMarker,
  type RefType,
  UNIQUE_KEYWORD,
} from './markers';

/** A JSON Schema object (draft 2020-12). TypeBox schemas are assignable to it. */
export type JsonSchema = { [k: string]: unknown };

/** A reference field of the model (core-semantics §7.3). */
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

// ---------------------------------------------------------------------------------------
// Schema inspection
// ---------------------------------------------------------------------------------------

const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

interface SchemaScan {
  /** `x-…` keywords used anywhere (registered with ajv so strict mode accepts them). */
  extensions: Set<string>;
  hasDefaults: boolean;
  hasBytes: boolean;
}

function scanSchema(root: JsonSchema): SchemaScan {
  const scan: SchemaScan = { extensions: new Set(), hasDefaults: false, hasBytes: false };
  const seen = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) visit(item);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-')) scan.extensions.add(key);
      if (key === 'default') scan.hasDefaults = true;
      if (key === BYTES_KEYWORD && value === true) scan.hasBytes = true;
      if (!DATA_KEYWORDS.has(key)) visit(value);
    }
  };
  visit(root);
  return scan;
}

/**
 * The root properties that carry a `default`, when those are the only defaults anywhere in the
 * schema (the common case); undefined otherwise. Shared subschemas are counted at every place
 * they appear, so a default reused deeper down is never mistaken for a top-level one.
 */
function topLevelDefaults(root: JsonSchema): string[] | undefined {
  const properties = root.properties;
  if (root.type !== 'object' || typeof properties !== 'object' || properties === null) return undefined;
  const keys = Object.entries(properties)
    .filter(([, sub]) => typeof sub === 'object' && sub !== null && Object.prototype.hasOwnProperty.call(sub, 'default'))
    .map(([key]) => key);
  let found = 0;
  let budget = 10_000; // give up (deep copies stay safe) on huge or pathological schemas
  const ancestors = new Set<object>();
  const visit = (node: unknown): void => {
    if (typeof node !== 'object' || node === null || ancestors.has(node) || --budget < 0) return;
    ancestors.add(node);
    for (const [key, value] of Object.entries(node)) {
      if (key === 'default') found++;
      if (!DATA_KEYWORDS.has(key)) visit(value);
    }
    ancestors.delete(node);
  };
  visit(root);
  return budget >= 0 && found === keys.length ? keys : undefined;
}

/**
 * The schema ajv validates: Binary `data` members lose their `type: string` so the bytes
 * keyword alone decides (a Uint8Array or base64 text). Unchanged subtrees are shared.
 */
function forValidation(node: unknown, memo = new Map<object, unknown>()): unknown {
  if (typeof node !== 'object' || node === null) return node;
  const known = memo.get(node);
  if (known !== undefined) return known;
  memo.set(node, node); // provisional, for cyclic object graphs
  let result: unknown = node;
  if (Array.isArray(node)) {
    const mapped = node.map((item) => forValidation(item, memo));
    if (mapped.some((item, i) => item !== node[i])) result = mapped;
  } else {
    const record = node as JsonSchema;
    let copy: JsonSchema | undefined;
    if (record[BYTES_KEYWORD] === true) {
      const { type: _type, contentEncoding: _encoding, contentMediaType: _media, ...rest } = record;
      copy = rest;
    }
    for (const [key, value] of Object.entries(record)) {
      if (DATA_KEYWORDS.has(key) || typeof value !== 'object' || value === null) continue;
      const mapped = forValidation(value, memo);
      if (mapped !== value) (copy ??= { ...record })[key] = mapped;
    }
    if (copy) result = copy;
  }
  memo.set(node, result);
  return result;
}

// A plain character-class loop: linear, with no per-character backtracking state, so
// megabytes of base64 are fine.
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function isBytesOrBase64(_schemaValue: unknown, data: unknown): boolean {
  return isBytes(data) || (typeof data === 'string' && data.length % 4 === 0 && BASE64.test(data));
}

/** Warnings of the compile in progress (ajv reports strict-mode findings through its logger). */
let compileWarnings: string[] = [];

function createAjv(useDefaults: boolean): Ajv2020 {
  const ajv = new Ajv2020({
    allErrors: true,
    useDefaults,
    // Unknown keywords and formats are schema mistakes: reported as ConfigurationError (via
    // the collected warnings, so a default inside anyOf — legal, merely ignored — is not one).
    strict: true,
    strictSchema: 'log',
    // These reject valid schemas (untyped `properties`, open tuples, `required` in a branch).
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    allowUnionTypes: true,
    logger: {
      log: () => undefined,
      warn: (...args: unknown[]) => void compileWarnings.push(args.map(String).join(' ')),
      error: (...args: unknown[]) => void compileWarnings.push(args.map(String).join(' ')),
    },
  });
  addFormats(ajv);
  // DESIGN §8: naive date-times are accepted and read as UTC.
  ajv.addFormat('date-time', addFormats.get('iso-date-time'));
  ajv.addKeyword({ keyword: BYTES_KEYWORD, schemaType: 'boolean', validate: isBytesOrBase64, errors: false });
  return ajv;
}

// One instance per defaults mode: creating one (meta-schemas, formats) costs far more than a
// compile. Each schema is removed again after compiling, so `$id`s never clash between models.
const ajvInstances = new Map<boolean, Ajv2020>();

function compileWith(schema: JsonSchema, useDefaults: boolean, extensions: Iterable<string>): ValidateFunction {
  let ajv = ajvInstances.get(useDefaults);
  if (!ajv) {
    ajv = createAjv(useDefaults);
    ajvInstances.set(useDefaults, ajv);
  }
  for (const keyword of extensions) {
    if (!ajv.getKeyword(keyword)) ajv.addKeyword({ keyword });
  }
  compileWarnings = [];
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new ConfigurationError(`Model schema cannot be compiled: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  } finally {
    ajv.removeSchema(schema);
  }
  const problem = compileWarnings.find((w) => !w.includes('default is ignored'));
  if (problem !== undefined) throw new ConfigurationError(`Model schema cannot be compiled: ${problem}`);
  return validate;
}

// ---------------------------------------------------------------------------------------
// Validation issues
// ---------------------------------------------------------------------------------------

const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

function typeList(params: Record<string, unknown>): string[] {
  const type = params.type;
  return Array.isArray(type) ? type.map(String) : String(type).split(',');
}

/**
 * Reduces anyOf/oneOf noise: a branch that failed on type is "not this alternative"; of the
 * branches that matched the type, the one with the fewest errors is reported. When no branch
 * matched the type, one "must be A or B" error stands for the union.
 */
function simplify(errors: ErrorObject[]): ErrorObject[] {
  let result = errors;
  const composites = errors
    .filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const composite of composites) {
    if (!result.includes(composite)) continue; // inside an outer union already resolved
    const prefix = composite.schemaPath + '/';
    const inBranches = result.filter((e) => e.schemaPath.startsWith(prefix));
    if (inBranches.length === 0) continue; // oneOf matched several branches: keep as is
    result = result.filter((e) => e !== composite && !inBranches.includes(e));
    const branches = new Map<string, ErrorObject[]>();
    for (const error of inBranches) {
      const branch = error.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      const list = branches.get(branch);
      if (list) list.push(error);
      else branches.set(branch, [error]);
    }
    const typeMismatch = (list: ErrorObject[]): boolean =>
      list.some((e) => e.keyword === 'type' && e.instancePath === composite.instancePath);
    const discriminatorMismatch = (list: ErrorObject[]): boolean =>
      list.some((e) => (e.keyword === 'const' || e.keyword === 'enum') && e.instancePath !== composite.instancePath);
    let candidates = [...branches.values()].filter((list) => !typeMismatch(list));
    const matchingTag = candidates.filter((list) => !discriminatorMismatch(list));
    if (matchingTag.length > 0) candidates = matchingTag;
    if (candidates.length > 0) {
      const chosen = candidates.reduce((best, list) => (list.length < best.length ? list : best));
      result = [...result, ...simplify(chosen)];
    } else {
      const types = new Set<string>();
      for (const error of inBranches) {
        if (error.keyword === 'type' && error.instancePath === composite.instancePath) {
          for (const t of typeList(error.params)) types.add(t);
        }
      }
      result = [...result, { ...composite, keyword: 'type', params: { type: [...types] } }];
    }
  }
  return result;
}

function toIssue(error: ErrorObject): FieldIssue | undefined {
  const params = error.params as Record<string, unknown>;
  const at = error.instancePath;
  switch (error.keyword) {
    case 'required':
      return { path: `${at}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'dependentRequired':
      return {
        path: `${at}/${escapePointer(String(params.missingProperty))}`,
        message: `is required when '${String(params.property)}' is present`,
      };
    case 'additionalProperties':
      return { path: `${at}/${escapePointer(String(params.additionalProperty))}`, message: 'is not an allowed property' };
    case 'unevaluatedProperties':
      return { path: `${at}/${escapePointer(String(params.unevaluatedProperty))}`, message: 'is not an allowed property' };
    case 'type':
      return { path: at, message: `must be ${typeList(params).join(' or ')}` };
    case BYTES_KEYWORD:
      return { path: at, message: 'must be bytes (Uint8Array) or base64 text' };
    case 'enum':
      return { path: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}` };
    case 'const':
      return { path: at, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'oneOf':
      return { path: at, message: 'must match exactly one alternative' };
    case 'anyOf':
      return { path: at, message: 'must match one of the alternatives' };
    case 'if':
      return undefined; // the failing then/else branch reports the field itself
    default:
      return { path: at, message: error.message ?? `fails '${error.keyword}'` };
  }
}

function toIssues(errors: ErrorObject[]): FieldIssue[] {
  const byPath = new Map<string, string[]>();
  for (const error of simplify(errors)) {
    const issue = toIssue(error);
    if (!issue) continue;
    const messages = byPath.get(issue.path);
    if (!messages) byPath.set(issue.path, [issue.message]);
    else if (!messages.includes(issue.message)) messages.push(issue.message);
  }
  return [...byPath].map(([path, messages]) => ({ path, message: messages.join('; ') }));
}

function validationError(errors: ErrorObject[]): ValidationError {
  const issues = toIssues(errors);
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.path || '(root)'} ${i.message}`)
    .join(', ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new ValidationError(`Data does not match the model: ${summary}${more}`, { kind: 'type', issues });
}

// ---------------------------------------------------------------------------------------
// Plain data
// ---------------------------------------------------------------------------------------

const MAX_DEPTH = 512;

class NotPlain extends Error {}

/**
 * The value as JSON data: Dates become ISO strings, bytes stay bytes, everything else must be
 * JSON (no functions, class instances, cycles, NaN/Infinity). Returns the same reference when
 * nothing changes unless `copy` asks for fresh containers (ajv writes defaults into them).
 */
function plainData(value: unknown, copy: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
    case 'undefined':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new NotPlain();
      return value;
    case 'object':
      break;
    default:
      throw new NotPlain();
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) throw new NotPlain();
  if (Array.isArray(value)) {
    let out: unknown[] | undefined = copy ? new Array<unknown>(value.length) : undefined;
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const next = plainData(item, copy, depth + 1);
      if (!out && next !== item) out = value.slice(0, i);
      if (out) out[i] = next;
    }
    return out ?? value;
  }
  if (isPlainObject(value)) {
    const record = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined = copy ? {} : undefined;
    let index = 0;
    for (const key in record) {
      const item = record[key];
      const next = plainData(item, copy, depth + 1);
      if (!out && next !== item) {
        out = {};
        let i = 0;
        for (const k in record) {
          if (i++ === index) break;
          assign(out, k, record[k]);
        }
      }
      if (out) assign(out, key, next);
      index++;
    }
    return out ?? value;
  }
  if (isBytes(value)) return value;
  if (isDate(value)) {
    if (Number.isNaN(value.getTime())) throw new NotPlain();
    return value.toISOString();
  }
  throw new NotPlain();
}

function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

/** A copy of the object's own keys (nested containers shared); `__proto__` stays a plain key. */
function shallowCopy(record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) assign(out, key, record[key]);
  return out;
}

function toPlainData(value: unknown, copy: boolean): unknown {
  try {
    return plainData(value, copy, 0);
  } catch (error) {
    if (error instanceof NotPlain || error instanceof RangeError) throw notJsonError(value);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------
// The compiled model
// ---------------------------------------------------------------------------------------

interface Inspector {
  resolver: SchemaResolver;
}

/** Facets of a schema, and of each anyOf/oneOf alternative, flattened. */
function alternatives(inspector: Inspector, schema: unknown): JsonSchema[] {
  if (!isObject(schema)) return [];
  const out: JsonSchema[] = [];
  const seen = new Set<JsonSchema>();
  const visit = (node: JsonSchema): void => {
    for (const facet of inspector.resolver.facets(node)) {
      if (seen.has(facet)) continue;
      seen.add(facet);
      out.push(facet);
      for (const key of ['anyOf', 'oneOf'] as const) {
        const members = facet[key];
        if (Array.isArray(members)) for (const member of members) if (isObject(member)) visit(member);
      }
    }
  };
  visit(schema);
  return out;
}

/** Properties in declaration order (through `$ref`, `allOf` and union alternatives). */
function propertiesOf(inspector: Inspector, schema: unknown): Array<[string, JsonSchema]> {
  const seen = new Map<string, JsonSchema>();
  for (const facet of alternatives(inspector, schema)) {
    if (!isObject(facet.properties)) continue;
    for (const [key, sub] of Object.entries(facet.properties)) {
      if (isObject(sub) && !seen.has(key)) seen.set(key, sub);
    }
  }
  return [...seen];
}

function declaresType(facet: JsonSchema, type: string): boolean {
  return facet.type === type || (Array.isArray(facet.type) && facet.type.includes(type));
}

function admitsNull(inspector: Inspector, schema: unknown): boolean {
  return alternatives(inspector, schema).some(
    (f) =>
      declaresType(f, 'null') ||
      ('const' in f && f.const === null) ||
      (Array.isArray(f.enum) && f.enum.includes(null)),
  );
}

function hasMarker(inspector: Inspector, schema: unknown, keyword: string): boolean {
  return alternatives(inspector, schema).some((f) => f[keyword] === true);
}

function findRef(inspector: Inspector, schema: unknown, isList: boolean): { marker: RefMarker; isList: boolean } | undefined {
  for (const facet of alternatives(inspector, schema)) {
    const marker = facet[REF_KEYWORD];
    if (isObject(marker) && typeof marker.resource === 'string') {
      return { marker: marker as unknown as RefMarker, isList: isList || declaresType(facet, 'array') };
    }
  }
  if (isList) return undefined; // lists of lists are not references
  for (const facet of alternatives(inspector, schema)) {
    if (isObject(facet.items)) {
      const inner = findRef(inspector, facet.items, true);
      if (inner) return inner;
    }
  }
  return undefined;
}

/** The schema of member `key` of an object schema: declared, by pattern, or additional. */
function childSchema(inspector: Inspector, schema: unknown, key: string): JsonSchema | undefined {
  const declared = propertiesOf(inspector, schema).find(([name]) => name === key);
  if (declared) return declared[1];
  for (const facet of alternatives(inspector, schema)) {
    if (isObject(facet.patternProperties)) {
      for (const [pattern, sub] of Object.entries(facet.patternProperties)) {
        if (isObject(sub) && safeTest(pattern, key)) return sub;
      }
    }
  }
  return alternatives(inspector, schema)
    .map((f) => f.additionalProperties)
    .find(isObject);
}

function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return false;
  }
}

function isDateTimeString(inspector: Inspector, schema: unknown): boolean {
  return alternatives(inspector, schema).some(
    (f) => f.format === 'date-time' && (f.type === undefined || declaresType(f, 'string')),
  );
}

function collectDateTimePaths(inspector: Inspector, schema: unknown, prefix: string, stack: Set<JsonSchema>, out: Set<string>): void {
  const facets = alternatives(inspector, schema);
  if (facets.some((f) => stack.has(f))) return; // recursive schema: deeper paths resolve on demand
  for (const f of facets) stack.add(f);
  for (const [key, sub] of propertiesOf(inspector, schema)) {
    const path = prefix + key;
    if (isDateTimeString(inspector, sub)) out.add(path);
    collectDateTimePaths(inspector, sub, path + '.', stack, out);
  }
  for (const f of facets) stack.delete(f);
}

/**
 * The date-time paths of a model. Iterating lists every path that does not go through a
 * recursion of the schema; `has` also answers for paths that do (`parent.parent.at`).
 */
class DateTimePaths extends Set<string> {
  private readonly resolved = new Map<string, boolean>();

  constructor(
    paths: Iterable<string>,
    private readonly inspector: Inspector,
    private readonly root: JsonSchema,
  ) {
    super(paths);
  }

  override has(path: string): boolean {
    if (super.has(path)) return true;
    // Set's constructor calls add() before the fields exist; has() is only called later.
    let known = this.resolved.get(path);
    if (known === undefined) {
      known = this.resolve(path);
      if (this.resolved.size < 10_000) this.resolved.set(path, known);
    }
    return known;
  }

  private resolve(path: string): boolean {
    let schema: unknown = this.root;
    for (const step of path.split('.')) {
      const next = childSchema(this.inspector, schema, step);
      if (!next) return false;
      schema = next;
    }
    return schema !== this.root && isDateTimeString(this.inspector, schema);
  }
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
        const record = value as Record<string, unknown>;
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
