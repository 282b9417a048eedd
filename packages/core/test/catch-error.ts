/** The error `fn` throws; fails the test when it throws nothing. */
export function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

/** What `action` rejects with (a promise, or a function returning one); fails the test when it resolves. */
export async function rejection(action: Promise<unknown> | (() => Promise<unknown>)): Promise<unknown> {
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}
