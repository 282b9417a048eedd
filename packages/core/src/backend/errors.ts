import { ConfigurationError } from '@specstar/interfaces';
import type { BackendRole } from '@specstar/interfaces';

/** What went wrong, as a stable token tests and tools can switch on. */
export type BackendProblem =
  | 'invalid_input' // backend= is neither a BackendConfig, a plain object nor a file path
  | 'invalid_field' // a field has the wrong type or value
  | 'unknown_field' // a key the config format does not have (usually a typo)
  | 'unreadable_file'
  | 'malformed_json'
  | 'unset_variable'
  | 'invalid_reference' // a `${…}` that is not a variable reference
  | 'unknown_connection'
  | 'disabled_connection'
  | 'unknown_provider'
  | 'role_not_supported'
  | 'missing_option'
  | 'missing_package'
  | 'package_load_failed'
  | 'invalid_provider'
  | 'provider_failed' // validate() or a build call threw something that is not a SpecStar error
  | 'async_validation'; // the synchronous constructor met a provider that validates asynchronously

export interface BackendConfigErrorDetails {
  problem: BackendProblem;
  /** Where in the config: `connections.pg.options.dsn`, `meta.use`, … */
  field?: string;
  role?: BackendRole;
  connection?: string;
  provider?: string;
  option?: string;
  variable?: string;
  package?: string;
  file?: string;
  /** 1-based position of a JSON syntax error. */
  line?: number;
  column?: number;
  cause?: unknown;
}

/**
 * A ConfigurationError raised while reading or resolving a backend config. The payload fields
 * name the offender, so callers (and tests) need not parse the message.
 */
export class BackendConfigError extends ConfigurationError {
  readonly problem: BackendProblem;
  readonly field?: string;
  readonly role?: BackendRole;
  readonly connection?: string;
  readonly provider?: string;
  readonly option?: string;
  readonly variable?: string;
  readonly package?: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;

  constructor(message: string, details: BackendConfigErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.problem = details.problem;
    this.field = details.field;
    this.role = details.role;
    this.connection = details.connection;
    this.provider = details.provider;
    this.option = details.option;
    this.variable = details.variable;
    this.package = details.package;
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
  }
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['connections', 'my.pg', 'options']` → `connections["my.pg"].options`. */
export function fieldPath(parts: ReadonlyArray<string | number>): string {
  let path = '';
  for (const part of parts) {
    if (typeof part === 'number') path += `[${part}]`;
    else if (IDENTIFIER.test(part)) path += path === '' ? part : `.${part}`;
    else path += `[${JSON.stringify(part)}]`;
  }
  return path;
}
