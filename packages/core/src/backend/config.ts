import { fileURLToPath } from 'node:url';
import type { BackendBinding, BackendConfigInput, BackendDefaults, BackendRole, ConnectionProfile } from '@specstar/interfaces';
import { BackendConfigError, fieldPath } from './errors';
import { expandEnv, type Environment } from './expand';
import { readJsonFile } from './json-file';
import { isPlainObject } from '../value-predicates';

/** What `backend:` accepts: a BackendConfig (used as is), a plain object, or a JSON file path. */
export type BackendConfigValue = BackendConfig | BackendConfigInput | string | URL;

export interface BackendConfigReadOptions {
  /** Variables for `${NAME}` expansion; default `process.env`. */
  env?: Environment;
}

export const BACKEND_ROLES: ReadonlyArray<BackendRole> = ['meta', 'resource', 'blob', 'mq'];

export type ResolvedDefaults = Readonly<Required<BackendDefaults>>;

export const DEFAULT_BACKEND_DEFAULTS: ResolvedDefaults = Object.freeze({
  encoding: 'json',
  table_prefix: '',
  blob_prefix: 'blobs/',
  upload_method: 'proxy',
  presigned_url_expiry: 3600,
});

/** A connection profile with every default filled in. */
export interface NormalizedConnection {
  readonly type: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly enabled: boolean;
  readonly tags: ReadonlyArray<string>;
}

/** A role binding with every default filled in; exactly one of `use` and `type` is set. */
export interface NormalizedBinding {
  readonly use: string | null;
  readonly type: string | null;
  readonly options: Readonly<Record<string, unknown>>;
  readonly required: boolean;
}

type Path = Array<string | number>;


function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'object') return 'an object';
  // oxlint-disable-next-line typescript/no-base-to-string -- objects returned above; only primitives and functions reach String().
  return `${typeof value} ${String(value)}`;
}

function invalid(path: Path, expected: string, got: unknown): BackendConfigError {
  const field = fieldPath(path);
  return new BackendConfigError(`Backend config field '${field}' must be ${expected}, got ${describe(got)}`, { problem: 'invalid_field', field });
}

function checkKeys(value: Record<string, unknown>, allowed: ReadonlyArray<string>, path: Path): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const field = fieldPath([...path, key]);
      throw new BackendConfigError(
        `Unknown backend config field '${field}'${path.length === 0 ? '' : ` in '${fieldPath(path)}'`} (known: ${allowed.join(', ')})`,
        { problem: 'unknown_field', field },
      );
    }
  }
}

function readObject(value: unknown, path: Path): Record<string, unknown> {
  if (!isPlainObject(value)) throw invalid(path, 'an object', value);
  return value;
}

function readNonEmptyString(value: unknown, path: Path): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(path, 'a non-empty string', value);
  return value;
}

/**
 * Copies plain objects and arrays so later edits of the input change nothing; other values are
 * kept. Nested values are not frozen: providers may hand them to client libraries that mutate.
 */
function copyTree(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(copyTree);
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      Object.defineProperty(out, key, { value: copyTree(item), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

function readOptions(value: unknown, path: Path): Readonly<Record<string, unknown>> {
  if (value === undefined) return Object.freeze({});
  return Object.freeze(copyTree(readObject(value, path)) as Record<string, unknown>);
}

function readDefaults(value: unknown): ResolvedDefaults {
  if (value === undefined) return DEFAULT_BACKEND_DEFAULTS;
  const path = ['defaults'];
  const input = readObject(value, path);
  checkKeys(input, Object.keys(DEFAULT_BACKEND_DEFAULTS), path);
  const { encoding, table_prefix, blob_prefix, upload_method, presigned_url_expiry } = { ...DEFAULT_BACKEND_DEFAULTS, ...input };
  if (encoding !== 'json' && encoding !== 'msgpack') throw invalid([...path, 'encoding'], "'json' or 'msgpack'", encoding);
  if (typeof table_prefix !== 'string') throw invalid([...path, 'table_prefix'], 'a string', table_prefix);
  if (typeof blob_prefix !== 'string') throw invalid([...path, 'blob_prefix'], 'a string', blob_prefix);
  if (upload_method !== 'proxy' && upload_method !== 'single_put') throw invalid([...path, 'upload_method'], "'proxy' or 'single_put'", upload_method);
  if (typeof presigned_url_expiry !== 'number' || !Number.isInteger(presigned_url_expiry) || presigned_url_expiry < 1) {
    throw invalid([...path, 'presigned_url_expiry'], 'a positive integer (seconds)', presigned_url_expiry);
  }
  return Object.freeze({ encoding, table_prefix, blob_prefix, upload_method, presigned_url_expiry });
}

function readConnection(value: unknown, name: string): NormalizedConnection {
  const path = ['connections', name];
  const input = readObject(value, path);
  checkKeys(input, ['type', 'options', 'enabled', 'tags'], path);
  if (input.type === undefined) {
    const field = fieldPath([...path, 'type']);
    throw new BackendConfigError(`Connection '${name}' needs a 'type' (the provider name, e.g. 'disk')`, { problem: 'invalid_field', field, connection: name });
  }
  const type = readNonEmptyString(input.type, [...path, 'type']);
  const enabled = input.enabled ?? true;
  if (typeof enabled !== 'boolean') throw invalid([...path, 'enabled'], 'a boolean', enabled);
  const tags = input.tags ?? [];
  if (!Array.isArray(tags)) throw invalid([...path, 'tags'], 'an array of strings', tags);
  tags.forEach((tag, index) => {
    if (typeof tag !== 'string') throw invalid([...path, 'tags', index], 'a string', tag);
  });
  return Object.freeze({ type, options: readOptions(input.options, [...path, 'options']), enabled, tags: Object.freeze([...(tags as string[])]) });
}

function readConnections(value: unknown): Readonly<Record<string, NormalizedConnection>> {
  if (value === undefined) return Object.freeze({});
  const input = readObject(value, ['connections']);
  const out: Record<string, NormalizedConnection> = {};
  for (const [name, profile] of Object.entries(input)) {
    if (name.trim() === '') throw invalid(['connections'], 'an object whose keys are non-empty connection names', input);
    Object.defineProperty(out, name, { value: readConnection(profile, name), enumerable: true });
  }
  return Object.freeze(out);
}

const MEMORY_BINDING: NormalizedBinding = Object.freeze({ use: null, type: 'memory', options: Object.freeze({}), required: true });

function readBinding(value: unknown, role: BackendRole): NormalizedBinding {
  const path = [role];
  const input = readObject(value, path);
  checkKeys(input, ['use', 'type', 'options', 'required'], path);
  const use = input.use === undefined || input.use === null ? null : readNonEmptyString(input.use, [role, 'use']);
  const type = input.type === undefined || input.type === null ? null : readNonEmptyString(input.type, [role, 'type']);
  if (use !== null && type !== null) {
    throw new BackendConfigError(`Backend binding '${role}' sets both 'use' (${use}) and 'type' (${type}): set one`, {
      problem: 'invalid_field',
      field: role,
      role,
    });
  }
  if (use === null && type === null) {
    throw new BackendConfigError(`Backend binding '${role}' needs 'use' (a connection name) or 'type' (a provider)`, {
      problem: 'invalid_field',
      field: role,
      role,
    });
  }
  const required = input.required ?? true;
  if (typeof required !== 'boolean') throw invalid([role, 'required'], 'a boolean', required);
  if (!required && (role === 'meta' || role === 'resource')) {
    throw new BackendConfigError(`Backend binding '${role}' cannot be optional (required: false): every model needs ${role} storage`, {
      problem: 'invalid_field',
      field: fieldPath([role, 'required']),
      role,
    });
  }
  return Object.freeze({ use, type, options: readOptions(input.options, [role, 'options']), required });
}

function isDefaultBinding(binding: NormalizedBinding): boolean {
  return binding.use === null && binding.type === 'memory' && Object.keys(binding.options).length === 0 && binding.required;
}

function bindingToJSON(binding: NormalizedBinding): BackendBinding {
  return {
    ...(binding.use !== null && { use: binding.use }),
    ...(binding.type !== null && { type: binding.type }),
    ...(Object.keys(binding.options).length > 0 && { options: { ...binding.options } }),
    ...(!binding.required && { required: false }),
  };
}

/**
 * The unified backend configuration: shared defaults, named connection
 * profiles, and one binding per role. Constructing one validates every field and fills in the
 * defaults; it never expands environment variables (a typed config is taken literally).
 */
export class BackendConfig {
  readonly version = 1 as const;
  readonly defaults: ResolvedDefaults;
  readonly connections: Readonly<Record<string, NormalizedConnection>>;
  readonly meta: NormalizedBinding;
  readonly resource: NormalizedBinding;
  readonly blob: NormalizedBinding;
  /** null: no message queue factory is created. */
  readonly mq: NormalizedBinding | null;

  constructor(input: BackendConfigInput = {}) {
    const value: unknown = input;
    const raw = readObject(value, []);
    checkKeys(raw, ['version', 'defaults', 'connections', ...BACKEND_ROLES], []);
    if (raw.version !== undefined && raw.version !== 1) throw invalid(['version'], '1 (the only config version)', raw.version);
    this.defaults = readDefaults(raw.defaults);
    this.connections = readConnections(raw.connections);
    this.meta = raw.meta === undefined ? MEMORY_BINDING : readBinding(raw.meta, 'meta');
    this.resource = raw.resource === undefined ? MEMORY_BINDING : readBinding(raw.resource, 'resource');
    this.blob = raw.blob === undefined ? MEMORY_BINDING : readBinding(raw.blob, 'blob');
    this.mq = raw.mq === undefined || raw.mq === null ? null : readBinding(raw.mq, 'mq');
    Object.freeze(this);
  }

  /**
   * A BackendConfig from any accepted input: a BackendConfig is returned as is (no expansion);
   * a string or file URL is read as a JSON file; a plain object is converted. File contents and
   * plain objects get `${NAME}` / `$NAME` expansion in their string values first.
   */
  static fromValue(value: BackendConfigValue, options: BackendConfigReadOptions = {}): BackendConfig {
    if (value instanceof BackendConfig) return value;
    if (typeof value === 'string' || value instanceof URL) return BackendConfig.fromJsonFile(value, options);
    if (isPlainObject(value)) return new BackendConfig(expandEnv(value, { env: options.env }) as BackendConfigInput);
    throw new BackendConfigError(
      `backend must be a BackendConfig, a plain object or a path to a JSON file, got ${describe(value)}`,
      { problem: 'invalid_input', field: 'backend' },
    );
  }

  /** Reads a JSON config file, expands `${NAME}` in its strings and validates it. */
  static fromJsonFile(file: string | URL, options: BackendConfigReadOptions = {}): BackendConfig {
    const path = file instanceof URL ? fileURLToPath(file) : file;
    if (path.trim() === '') throw new BackendConfigError('The backend config file path is empty', { problem: 'invalid_input', field: 'backend' });
    const parsed = readJsonFile(path);
    try {
      return new BackendConfig(expandEnv(parsed, { env: options.env, file: path }) as BackendConfigInput);
    } catch (error) {
      if (error instanceof BackendConfigError && error.file === undefined) {
        throw new BackendConfigError(`${error.message} (in ${path})`, { ...errorDetails(error), file: path, cause: error.cause });
      }
      throw error;
    }
  }

  /** The config with every field equal to its default omitted. */
  toJSON(): BackendConfigInput {
    const defaults: BackendDefaults = {};
    for (const [key, fallback] of Object.entries(DEFAULT_BACKEND_DEFAULTS)) {
      const current = this.defaults[key as keyof BackendDefaults];
      if (current !== fallback) Object.assign(defaults, { [key]: current });
    }
    const connections: Record<string, ConnectionProfile> = {};
    for (const [name, profile] of Object.entries(this.connections)) {
      connections[name] = {
        type: profile.type,
        ...(Object.keys(profile.options).length > 0 && { options: { ...profile.options } }),
        ...(!profile.enabled && { enabled: false }),
        ...(profile.tags.length > 0 && { tags: [...profile.tags] }),
      };
    }
    const out: BackendConfigInput = {};
    if (Object.keys(defaults).length > 0) out.defaults = defaults;
    if (Object.keys(connections).length > 0) out.connections = connections;
    if (!isDefaultBinding(this.meta)) out.meta = bindingToJSON(this.meta);
    if (!isDefaultBinding(this.resource)) out.resource = bindingToJSON(this.resource);
    if (!isDefaultBinding(this.blob)) out.blob = bindingToJSON(this.blob);
    if (this.mq !== null) out.mq = bindingToJSON(this.mq);
    return out;
  }
}

function errorDetails(error: BackendConfigError): Omit<ConstructorParameters<typeof BackendConfigError>[1], 'cause'> {
  return {
    problem: error.problem,
    field: error.field,
    role: error.role,
    connection: error.connection,
    provider: error.provider,
    option: error.option,
    variable: error.variable,
    package: error.package,
    line: error.line,
    column: error.column,
  };
}
