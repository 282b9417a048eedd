/** A JSON Schema object (draft 2020-12). TypeBox schemas are assignable to it. */
export type JsonSchema = { [k: string]: unknown };

/** Whether a schema position holds a schema object (not a boolean schema, list or scalar). */
export const isObject = (value: unknown): value is JsonSchema =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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
