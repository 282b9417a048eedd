/**
 * A model's JSON Schema as OpenAPI 3.1 components.
 *
 * OAS 3.1 speaks JSON Schema 2020-12, so the schema is kept as written, with three changes:
 * - root `$defs`/`definitions` become components of their own, and every local `$ref`
 *   (`#/…`, `#anchor`, the root or an embedded `$id`) is rewritten to point into
 *   `#/components/schemas/…` — a `#` inside a component would otherwise resolve against the
 *   OpenAPI document, not the model. `$id`/`$anchor` are dropped for the same reason.
 *   A local `$ref` that resolves nowhere is dropped (the node then accepts what its siblings
 *   accept); core refuses such schemas, so this only guards hand-built registries.
 * - properties carrying core's markers also get the names admin UIs read:
 *   `x-ref-resource`/`x-ref-type`/`x-ref-on-delete`, `x-unique` (top-level fields), and the
 *   model gets `x-display-name-field`. Core's own `x-specstar-*` keywords stay in place.
 * - values that are not schemas (`default`, `enum`, extensions, …) are copied as plain JSON.
 */
import { ConfigurationError } from '@specstar/interfaces';
import { REF_KEYWORD, UNIQUE_KEYWORD, type ResourceManager } from '@specstar/core';
import type { NameAllocator } from './names';

export type JsonObject = Record<string, unknown>;

/** One reference field, as listed in the document's `x-specstar-relationships`. */
export interface Relationship {
  source: string;
  sourceField: string;
  target: string;
  refType: string;
  onDelete: string;
  nullable: boolean;
}

/** What a schema is converted from: a model's manager, or anything naming a schema the same way (action inputs). */
export interface ComponentSource {
  name: string;
  model: Pick<ResourceManager['model'], 'schema' | 'displayNameField'>;
}

export interface ModelComponents {
  /** Component schemas in order: the model first, then its hoisted definitions. */
  schemas: Array<[string, unknown]>;
  relationships: Relationship[];
}

// Deeper schemas are refused rather than risking the stack; no real model comes close.
const MAX_SCHEMA_DEPTH = 1000;
// Bounds the relationship walk over unions of unions.
const RELATIONSHIP_VISIT_BUDGET = 10_000;

const SCHEMA_MAPS: ReadonlySet<string> = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas', 'dependencies']);
const SCHEMA_LISTS: ReadonlySet<string> = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_SLOTS: ReadonlySet<string> = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'contains',
  'propertyNames',
  'if',
  'then',
  'else',
  'not',
  'contentSchema',
]);
const DEFINITION_KEYWORDS: readonly string[] = ['$defs', 'definitions'];
const COMPONENT_PREFIX = '#/components/schemas/';

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const escapeSegment = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeSegment = (segment: string): string => segment.replace(/~1/g, '/').replace(/~0/g, '~');

function parsePointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
}

// Characters a URI fragment may carry as they are (RFC 3986 pchar, '/' and '?').
const FRAGMENT_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/?]/;

/** A JSON pointer as a URI fragment: pointer-escaped, then percent-encoded where needed. */
function fragmentOf(segments: string[]): string {
  let out = '';
  for (const segment of segments) {
    out += '/';
    for (const char of escapeSegment(segment)) out += char !== '/' && FRAGMENT_SAFE.test(char) ? char : encodeURIComponent(char);
  }
  return out;
}

function resolveUri(reference: string, base: string | undefined): string | undefined {
  try {
    const url = base === undefined ? new URL(reference) : new URL(reference, base);
    url.hash = '';
    return url.href;
  } catch {
    return undefined; // relative without an absolute base: only exact matches apply
  }
}

/** Plain JSON copy of a non-schema value (defaults, enums, extension payloads). */
function cloneData(value: unknown, where: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  try {
    const text = JSON.stringify(value);
    return text === undefined ? undefined : JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`OpenAPI: the model schema value at '${where}' cannot be written as JSON`, { cause: error });
  }
}

/** Where `$ref`s without a URI part resolve: the nearest enclosing `$id` resource. */
interface Scope {
  pointer: string;
  base: string | undefined;
}

/** Calls `visit` for every direct subschema of `node` with the pointer segments leading to it. */
function forEachSubschema(node: JsonObject, visit: (child: unknown, segments: string[]) => void): void {
  for (const [key, value] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(key)) {
      if (!isObject(value)) continue;
      for (const [name, child] of Object.entries(value)) {
        if (!Array.isArray(child)) visit(child, [key, name]); // draft-7 `dependencies` may list names
      }
    } else if (SCHEMA_LISTS.has(key) || (SCHEMA_SLOTS.has(key) && Array.isArray(value))) {
      if (Array.isArray(value)) value.forEach((child, i) => visit(child, [key, String(i)]));
    } else if (SCHEMA_SLOTS.has(key)) {
      visit(value, [key]);
    }
  }
}

/** Ids, anchors and resource scopes of one model schema, for resolving its `$ref`s. */
class SourceIndex {
  private readonly ids = new Map<string, string>();
  private readonly anchors = new Map<string, string>();
  private readonly scopes = new WeakMap<object, Scope>();

  constructor(readonly root: JsonObject) {
    this.visit(root, '', { pointer: '', base: undefined }, 0, new Set());
  }

  /** The scope inside `node` when it declares an `$id`, else the enclosing one. */
  static enter(node: JsonObject, pointer: string, outer: Scope): Scope {
    if (typeof node.$id !== 'string') return outer;
    return { pointer, base: resolveUri(node.$id, outer.base) ?? outer.base };
  }

  private visit(node: unknown, pointer: string, outer: Scope, depth: number, ancestors: Set<object>): void {
    if (!isObject(node) || ancestors.has(node)) return;
    if (depth > MAX_SCHEMA_DEPTH) throw new ConfigurationError(`OpenAPI: the model schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep`);
    const scope = SourceIndex.enter(node, pointer, outer);
    if (typeof node.$id === 'string') {
      if (!this.ids.has(node.$id)) this.ids.set(node.$id, pointer);
      if (scope.base !== undefined && !this.ids.has(scope.base)) this.ids.set(scope.base, pointer);
    }
    if (typeof node.$anchor === 'string') {
      const key = `${scope.pointer}#${node.$anchor}`;
      if (!this.anchors.has(key)) this.anchors.set(key, pointer);
    }
    if (!this.scopes.has(node)) this.scopes.set(node, scope);
    ancestors.add(node);
    forEachSubschema(node, (child, segments) => {
      this.visit(child, pointer + segments.map((s) => '/' + escapeSegment(s)).join(''), scope, depth + 1, ancestors);
    });
    ancestors.delete(node);
  }

  scopeOf(node: unknown, fallback: Scope): Scope {
    return (isObject(node) && this.scopes.get(node)) || fallback;
  }

  /**
   * The pointer (from the model root) a `$ref` names: `undefined` when it is not local to
   * the model (left alone), `null` when it is local but names nothing.
   */
  resolve(reference: string, scope: Scope): string | null | undefined {
    const hash = reference.indexOf('#');
    const uri = hash < 0 ? reference : reference.slice(0, hash);
    let resource: string | undefined;
    if (uri === '') resource = scope.pointer;
    else {
      resource = this.ids.get(uri);
      const absolute = resource === undefined ? resolveUri(uri, scope.base) : undefined;
      if (absolute !== undefined) resource = this.ids.get(absolute);
    }
    if (resource === undefined) return undefined;
    let fragment = hash < 0 ? '' : reference.slice(hash + 1);
    try {
      fragment = decodeURIComponent(fragment);
    } catch {
      return null;
    }
    let pointer: string | undefined;
    if (fragment === '') pointer = resource;
    else if (fragment.startsWith('/')) pointer = resource + fragment;
    else pointer = this.anchors.get(`${resource}#${fragment}`);
    return pointer !== undefined && this.isSchemaAt(pointer) ? pointer : null;
  }

  nodeAt(pointer: string): unknown {
    let node: unknown = this.root;
    for (const segment of parsePointer(pointer)) {
      if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(segment)) node = node[Number(segment)];
      else if (isObject(node) && Object.prototype.hasOwnProperty.call(node, segment)) node = node[segment];
      else return undefined;
    }
    return node;
  }

  private isSchemaAt(pointer: string): boolean {
    const node = this.nodeAt(pointer);
    return isObject(node) || typeof node === 'boolean';
  }
}

interface Facet {
  node: JsonObject;
  scope: Scope;
}

function declaresType(schema: JsonObject, type: string): boolean {
  return schema.type === type || (Array.isArray(schema.type) && schema.type.includes(type));
}

interface FoundRef {
  resource: string;
  refType: string;
  onDelete: string;
}

/** Reads one model schema and writes its OpenAPI components. */
class ModelConverter {
  private readonly index: SourceIndex;
  /** `$defs/<name>` (or `definitions/<name>`) → component key. */
  private readonly hoisted = new Map<string, string>();
  /** Pointers of the root and of the schemas it applies (`$ref`, allOf/anyOf/oneOf). */
  private readonly topLevel = new Set<string>();
  private readonly rootScope: Scope;

  constructor(
    private readonly manager: ComponentSource,
    private readonly componentName: string,
    names: NameAllocator,
  ) {
    const root = manager.model.schema;
    this.index = new SourceIndex(root);
    this.rootScope = SourceIndex.enter(root, '', { pointer: '', base: undefined });
    for (const keyword of DEFINITION_KEYWORDS) {
      const defs = root[keyword];
      if (!isObject(defs)) continue;
      for (const [name, def] of Object.entries(defs)) {
        if (isObject(def) || typeof def === 'boolean') {
          this.hoisted.set(`${keyword}/${name}`, names.allocate(name, `${componentName}_${name}`));
        }
      }
    }
    this.collectTopLevel('', { pointer: '', base: undefined });
  }

  private collectTopLevel(pointer: string, outer: Scope): void {
    if (this.topLevel.has(pointer)) return;
    const node = this.index.nodeAt(pointer);
    if (!isObject(node)) return;
    this.topLevel.add(pointer);
    const scope = SourceIndex.enter(node, pointer, outer);
    if (typeof node.$ref === 'string') {
      const target = this.index.resolve(node.$ref, scope);
      if (typeof target === 'string') this.collectTopLevel(target, this.index.scopeOf(this.index.nodeAt(target), scope));
    }
    for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
      const members = node[keyword];
      if (Array.isArray(members)) members.forEach((_, i) => this.collectTopLevel(`${pointer}/${keyword}/${i}`, scope));
    }
  }

  convert(): ModelComponents {
    const root = this.index.root;
    const schemas: Array<[string, unknown]> = [];
    const model = this.copy(root, '', { pointer: '', base: undefined }, 0, new Set()) as JsonObject;
    const displayField = this.manager.model.displayNameField;
    if (displayField !== undefined) model['x-display-name-field'] = displayField;
    schemas.push([this.componentName, model]);
    for (const keyword of DEFINITION_KEYWORDS) {
      const defs = root[keyword];
      if (!isObject(defs)) continue;
      for (const [name, def] of Object.entries(defs)) {
        const key = this.hoisted.get(`${keyword}/${name}`);
        if (key === undefined) continue;
        const pointer = `/${escapeSegment(keyword)}/${escapeSegment(name)}`;
        schemas.push([key, this.copy(def, pointer, this.rootScope, 1, new Set())]);
      }
    }
    return { schemas, relationships: this.relationships() };
  }

  /** Where a resolved source pointer lives in the document. */
  private outputRef(pointer: string): string | null {
    const segments = parsePointer(pointer);
    const [first, second] = segments;
    if (first !== undefined && DEFINITION_KEYWORDS.includes(first)) {
      if (second === undefined) return null;
      const key = this.hoisted.get(`${first}/${second}`);
      if (key !== undefined) return COMPONENT_PREFIX + key + fragmentOf(segments.slice(2));
    }
    return COMPONENT_PREFIX + this.componentName + fragmentOf(segments);
  }

  private copy(node: unknown, pointer: string, outer: Scope, depth: number, ancestors: Set<object>): unknown {
    if (!isObject(node)) return cloneData(node, pointer || '/');
    if (ancestors.has(node)) throw new ConfigurationError(`OpenAPI: the model schema refers to itself as an object at '${pointer}' (use $ref)`);
    if (depth > MAX_SCHEMA_DEPTH) throw new ConfigurationError(`OpenAPI: the model schema is nested more than ${MAX_SCHEMA_DEPTH} levels deep`);
    ancestors.add(node);
    const scope = SourceIndex.enter(node, pointer, outer);
    const out: JsonObject = {};
    const child = (value: unknown, segments: string[]): unknown =>
      this.copy(value, pointer + segments.map((s) => '/' + escapeSegment(s)).join(''), scope, depth + 1, ancestors);
    for (const [key, value] of Object.entries(node)) {
      if (key === '$id' || key === '$anchor') continue;
      if (pointer === '' && DEFINITION_KEYWORDS.includes(key) && isObject(value)) continue; // hoisted
      if (key === '$ref' && typeof value === 'string') {
        const target = this.index.resolve(value, scope);
        if (target === undefined) out.$ref = value;
        else if (target !== null) {
          const ref = this.outputRef(target);
          if (ref !== null) out.$ref = ref;
        }
        continue;
      }
      let copied: unknown;
      if (SCHEMA_MAPS.has(key) && isObject(value)) {
        const map: JsonObject = {};
        for (const [name, sub] of Object.entries(value)) {
          map[name] = Array.isArray(sub) ? cloneData(sub, pointer) : child(sub, [key, name]);
          if (key === 'properties') this.annotateProperty(map[name], sub, scope, this.topLevel.has(pointer));
        }
        copied = map;
      } else if ((SCHEMA_LISTS.has(key) || SCHEMA_SLOTS.has(key)) && Array.isArray(value)) {
        copied = value.map((sub, i) => child(sub, [key, String(i)]));
      } else if (SCHEMA_SLOTS.has(key)) {
        copied = child(value, [key]);
      } else {
        copied = cloneData(value, `${pointer}/${escapeSegment(key)}`);
      }
      if (copied !== undefined) out[key] = copied;
    }
    ancestors.delete(node);
    return out;
  }

  private annotateProperty(target: unknown, source: unknown, scope: Scope, topLevel: boolean): void {
    if (!isObject(target)) return;
    const found = this.findRef(source, this.index.scopeOf(source, scope), false);
    if (found) {
      target['x-ref-resource'] = found.ref.resource;
      target['x-ref-type'] = found.ref.refType;
      if (found.ref.refType === 'resource_id') target['x-ref-on-delete'] = found.ref.onDelete;
    }
    if (topLevel && this.facets(source, scope).some((f) => f.node[UNIQUE_KEYWORD] === true)) target['x-unique'] = true;
  }

  /** The schema with everything it applies: `$ref` targets, allOf/anyOf/oneOf members. */
  private facets(schema: unknown, scope: Scope): Facet[] {
    const out: Facet[] = [];
    const seen = new Set<object>();
    const visit = (node: unknown, outer: Scope): void => {
      if (!isObject(node) || seen.has(node)) return;
      seen.add(node);
      const inner = this.index.scopeOf(node, outer);
      out.push({ node, scope: inner });
      if (typeof node.$ref === 'string') {
        const target = this.index.resolve(node.$ref, inner);
        if (typeof target === 'string') visit(this.index.nodeAt(target), inner);
      }
      for (const keyword of ['allOf', 'anyOf', 'oneOf']) {
        const members = node[keyword];
        if (Array.isArray(members)) for (const member of members) visit(member, inner);
      }
    };
    visit(schema, scope);
    return out;
  }

  /** Core's rule (model.ts findRef): the marker on the field, else on its list items. */
  private findRef(schema: unknown, scope: Scope, inList: boolean): { ref: FoundRef; isList: boolean } | undefined {
    const facets = this.facets(schema, scope);
    for (const { node } of facets) {
      const marker = node[REF_KEYWORD];
      if (isObject(marker) && typeof marker.resource === 'string') {
        const ref: FoundRef = {
          resource: marker.resource,
          refType: typeof marker.ref_type === 'string' ? marker.ref_type : 'resource_id',
          onDelete: typeof marker.on_delete === 'string' ? marker.on_delete : 'dangling',
        };
        return { ref, isList: inList || declaresType(node, 'array') };
      }
    }
    if (inList) return undefined; // lists of lists are not references
    for (const { node, scope: inner } of facets) {
      if (isObject(node.items)) {
        const found = this.findRef(node.items, inner, true);
        if (found) return found;
      }
    }
    return undefined;
  }

  private admitsNull(schema: unknown, scope: Scope): boolean {
    return this.facets(schema, scope).some(
      ({ node }) =>
        declaresType(node, 'null') ||
        (Object.prototype.hasOwnProperty.call(node, 'const') && node.const === null) ||
        (Array.isArray(node.enum) && node.enum.includes(null)),
    );
  }

  /** Reference fields at any depth (nested objects and lists of objects), by dot path. */
  private relationships(): Relationship[] {
    const found = new Map<string, Relationship>();
    let budget = RELATIONSHIP_VISIT_BUDGET;
    const stack = new Set<object>();
    const walk = (schema: unknown, scope: Scope, prefix: string): void => {
      const facets = this.facets(schema, scope);
      if (--budget < 0 || facets.some((f) => stack.has(f.node))) return; // recursion ends here
      for (const f of facets) stack.add(f.node);
      for (const { node, scope: inner } of facets) {
        if (!isObject(node.properties)) continue;
        for (const [name, sub] of Object.entries(node.properties)) {
          const path = prefix === '' ? name : `${prefix}.${name}`;
          const subScope = this.index.scopeOf(sub, inner);
          const ref = this.findRef(sub, subScope, false);
          if (ref) {
            if (!found.has(path)) {
              found.set(path, {
                source: this.manager.name,
                sourceField: path,
                target: ref.ref.resource,
                refType: ref.ref.refType,
                onDelete: ref.ref.onDelete,
                nullable: this.admitsNull(sub, subScope),
              });
            }
            continue;
          }
          walk(sub, subScope, path);
          for (const item of this.facets(sub, subScope)) {
            if (isObject(item.node.items)) walk(item.node.items, item.scope, path);
          }
        }
      }
      for (const f of facets) stack.delete(f.node);
    };
    walk(this.index.root, this.rootScope, '');
    return [...found.values()];
  }
}

/**
 * The components of one model. `componentName` is already allocated; definitions are
 * allocated here (their own name when free, else `<Model>_<name>`).
 */
export function modelComponents(manager: ComponentSource, componentName: string, names: NameAllocator): ModelComponents {
  return new ModelConverter(manager, componentName, names).convert();
}
