/**
 * Runs a case, then every clean-up step, each even when the case or an earlier step failed (a
 * store left open would leak into the next case). The case's own failure is the one reported;
 * otherwise the first clean-up failure.
 */
export async function runThenCleanUp(run: () => Promise<void>, steps: () => Array<() => unknown>): Promise<void> {
  let failure: { error: unknown } | undefined;
  try {
    await run();
  } catch (error) {
    failure = { error };
  }
  const cleanUpErrors: unknown[] = [];
  for (const step of steps()) {
    try {
      await step();
    } catch (error) {
      cleanUpErrors.push(error);
    }
  }
  if (failure !== undefined) throw failure.error;
  if (cleanUpErrors.length > 0) throw cleanUpErrors[0];
}
