/** Runs `action` and resolves to what it threw or rejected with (sync throws count too). */
export async function caught(action: () => unknown): Promise<unknown> {
  try {
    await action();
  } catch (error) {
    return error;
  }
  return NO_ERROR;
}

const NO_ERROR = Object.freeze({ noErrorThrown: true });

type ErrorClass = abstract new (...args: any[]) => Error;

/**
 * Asserts that `action` fails with an instance of `errorClass` whose payload fields equal
 * `fields` (deep equality per field; messages are never compared). Returns the error.
 */
export async function expectError<E extends ErrorClass>(
  expect: any,
  action: () => unknown,
  errorClass: E,
  fields: Record<string, unknown> = {},
): Promise<InstanceType<E>> {
  const error = await caught(action);
  expect(error).toBeInstanceOf(errorClass);
  for (const [key, value] of Object.entries(fields)) {
    expect({ [key]: (error as Record<string, unknown>)[key] }).toEqual({ [key]: value });
  }
  return error as InstanceType<E>;
}
