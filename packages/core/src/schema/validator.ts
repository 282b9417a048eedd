import { ConfigurationError, ValidationError } from '@specstar/interfaces';
import type { Validator } from '@specstar/interfaces';

/**
 * Runs a model validator (a function or an IValidator) on the data about to be written.
 * A ValidationError passes through unchanged; anything else thrown becomes a
 * ValidationError of kind `custom` carrying the original message and the original as cause.
 * A validator that returns `false` rejects too.
 */
export async function runValidator(validator: Validator | undefined, data: unknown): Promise<void> {
  if (validator === undefined) return;
  const check = typeof validator === 'function' ? validator : validator?.validate?.bind(validator);
  if (typeof check !== 'function') {
    throw new ConfigurationError('A validator must be a function or an object with a validate(data) method');
  }
  let outcome: unknown;
  try {
    outcome = await check(data);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as Error).message : String(error);
    throw new ValidationError(message, { kind: 'custom', cause: error });
  }
  if (outcome === false) {
    throw new ValidationError('The validator rejected the data', { kind: 'custom' });
  }
}
