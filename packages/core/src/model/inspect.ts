import { REF_KEYWORD, type RefMarker } from './markers';
import { isObject, type JsonSchema, type SchemaResolver } from './schema-resolver';

/** Schema inspection: properties, markers, refs and date-time paths through `$ref`, allOf and unions. */

export interface Inspector {
  resolver: SchemaResolver;
}

/** Facets of a schema, and of each anyOf/oneOf alternative, flattened. */
export function alternatives(inspector: Inspector, schema: unknown): JsonSchema[] {
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
export function propertiesOf(inspector: Inspector, schema: unknown): Array<[string, JsonSchema]> {
  const seen = new Map<string, JsonSchema>();
  for (const facet of alternatives(inspector, schema)) {
    if (!isObject(facet.properties)) continue;
    for (const [key, sub] of Object.entries(facet.properties)) {
      if (isObject(sub) && !seen.has(key)) seen.set(key, sub);
    }
  }
  return [...seen];
}

export function declaresType(facet: JsonSchema, type: string): boolean {
  return facet.type === type || (Array.isArray(facet.type) && facet.type.includes(type));
}

export function admitsNull(inspector: Inspector, schema: unknown): boolean {
  return alternatives(inspector, schema).some(
    (f) =>
      declaresType(f, 'null') ||
      ('const' in f && f.const === null) ||
      (Array.isArray(f.enum) && f.enum.includes(null)),
  );
}

export function hasMarker(inspector: Inspector, schema: unknown, keyword: string): boolean {
  return alternatives(inspector, schema).some((f) => f[keyword] === true);
}

export function findRef(inspector: Inspector, schema: unknown, isList: boolean): { marker: RefMarker; isList: boolean } | undefined {
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
export function childSchema(inspector: Inspector, schema: unknown, key: string): JsonSchema | undefined {
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

export function safeTest(pattern: string, text: string): boolean {
  try {
    return new RegExp(pattern, 'u').test(text);
  } catch {
    return false;
  }
}

export function isDateTimeString(inspector: Inspector, schema: unknown): boolean {
  return alternatives(inspector, schema).some(
    (f) => f.format === 'date-time' && (f.type === undefined || declaresType(f, 'string')),
  );
}

export function collectDateTimePaths(inspector: Inspector, schema: unknown, prefix: string, stack: Set<JsonSchema>, out: Set<string>): void {
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
export class DateTimePaths extends Set<string> {
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
