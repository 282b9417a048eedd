import type { Gate } from './types';

export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

const POLL_MS = 20;

/**
 * Polls `probe` until it returns a value other than undefined/false, and returns it. After
 * `timeoutMs` it fails with `what` and the last value or error seen: a hang guard, never a
 * speed check, so the timeout is generous.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const seen = last instanceof Error ? `${last.name}: ${last.message}` : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last seen: ${seen})`);
    }
    await sleep(POLL_MS / 1000);
  }
}

/** A latch. Clean-up opens every gate of a case, so a handler never outlives its case. */
export function createGate(): Gate {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    wait(signal) {
      if (!signal) return opened;
      if (signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        signal.addEventListener('abort', () => resolve(), { once: true });
        void opened.then(resolve);
      });
    },
  };
}
