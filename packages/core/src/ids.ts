import { ValidationError } from '@specstar/interfaces';

// Ids become file names, object keys and URL path segments: no separators, no control characters.
const FORBIDDEN_ID_CHARS = /[/\\\u0000-\u001f\u007f]/;
const MAX_ID_LENGTH = 512;

/** Checks a caller-supplied resource id and returns it; ValidationError naming resource_id otherwise. */
export function checkResourceId(id: unknown): string {
  const fail = (message: string): never => {
    throw new ValidationError(`Invalid resource_id ${JSON.stringify(id)}: ${message}`, {
      kind: 'input',
      issues: [{ path: 'resource_id', message }],
    });
  };
  if (typeof id !== 'string') return fail('must be a string');
  if (id.trim().length === 0) return fail('must not be empty or whitespace');
  if (id.length > MAX_ID_LENGTH) return fail(`must be at most ${MAX_ID_LENGTH} characters`);
  if (FORBIDDEN_ID_CHARS.test(id)) return fail('must not contain /, \\ or control characters');
  return id;
}
