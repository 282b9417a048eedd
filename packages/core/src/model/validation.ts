import { ConfigurationError, type FieldIssue, ValidationError } from '@specstar/interfaces';
import type { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { isBytes } from '../codec/canonical';
import { BYTES_KEYWORD } from './markers';
import type { JsonSchema } from './schema-resolver';

/** Validation of model data with ajv: what a schema needs from ajv, and ajv's errors as field issues. */

export const DATA_KEYWORDS = new Set(['const', 'enum', 'default', 'examples']);

export interface SchemaScan {
  /** `x-…` keywords used anywhere (registered with ajv so strict mode accepts them). */
  extensions: Set<string>;
  hasDefaults: boolean;
  hasBytes: boolean;
}

export function scanSchema(root: JsonSchema): SchemaScan {
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
export function topLevelDefaults(root: JsonSchema): string[] | undefined {
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
export function forValidation(node: unknown, memo = new Map<object, unknown>()): unknown {
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
export const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isBytesOrBase64(_schemaValue: unknown, data: unknown): boolean {
  return isBytes(data) || (typeof data === 'string' && data.length % 4 === 0 && BASE64.test(data));
}

/** Warnings of the compile in progress (ajv reports strict-mode findings through its logger). */
export let compileWarnings: string[] = [];

export function createAjv(useDefaults: boolean): Ajv2020 {
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
  // Naive date-times are accepted and read as UTC.
  ajv.addFormat('date-time', addFormats.get('iso-date-time'));
  ajv.addKeyword({ keyword: BYTES_KEYWORD, schemaType: 'boolean', validate: isBytesOrBase64, errors: false });
  return ajv;
}

// One instance per defaults mode: creating one (meta-schemas, formats) costs far more than a
// compile. Each schema is removed again after compiling, so `$id`s never clash between models.
export const ajvInstances = new Map<boolean, Ajv2020>();

export function compileWith(schema: JsonSchema, useDefaults: boolean, extensions: Iterable<string>): ValidateFunction {
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

export const escapePointer = (key: string): string => key.replace(/~/g, '~0').replace(/\//g, '~1');

export function typeList(params: Record<string, unknown>): string[] {
  const type = params.type;
  return Array.isArray(type) ? type.map(String) : String(type).split(',');
}

/**
 * Reduces anyOf/oneOf noise: a branch that failed on type is "not this alternative"; of the
 * branches that matched the type, the one with the fewest errors is reported. When no branch
 * matched the type, one "must be A or B" error stands for the union.
 */
export function simplify(errors: ErrorObject[]): ErrorObject[] {
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

export function toIssue(error: ErrorObject): FieldIssue | undefined {
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

export function toIssues(errors: ErrorObject[]): FieldIssue[] {
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

export function validationError(errors: ErrorObject[]): ValidationError {
  const issues = toIssues(errors);
  const summary = issues
    .slice(0, 3)
    .map((i) => `${i.path || '(root)'} ${i.message}`)
    .join(', ');
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  return new ValidationError(`Data does not match the model: ${summary}${more}`, { kind: 'type', issues });
}
