/**
 * Route paths as segment patterns: `{name}` matches one non-empty segment, anything else itself.
 * Used to derive Express paths, to find routes that would take each other's requests, and to
 * answer 405 with the methods a path has.
 */
import { ConfigurationError } from '@specstar/interfaces';

/** A segment pattern: a literal, or `undefined` for a `{name}` parameter. */
export type Pattern = ReadonlyArray<string | undefined>;

const PARAM = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** The segments of a declared path; throws on an empty segment or a malformed parameter. */
export function parsePath(path: string): { pattern: Pattern; params: string[] } {
  if (!path.startsWith('/')) throw new ConfigurationError(`Route path '${path}' must start with '/'`);
  const pattern: Array<string | undefined> = [];
  const params: string[] = [];
  for (const segment of path.slice(1).split('/')) {
    const param = PARAM.exec(segment)?.[1];
    if (param !== undefined) {
      if (params.includes(param)) throw new ConfigurationError(`Route path '${path}' names the parameter '${param}' twice`);
      params.push(param);
      pattern.push(undefined);
    } else if (segment === '' || /[{}:*?()]/.test(segment)) {
      throw new ConfigurationError(`Route path '${path}' has an invalid segment '${segment}': use literal text or one {name} per segment`);
    } else {
      pattern.push(segment);
    }
  }
  return { pattern, params };
}

/** The Express 5 path of a declared one: `{name}` → `:name`. */
export const expressPath = (path: string): string => path.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, ':$1');

/** Whether concrete path segments fit a pattern. */
export function fits(pattern: Pattern, segments: readonly string[]): boolean {
  if (pattern.length !== segments.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i];
    if (p === undefined ? segments[i] === '' : p !== segments[i]) return false;
  }
  return true;
}

/** Whether some path fits both patterns. */
export function overlaps(a: Pattern, b: Pattern): boolean {
  return a.length === b.length && a.every((p, i) => p === undefined || b[i] === undefined || p === b[i]);
}

/** Whether every path `a` fits also fits `b`, and `a` is not `b` itself (a literal where `b` has a parameter). */
export function strictlyNarrower(a: Pattern, b: Pattern): boolean {
  if (a.length !== b.length) return false;
  let narrower = false;
  for (let i = 0; i < a.length; i++) {
    const p = a[i];
    const q = b[i];
    if (q === undefined) narrower ||= p !== undefined;
    else if (p !== q) return false;
  }
  return narrower;
}

/** The decoded segments of a request path relative to the router, or undefined when undecodable. */
export function segmentsOf(path: string): string[] | undefined {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  try {
    return trimmed.split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/**
 * What a request to `path` must carry to fit the narrower pattern as well: the literal each of
 * `path`'s parameters must equal where the narrower pattern has one.
 */
export function paramLiterals(path: string, narrower: Pattern): Array<readonly [param: string, literal: string]> {
  const segments = path.slice(1).split('/');
  const out: Array<readonly [string, string]> = [];
  narrower.forEach((literal, i) => {
    const param = PARAM.exec(segments[i] ?? '')?.[1];
    if (literal !== undefined && param !== undefined) out.push([param, literal]);
  });
  return out;
}
