import { ValidationError } from '@specstar/interfaces';
import type { JsonSchema } from '../model/model';
import { BYTES_KEYWORD } from '../model/markers';

/**
 * Canonical key order for stable hashes (core-semantics §5.2, adapted to JSON Schema):
 * properties a schema declares come first in declaration order, every other key follows
 * sorted; where the schema says nothing, keys are sorted. `undefined` members are omitted.
 *
 * A schema is compiled once into a {@link Plan}; `canonicalize` then checks in one walk
 * whether a value already has canonical order and copies only the objects that do not.
 */

// JSON type bits, for choosing a union branch from a value.
const T_NULL = 1;
const T_BOOLEAN = 2;
const T_NUMBER = 4;
const T_STRING = 8;
const T_ARRAY = 16;
const T_OBJECT = 32;
const T_ALL = 63;

const TYPE_BITS: Record<string, number> = {
  null: T_NULL,
  boolean: T_BOOLEAN,
  number: T_NUMBER,
  integer: T_NUMBER,
  string: T_STRING,
  array: T_ARRAY,
  object: T_OBJECT,
};

interface Branch {
  plan: Plan;
  /** JSON types the branch admits. */
  types: number;
  /** Discriminators: properties whose schema is a `const` (or single-value `enum`). */
  consts: Array<[string, unknown]>;
}

/** The ordering and decoding plan of one schema position. */
export interface Plan {
  /** Declared property names → their rank and plan. Empty: all keys sort. */
  index: Map<string, number>;
  props: Plan[];
  patterns: Array<[RegExp, Plan]>;
  /** Plan of undeclared keys (`additionalProperties`, or free-form). */
  extra: Plan;
  prefix: Plan[];
  items: Plan;
  /** anyOf/oneOf: the branch is chosen per value. */
  branches: Branch[] | null;
  /** A Binary `data` position: base64 text decodes to bytes. */
  bytes: boolean;
  /** Whether a bytes position is reachable from here (decoding walks only those). */
  containsBytes: boolean;
  /** The last key sequence found already canonical here (see canonObject), with each key's plan. */
  knownOrder: KnownOrder | null;
}

interface KnownOrder {
  keys: string[];
  plans: Plan[];
}

function newPlan(): Plan {
  return {
    index: new Map(),
    props: [],
    patterns: [],
    extra: ANY,
    prefix: [],
    items: ANY,
    branches: null,
    bytes: false,
    containsBytes: false,
    knownOrder: null,
  };
}

/** The plan of a free-form value: every object's keys sorted, all the way down. */
export const ANY: Plan = {
  index: new Map(),
  props: [],
  patterns: [],
  extra: undefined as unknown as Plan,
  prefix: [],
  items: undefined as unknown as Plan,
  branches: null,
  bytes: false,
  containsBytes: false,
  knownOrder: null,
};
ANY.extra = ANY;
ANY.items = ANY;

export const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

// ---------------------------------------------------------------------------------------
// Compiling a schema into a plan
// ---------------------------------------------------------------------------------------

/** Guards schemas whose merged properties recurse into further merges. */
const MAX_MERGE_DEPTH = 32;

/**
 * Resolves `$ref`s of one schema document: local JSON pointers (`#/$defs/X`, `#`) and
 * `$id`s declared anywhere in it (TypeBox `Type.Ref`). Remote documents are not fetched.
 */
export class SchemaResolver {
  private readonly ids = new Map<string, JsonSchema>();

  constructor(readonly root: JsonSchema) {
    this.collectIds(root, new Set());
  }

  private collectIds(node: unknown, seen: Set<object>): void {
    if (typeof node !== 'object' || node === null || seen.has(node)) return;
    seen.add(node);
    if (Array.isArray(node)) {
      for (const item of node) this.collectIds(item, seen);
      return;
    }
    const id = (node as JsonSchema).$id;
    if (typeof id === 'string' && !this.ids.has(id)) this.ids.set(id, node as JsonSchema);
    for (const key of Object.keys(node)) {
      // Values of these keywords are data, not schemas.
      if (key === 'const' || key === 'enum' || key === 'default' || key === 'examples') continue;
      this.collectIds((node as JsonSchema)[key], seen);
    }
  }

  resolveRef(ref: string): JsonSchema | undefined {
    const hash = ref.indexOf('#');
    const base = hash === -1 ? ref : ref.slice(0, hash);
    const pointer = hash === -1 ? '' : ref.slice(hash + 1);
    let target: unknown = base === '' ? this.root : this.ids.get(base);
    if (pointer !== '') {
      if (!pointer.startsWith('/')) return undefined; // anchors: not followed
      for (const raw of pointer.slice(1).split('/')) {
        const step = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
        if (typeof target !== 'object' || target === null) return undefined;
        target = (target as Record<string, unknown>)[step];
      }
    }
    return isObject(target) ? target : undefined;
  }

  /** The schema plus everything it applies by `$ref` and `allOf`, referenced parts first. */
  facets(schema: JsonSchema, out: JsonSchema[] = [], seen = new Set<JsonSchema>()): JsonSchema[] {
    if (seen.has(schema)) return out;
    seen.add(schema);
    if (typeof schema.$ref === 'string') {
      const target = this.resolveRef(schema.$ref);
      if (target) this.facets(target, out, seen);
    }
    if (Array.isArray(schema.allOf)) {
      for (const member of schema.allOf) if (isObject(member)) this.facets(member, out, seen);
    }
    out.push(schema);
    return out;
  }
}

class PlanBuilder {
  private readonly memo = new Map<object, Plan>();
  private readonly resolver: SchemaResolver;
  private mergeDepth = 0;

  constructor(root: JsonSchema) {
    this.resolver = new SchemaResolver(root);
  }

  private facets(schema: JsonSchema): JsonSchema[] {
    return this.resolver.facets(schema);
  }

  plan(schema: unknown): Plan {
    if (!isObject(schema)) return ANY;
    const known = this.memo.get(schema);
    if (known) return known;
    const plan = newPlan();
    this.memo.set(schema, plan); // before filling, so recursive schemas terminate
    this.fill(plan, this.facets(schema));
    return plan;
  }

  private fill(plan: Plan, facets: JsonSchema[]): void {
    const unionAt = facets.findIndex((f) => Array.isArray(f.anyOf) || Array.isArray(f.oneOf));
    if (unionAt !== -1) {
      const unionFacet = facets[unionAt] as JsonSchema;
      const members = (Array.isArray(unionFacet.anyOf) ? unionFacet.anyOf : unionFacet.oneOf) as unknown[];
      const { anyOf: _anyOf, oneOf: _oneOf, ...restOfUnionFacet } = unionFacet;
      const shared = [...facets.slice(0, unionAt), restOfUnionFacet, ...facets.slice(unionAt + 1)];
      // Usually the union stands alone; then each member keeps its own (memoized) plan.
      const sharesShape = shared.some(isStructural);
      plan.branches = members.map((member) => {
        const memberFacets = isObject(member) ? this.facets(member) : [];
        const all = [...shared, ...memberFacets];
        const branchPlan = sharesShape ? this.merged(all) : this.plan(member);
        return { plan: branchPlan, types: typesOf(all), consts: discriminators(all) };
      });
      return;
    }
    if (facets.some((f) => f[BYTES_KEYWORD] === true)) {
      plan.bytes = true;
      return;
    }
    // Object part: declared properties in facet order, first declaration wins the rank.
    const declared = new Map<string, JsonSchema[]>();
    for (const facet of facets) {
      if (!isObject(facet.properties)) continue;
      for (const [key, sub] of Object.entries(facet.properties)) {
        if (!isObject(sub)) continue;
        const list = declared.get(key);
        if (list) list.push(sub);
        else declared.set(key, [sub]);
      }
    }
    for (const [key, subs] of declared) {
      plan.index.set(key, plan.props.length);
      plan.props.push(subs.length === 1 ? this.plan(subs[0]) : this.mergedOf(subs));
    }
    for (const facet of facets) {
      if (isObject(facet.patternProperties)) {
        for (const [pattern, sub] of Object.entries(facet.patternProperties)) {
          const regex = safeRegExp(pattern);
          if (regex) plan.patterns.push([regex, this.plan(sub)]);
        }
      }
    }
    const additional = facets.find((f) => isObject(f.additionalProperties));
    if (additional) plan.extra = this.plan(additional.additionalProperties);
    // Array part.
    const tuple = facets.find((f) => Array.isArray(f.prefixItems) || Array.isArray(f.items));
    if (tuple) {
      const members = (Array.isArray(tuple.prefixItems) ? tuple.prefixItems : tuple.items) as unknown[];
      plan.prefix = members.map((m) => this.plan(m));
    }
    const items = facets.find((f) => isObject(f.items));
    if (items) plan.items = this.plan(items.items);
    else {
      const additionalItems = facets.find((f) => isObject(f.additionalItems));
      if (additionalItems) plan.items = this.plan(additionalItems.additionalItems);
    }
  }

  private mergedOf(schemas: JsonSchema[]): Plan {
    const facets: JsonSchema[] = [];
    for (const schema of schemas) facets.push(...this.facets(schema));
    return this.merged(facets);
  }

  /** A plan for a combination of facets that no single schema object stands for. */
  private merged(facets: JsonSchema[]): Plan {
    if (facets.length === 1) return this.plan(facets[0]);
    if (this.mergeDepth >= MAX_MERGE_DEPTH) return ANY;
    this.mergeDepth++;
    try {
      const plan = newPlan();
      this.fill(plan, facets);
      return plan;
    } finally {
      this.mergeDepth--;
    }
  }
}

const STRUCTURAL_KEYWORDS = [
  'properties',
  'patternProperties',
  'additionalProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'anyOf',
  'oneOf',
  BYTES_KEYWORD,
];

/** Whether a facet shapes key order or bytes positions (beyond annotations and checks). */
function isStructural(facet: JsonSchema): boolean {
  return STRUCTURAL_KEYWORDS.some((keyword) => facet[keyword] !== undefined);
}

function safeRegExp(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

function typeBitsOfValue(value: unknown): number {
  if (value === null) return T_NULL;
  switch (typeof value) {
    case 'boolean':
      return T_BOOLEAN;
    case 'number':
      return T_NUMBER;
    case 'string':
      return T_STRING;
    case 'object':
      return Array.isArray(value) ? T_ARRAY : T_OBJECT;
    default:
      return 0;
  }
}

/** JSON types a combination of facets admits (intersection of what each facet says). */
function typesOf(facets: JsonSchema[]): number {
  let types = T_ALL;
  for (const facet of facets) {
    let own = T_ALL;
    const type = facet.type;
    if (typeof type === 'string') own = TYPE_BITS[type] ?? T_ALL;
    else if (Array.isArray(type)) own = type.reduce<number>((bits, t) => bits | (TYPE_BITS[String(t)] ?? 0), 0);
    else if ('const' in facet) own = typeBitsOfValue(facet.const);
    else if (Array.isArray(facet.enum)) own = facet.enum.reduce<number>((bits, v) => bits | typeBitsOfValue(v), 0);
    else if (facet[BYTES_KEYWORD] === true) own = T_STRING | T_OBJECT;
    else if (isObject(facet.properties) || isObject(facet.patternProperties)) own = T_OBJECT;
    else if (Array.isArray(facet.prefixItems) || facet.items !== undefined) own = T_ARRAY;
    types &= own;
  }
  return types;
}

function discriminators(facets: JsonSchema[]): Array<[string, unknown]> {
  const found: Array<[string, unknown]> = [];
  for (const facet of facets) {
    if (!isObject(facet.properties)) continue;
    for (const [key, sub] of Object.entries(facet.properties)) {
      if (!isObject(sub)) continue;
      if ('const' in sub) found.push([key, sub.const]);
      else if (Array.isArray(sub.enum) && sub.enum.length === 1) found.push([key, sub.enum[0]]);
    }
  }
  return found;
}

/** The union member a value belongs to: by JSON type, then by a `const` discriminator. */
export function pickBranch(branches: Branch[], value: unknown): Plan {
  const bits = typeBitsOfValue(value);
  let only: Branch | undefined;
  let count = 0;
  for (const branch of branches) {
    if ((branch.types & bits) !== 0) {
      count++;
      only ??= branch;
    }
  }
  if (count === 1) return (only as Branch).plan;
  if (count > 1 && bits === T_OBJECT) {
    const record = value as Record<string, unknown>;
    for (const branch of branches) {
      if ((branch.types & bits) === 0 || branch.consts.length === 0) continue;
      if (branch.consts.every(([key, expected]) => record[key] === expected)) return branch.plan;
    }
  }
  return ANY;
}

// Plans are per schema object; a model's codec and model share one.
const plans = new WeakMap<object, Plan>();

/** The (cached) canonical-order plan of a schema; without a schema every object sorts its keys. */
export function planFor(schema?: JsonSchema): Plan {
  if (schema === undefined) return ANY;
  let plan = plans.get(schema);
  if (!plan) {
    plan = new PlanBuilder(schema).plan(schema);
    markBytes(plan);
    plans.set(schema, plan);
  }
  return plan;
}

function children(plan: Plan): Plan[] {
  const out = [...plan.props, plan.extra, ...plan.prefix, plan.items];
  for (const [, p] of plan.patterns) out.push(p);
  if (plan.branches) for (const b of plan.branches) out.push(b.plan);
  return out;
}

/** Sets `containsBytes` on every plan from which a bytes position is reachable. */
function markBytes(root: Plan): void {
  const all: Plan[] = [];
  const seen = new Set<Plan>([ANY]);
  const stack = [root];
  while (stack.length > 0) {
    const plan = stack.pop() as Plan;
    if (seen.has(plan)) continue;
    seen.add(plan);
    all.push(plan);
    stack.push(...children(plan));
  }
  // Propagate upwards until stable (plans can be cyclic).
  let changed = true;
  for (const plan of all) if (plan.bytes) plan.containsBytes = true;
  while (changed) {
    changed = false;
    for (const plan of all) {
      if (plan.containsBytes) continue;
      if (children(plan).some((c) => c.containsBytes)) {
        plan.containsBytes = true;
        changed = true;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------
// Canonicalizing values
// ---------------------------------------------------------------------------------------

/** Deeper nesting is treated as a cycle. */
const MAX_DEPTH = 512;

/** Thrown inside the walk; the caller reports where with a slower, path-tracking pass. */
class NotEncodable extends Error {}

const objectToString = Object.prototype.toString;

export function isBytes(value: unknown): value is Uint8Array {
  // Realm-independent (jest runs tests in a separate context): no instanceof.
  return ArrayBuffer.isView(value) && (value as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] === 'Uint8Array';
}

export function isDate(value: unknown): value is Date {
  return objectToString.call(value) === '[object Date]';
}

export function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** `mode` json: bytes become base64 text; msgpack: bytes stay bytes (packed as `bin`). */
export type CanonicalMode = 'json' | 'msgpack';

/**
 * The value with canonical key order (the same reference when it already has it). Dates
 * become ISO strings; in json mode bytes become base64. Anything that is not JSON data
 * (functions, symbols, bigints, NaN/Infinity, class instances, cycles) → ValidationError.
 */
export function canonicalize(value: unknown, plan: Plan, mode: CanonicalMode): unknown {
  try {
    return canon(value, plan, mode === 'json', 0);
  } catch (error) {
    if (error instanceof NotEncodable || error instanceof RangeError) throw notJsonError(value);
    throw error;
  }
}

function canon(value: unknown, plan: Plan, json: boolean, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) throw new NotEncodable();
      return value;
    case 'object':
      break;
    case 'undefined':
      return value; // omitted by the parent (null inside arrays)
    default:
      throw new NotEncodable();
  }
  if (value === null) return value;
  if (depth > MAX_DEPTH) throw new NotEncodable();
  if (plan.branches !== null) plan = pickBranch(plan.branches, value);
  if (Array.isArray(value)) return canonArray(value, plan, json, depth);
  if (isPlainObject(value)) return canonObject(value as Record<string, unknown>, plan, json, depth);
  if (isBytes(value)) return json ? bytesToBase64(value) : value;
  if (isDate(value)) {
    if (Number.isNaN(value.getTime())) throw new NotEncodable();
    return value.toISOString();
  }
  throw new NotEncodable();
}

function canonArray(array: unknown[], plan: Plan, json: boolean, depth: number): unknown[] {
  let out: unknown[] | undefined;
  const prefix = plan.prefix;
  for (let i = 0; i < array.length; i++) {
    const item = array[i];
    let next = item;
    if (typeof item === 'object') {
      if (item !== null) next = canon(item, i < prefix.length ? (prefix[i] as Plan) : plan.items, json, depth + 1);
    } else if (item === undefined) {
      next = null; // as JSON.stringify does, so both encodings agree
    } else {
      checkScalar(item);
    }
    if (next !== item) out ??= array.slice(0, i);
    if (out) out.push(next);
  }
  return out ?? array;
}

function checkScalar(value: unknown): void {
  const type = typeof value;
  if (type === 'string' || type === 'boolean') return;
  if (type === 'number' && Number.isFinite(value)) return;
  throw new NotEncodable();
}

/** Integer-like keys are always enumerated first, ascending, by every JS engine. */
function isIndexKey(key: string): boolean {
  const n = Number(key);
  return n >= 0 && n <= 0xfffffffe && Number.isInteger(n) && String(n) === key;
}

/** The plan of member `key` of an object (`rank`: its index among declared properties). */
export function childPlan(plan: Plan, key: string, rank: number | undefined): Plan {
  if (rank !== undefined) return plan.props[rank] as Plan;
  for (const [regex, sub] of plan.patterns) if (regex.test(key)) return sub;
  return plan.extra;
}

/**
 * Whether `obj` has exactly the key sequence last found canonical under `plan` and no member
 * that canonicalizes differently. Objects written from one literal share their key order, so
 * this usually settles an object with one string comparison per key instead of rank lookups.
 */
function inKnownOrder(obj: Record<string, unknown>, known: KnownOrder, json: boolean, depth: number): boolean {
  const { keys, plans } = known;
  let i = 0;
  for (const key in obj) {
    if (key !== keys[i]) return false;
    const value = obj[key];
    if (typeof value === 'object') {
      if (value !== null && canon(value, plans[i]!, json, depth + 1) !== value) return false;
    } else if (value === undefined) {
      return false;
    } else {
      checkScalar(value);
    }
    i++;
  }
  return i === keys.length;
}

function canonObject(obj: Record<string, unknown>, plan: Plan, json: boolean, depth: number): Record<string, unknown> {
  if (plan.knownOrder !== null && inKnownOrder(obj, plan.knownOrder, json, depth)) return obj;
  const index = plan.index;
  let inOrder = true;
  let dropUndefined = false;
  let lastRank = -1;
  let lastExtra: string | undefined;
  let replaced: Map<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    if (value === undefined) {
      // JSON.stringify omits undefined members itself; msgpack needs them removed.
      if (!json) dropUndefined = true;
      continue;
    }
    const rank = index.get(key);
    // Integer-like keys are placed by the engine, not by us: leave them out of the order check.
    const first = key.charCodeAt(0);
    if (!(first >= 48 && first <= 57 && isIndexKey(key))) {
      if (rank !== undefined) {
        if (lastExtra !== undefined || rank < lastRank) inOrder = false;
        lastRank = rank;
      } else {
        if (lastExtra !== undefined && key < lastExtra) inOrder = false;
        lastExtra = key;
      }
    }
    if (typeof value === 'object') {
      if (value !== null) {
        const next = canon(value, childPlan(plan, key, rank), json, depth + 1);
        if (next !== value) (replaced ??= new Map()).set(key, next);
      }
    } else {
      checkScalar(value);
    }
  }
  if (inOrder && !dropUndefined && replaced === undefined) {
    rememberOrder(obj, plan);
    return obj;
  }

  const keys = Object.keys(obj).filter((key) => obj[key] !== undefined);
  keys.sort((a, b) => {
    const ra = index.get(a);
    const rb = index.get(b);
    if (ra !== undefined) return rb !== undefined ? ra - rb : -1;
    if (rb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const value = replaced?.has(key) ? replaced.get(key) : obj[key];
    if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
    else out[key] = value;
  }
  return out;
}

function rememberOrder(obj: Record<string, unknown>, plan: Plan): void {
  const keys: string[] = [];
  const plans: Plan[] = [];
  for (const key in obj) {
    keys.push(key);
    plans.push(childPlan(plan, key, plan.index.get(key)));
  }
  plan.knownOrder = { keys, plans };
}

/** Finds the first offending position for the error (slow path, runs only on failure). */
export function notJsonError(root: unknown): ValidationError {
  const ancestors = new Set<object>();
  const find = (value: unknown, path: string): { path: string; message: string } | undefined => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return undefined;
      case 'number':
        return Number.isFinite(value) ? undefined : { path, message: `${String(value)} is not a JSON number` };
      case 'object':
        break;
      default:
        return { path, message: `a ${typeof value} is not JSON data` };
    }
    if (value === null || isBytes(value)) return undefined;
    if (isDate(value)) return Number.isNaN(value.getTime()) ? { path, message: 'is an invalid Date' } : undefined;
    if (!Array.isArray(value) && !isPlainObject(value)) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      return { path, message: `a ${name} instance is not JSON data` };
    }
    if (ancestors.has(value)) return { path, message: 'is a circular reference' };
    if (ancestors.size > MAX_DEPTH) return { path, message: `nesting deeper than ${MAX_DEPTH} levels` };
    ancestors.add(value);
    const entries: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const found = find(child, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`);
      if (found) return found;
    }
    ancestors.delete(value);
    return undefined;
  };
  const issue = find(root, '') ?? { path: '', message: 'is not JSON data' };
  return new ValidationError(`Data is not JSON-compatible at '${issue.path}': ${issue.message}`, {
    kind: 'type',
    issues: [issue],
  });
}

// ---------------------------------------------------------------------------------------
// Decoding helpers
// ---------------------------------------------------------------------------------------

export function base64ToBytes(text: string): Uint8Array {
  const buffer = Buffer.from(text, 'base64');
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Turns base64 text at Binary `data` positions into bytes, in place (the value was just parsed). */
export function reviveBytes(value: unknown, plan: Plan): unknown {
  if (!plan.containsBytes) return value;
  if (plan.branches !== null) plan = pickBranch(plan.branches, value);
  if (plan.bytes) return typeof value === 'string' ? base64ToBytes(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const sub = i < plan.prefix.length ? (plan.prefix[i] as Plan) : plan.items;
      if (sub.containsBytes) value[i] = reviveBytes(value[i], sub);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const sub = childPlan(plan, key, plan.index.get(key));
    if (sub.containsBytes) record[key] = reviveBytes(record[key], sub);
  }
  return value;
}

/** Replaces Date values (msgpack timestamps written by Python) with ISO strings, in place. */
export function datesToStrings(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (isDate(value)) return value.toISOString();
  if (isBytes(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = datesToStrings(value[i]);
    return value;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) record[key] = datesToStrings(record[key]);
  return value;
}
