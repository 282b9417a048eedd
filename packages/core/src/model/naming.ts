import { ConfigurationError } from '@specstar/interfaces';
import type { JsonSchema } from './model';

/** How a model's name is derived from its schema title. */
export type ModelNaming = 'same' | 'pascal' | 'camel' | 'snake' | 'kebab' | ((name: string) => string);

/**
 * Words of an identifier: splits on separators, lower→upper case changes and the end of an
 * acronym run (`HTTPServer` → HTTP, Server).
 */
function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word !== '');
}

const capitalize = (word: string): string => word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();

/** `UserProfile` → `user_profile`, `HTTPServer` → `http_server`. */
export function toSnakeCase(name: string): string {
  return words(name)
    .map((w) => w.toLowerCase())
    .join('_');
}

/** `UserProfile` → `user-profile`, `HTTPServer` → `http-server`. */
export function toKebabCase(name: string): string {
  return words(name)
    .map((w) => w.toLowerCase())
    .join('-');
}

/** `user_profile` → `userProfile`, `HTTPServer` → `httpServer`. */
export function toCamelCase(name: string): string {
  return words(name)
    .map((w, i) => (i === 0 ? w.toLowerCase() : capitalize(w)))
    .join('');
}

/** `user_profile` → `UserProfile`, `HTTPServer` → `HttpServer`. */
export function toPascalCase(name: string): string {
  return words(name).map(capitalize).join('');
}

export function applyNaming(name: string, naming: ModelNaming): string {
  if (typeof naming === 'function') {
    const result = naming(name);
    if (typeof result !== 'string') {
      throw new ConfigurationError(`The modelNaming function returned ${typeof result} for '${name}', expected a string`);
    }
    return result;
  }
  switch (naming) {
    case 'same':
      return name;
    case 'pascal':
      return toPascalCase(name);
    case 'camel':
      return toCamelCase(name);
    case 'snake':
      return toSnakeCase(name);
    case 'kebab':
      return toKebabCase(name);
    default:
      throw new ConfigurationError(
        `Unknown modelNaming '${String(naming)}': use same, pascal, camel, snake, kebab or a function`,
      );
  }
}

const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

/** Model names become URL path segments and storage keys: letters, digits, `_`, `.`, `-`. */
export function assertValidModelName(name: string): void {
  if (typeof name !== 'string' || !VALID_NAME.test(name)) {
    throw new ConfigurationError(
      `Invalid model name ${JSON.stringify(name)}: use letters, digits, '_', '.' and '-', starting with a letter or digit`,
    );
  }
}

/** The last path segment of a schema `$id` without `.json` (`https://x/y/user.json` → `user`). */
function nameFromId(id: string): string {
  const withoutFragment = id.split('#')[0]?.split('?')[0] ?? '';
  const segments = withoutFragment.split('/').filter((s) => s !== '');
  const last = segments[segments.length - 1] ?? '';
  return last.replace(/\.json$/i, '');
}

/**
 * The default model name: the schema `title`, else the last segment of its `$id`, converted
 * by `naming` (default kebab: `UserProfile` → `user-profile`).
 */
export function deriveModelName(schema: JsonSchema, naming: ModelNaming = 'kebab'): string {
  const title = typeof schema?.title === 'string' ? schema.title.trim() : '';
  const base = title !== '' ? title : typeof schema?.$id === 'string' ? nameFromId(schema.$id) : '';
  if (base === '') {
    throw new ConfigurationError(
      "The model needs a name: give its schema a 'title' (or '$id'), or pass { name } to addModel",
    );
  }
  const name = applyNaming(base, naming);
  assertValidModelName(name);
  return name;
}
