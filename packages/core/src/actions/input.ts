/**
 * The declared input of an action: compiled once with the model validator (ajv, defaults), and
 * described field by field so a transport can tell which fields take files and how to read
 * text (query strings, path segments, form fields) into typed values.
 */
import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import { alternatives, hasMarker, propertiesOf, type Inspector } from '../model/inspect';
import { BINARY_KEYWORD, compileModel, type CompiledModel, type JsonSchema } from '../model';
import { SchemaResolver, isObject } from '../model/schema-resolver';

/** One top-level field of an action's input. */
export interface ActionInputField {
  name: string;
  /** The JSON types the field admits (empty when the schema does not say). */
  types: string[];
  required: boolean;
  /** A Binary: in multipart requests, a file part of this name fills it. */
  binary: boolean;
}

function declaredTypes(inspector: Inspector, schema: JsonSchema): string[] {
  const types = new Set<string>();
  for (const facet of alternatives(inspector, schema)) {
    if (typeof facet.type === 'string') types.add(facet.type);
    else if (Array.isArray(facet.type)) for (const t of facet.type) if (typeof t === 'string') types.add(t);
    if (isObject(facet.properties)) types.add('object');
  }
  return [...types];
}

function requiredNames(inspector: Inspector, schema: JsonSchema): Set<string> {
  const names = new Set<string>();
  for (const facet of inspector.resolver.facets(schema)) {
    if (Array.isArray(facet.required)) for (const name of facet.required) if (typeof name === 'string') names.add(name);
  }
  return names;
}

export class ActionInput {
  readonly schema: JsonSchema | undefined;
  readonly fields: readonly ActionInputField[];
  private readonly model: CompiledModel | undefined;

  constructor(schema: JsonSchema | undefined, where: string) {
    if (schema !== undefined && !isObject(schema)) throw new ConfigurationError(`${where}: input must be a JSON Schema object`);
    this.schema = schema;
    try {
      this.model = schema === undefined ? undefined : compileModel(schema);
    } catch (error) {
      throw new ConfigurationError(`${where}: the input schema cannot be compiled: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    this.fields = schema === undefined ? [] : describeFields(schema);
  }

  /** Whether some field takes a file. */
  get hasBinary(): boolean {
    return this.model?.hasBinary ?? false;
  }

  /**
   * The input the handler gets: defaults applied and validated (ValidationError naming each
   * failing field), or `{}` for an action without input. Never mutates `value`.
   */
  check(value: unknown, label: string): unknown {
    if (this.model === undefined) return {};
    try {
      return this.model.prepare(value === undefined ? {} : value);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      const issues = error.issues;
      const listed = issues
        .slice(0, 3)
        .map((issue) => `${issue.path || '(root)'} ${issue.message}`)
        .join(', ');
      const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
      throw new ValidationError(`Invalid input for action '${label}': ${listed || error.message}${more}`, { kind: 'type', issues, cause: error });
    }
  }
}

function describeFields(schema: JsonSchema): ActionInputField[] {
  const inspector: Inspector = { resolver: new SchemaResolver(schema) };
  const required = requiredNames(inspector, schema);
  return propertiesOf(inspector, schema).map(([name, sub]) => ({
    name,
    types: declaredTypes(inspector, sub),
    required: required.has(name),
    binary: hasMarker(inspector, sub, BINARY_KEYWORD),
  }));
}
