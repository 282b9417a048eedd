import { BYTES_KEYWORD } from '../model/markers';
import { isObject, type JsonSchema, SchemaResolver } from '../model/schema-resolver';

/**
 * Compiling a schema into a {@link Plan}: the canonical key order of each position (properties
 * a schema declares first, in declaration order, every other key sorted; where the schema says
 * nothing, keys sort), union branches, and where Binary bytes sit.
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

export interface Branch {
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

export interface KnownOrder {
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

/** Guards schemas whose merged properties recurse into further merges. */
const MAX_MERGE_DEPTH = 32;

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


/** The plan of member `key` of an object (`rank`: its index among declared properties). */
export function childPlan(plan: Plan, key: string, rank: number | undefined): Plan {
  if (rank !== undefined) return plan.props[rank] as Plan;
  for (const [regex, sub] of plan.patterns) if (regex.test(key)) return sub;
  return plan.extra;
}
