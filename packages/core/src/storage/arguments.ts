import { ValidationError } from '@specstar/interfaces';

/**
 * A store method's resource id argument must be a string: stores key rows and files by it, and a
 * number or object would otherwise be coerced into some other resource's key.
 */
export function checkResourceIdArgument(resourceId: unknown): asserts resourceId is string {
  if (typeof resourceId !== 'string') {
    throw new ValidationError(`A resource id must be a string, got ${typeof resourceId}`, {
      kind: 'input',
      issues: [{ path: '/resource_id', message: 'must be a string' }],
    });
  }
}
