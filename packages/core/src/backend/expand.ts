import { BackendConfigError, fieldPath } from './errors';
import { isPlainObject } from '../value-predicates';

/** Where variables come from; `process.env` unless a caller passes its own. */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ExpandOptions {
  env?: Environment;
  /** The JSON file the value came from, for error messages. */
  file?: string;
}

// `$$` is an escaped dollar; `${…}` is a braced reference (its content checked below);
// `$NAME` is a bare reference. A `$` followed by anything else stays as it is.
const REFERENCE = /\$\$|\$\{([^}]*)\}?|\$([A-Za-z_][A-Za-z0-9_]*)/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function where(path: ReadonlyArray<string | number>, file: string | undefined): string {
  const field = fieldPath(path) || '<root>';
  return file === undefined ? field : `${field} in ${file}`;
}

function expandString(text: string, path: ReadonlyArray<string | number>, env: Environment, file: string | undefined): string {
  return text.replace(REFERENCE, (match: string, braced: string | undefined, bare: string | undefined) => {
    if (match === '$$') return '$';
    const closed = braced === undefined || match.endsWith('}');
    const name = bare ?? braced ?? '';
    if (!closed || !VARIABLE_NAME.test(name)) {
      throw new BackendConfigError(
        `Malformed environment reference '${match}' at ${where(path, file)}: write \${NAME} or $NAME (NAME: letters, digits, '_'), or $$ for a literal '$'`,
        { problem: 'invalid_reference', field: fieldPath(path), file },
      );
    }
    const value = env[name];
    if (value === undefined) {
      throw new BackendConfigError(`Environment variable ${name} is not set (used at ${where(path, file)})`, {
        problem: 'unset_variable',
        variable: name,
        field: fieldPath(path),
        file,
      });
    }
    return value;
  });
}

/**
 * Expands `${NAME}` and `$NAME` in every string value of a JSON-like tree (object keys are left
 * alone) and returns a new tree. An unset variable is an error naming it and the field that
 * uses it: a silently unexpanded `${POSTGRES_DSN}` would only fail later, far from its cause.
 * `$$` stands for a literal `$` (needed now that unknown names are errors).
 */
export function expandEnv(value: unknown, options: ExpandOptions = {}): unknown {
  const env = options.env ?? process.env;
  const walk = (node: unknown, path: Array<string | number>): unknown => {
    if (typeof node === 'string') return expandString(node, path, env, options.file);
    if (Array.isArray(node)) return node.map((item, index) => walk(item, [...path, index]));
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      // defineProperty: a "__proto__" key from JSON.parse stays a plain key, never a prototype.
      for (const [key, item] of Object.entries(node)) {
        Object.defineProperty(out, key, { value: walk(item, [...path, key]), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return node;
  };
  return walk(value, []);
}
