/**
 * Names an action derives from its handler and path: the route path, the label, the job model
 * name and the Pascal-case names of its generated schemas. They appear in routes, resource names
 * and OpenAPI components, so they follow the Python project's rules exactly (`str.title()`).
 */
import { ConfigurationError } from '@specstar/interfaces';

/** `{name}` path segments. */
const TEMPLATE = /\{([^{}]*)\}/g;
const PARAM_SEGMENT = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9._~!$&'()*+,;=@-]+$/;

/** Whether a character has an upper and a lower case (what Python calls a cased character). */
const isCased = (char: string): boolean => char.toLowerCase() !== char.toUpperCase();

/**
 * Python's `str.title()`: a cased character that follows an uncased one (or starts the text) is
 * upper-cased, every other cased character lower-cased. `import from url` → `Import From Url`,
 * `x1st` → `X1St`.
 */
export function pyTitle(text: string): string {
  let out = '';
  let previousCased = false;
  for (const char of text) {
    if (isCased(char)) {
      out += previousCased ? char.toLowerCase() : char.toUpperCase();
      previousCased = true;
    } else {
      out += char;
      previousCased = false;
    }
  }
  return out;
}

/** The default path of a handler: its function name with `_` → `-` (`action` for anonymous handlers). */
export function pathFromHandler(handlerName: string): string {
  return (handlerName === '' ? 'action' : handlerName).replace(/_/g, '-');
}

/**
 * A configured or derived path, checked: leading `/` stripped, segments are literal text or one
 * `{name}` each, parameter names distinct and not reserved. Returns the path and its parameters.
 */
export function checkActionPath(raw: string, reserved: readonly string[], where: string): { path: string; params: string[] } {
  if (typeof raw !== 'string') throw new ConfigurationError(`${where}: path must be a string, got ${typeof raw}`);
  const path = raw.replace(/^\/+/, '');
  if (path === '') throw new ConfigurationError(`${where}: the path is empty`);
  const params: string[] = [];
  for (const segment of path.split('/')) {
    const param = PARAM_SEGMENT.exec(segment)?.[1];
    if (param !== undefined) {
      if (reserved.includes(param)) throw new ConfigurationError(`${where}: the path parameter '{${param}}' is reserved by the route; use another name`);
      if (params.includes(param)) throw new ConfigurationError(`${where}: the path names the parameter '{${param}}' twice`);
      params.push(param);
    } else if (!LITERAL_SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw new ConfigurationError(`${where}: invalid path segment '${segment}' in '${raw}'; use literal text or one {name} per segment`);
    }
  }
  return { path, params };
}

/** The default label: the path with `-` → space, title-cased (`import-from-url` → `Import From Url`). */
export function labelOf(path: string): string {
  return pyTitle(path.replace(/-/g, ' '));
}

/**
 * The path without template segments, `/` → `-`, runs of `-` collapsed, no leading or trailing
 * `-`: `/{slug}/create` → `create`, `generate-article` → `generate-article`.
 */
export function cleanPath(path: string): string {
  return path
    .replace(TEMPLATE, '')
    .replace(/\//g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** The default job model name: `{clean(path)}-job`, or `{resource}-job` when nothing is left. */
export function defaultJobName(path: string, resourceName: string): string {
  const cleaned = cleanPath(path);
  return `${cleaned === '' ? resourceName : cleaned}-job`;
}

/** `-` → space, title-cased, spaces removed: `generate-article` → `GenerateArticle`. */
export function pascalOf(text: string): string {
  return pyTitle(text.replace(/-/g, ' ')).replace(/ /g, '');
}

/** The generated schema names of a job-mode action: `{ActionPascal}{ResourcePascal}Payload` / `…Job`. */
export function generatedNames(path: string, resourceName: string): { payload: string; updatePayload: string; job: string } {
  const resource = pascalOf(resourceName);
  const action = pascalOf(cleanPath(path));
  // The update wrapper is named after the raw path, as upstream names it.
  return { payload: `${action}${resource}Payload`, updatePayload: `${pascalOf(path)}${resource}UpdatePayload`, job: `${action}${resource}Job` };
}
