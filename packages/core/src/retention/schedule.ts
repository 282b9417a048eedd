import { ConfigurationError } from '@specstar/interfaces';
import type { ResourceManager } from '../manager';
import type { PruneResult } from './prune';

export interface RetentionScheduleOptions {
  /** Called with each model's result after its prune. */
  onPruned?: (model: string, result: PruneResult) => void;
  /** Called when a model's prune fails (default: a process warning); the round goes on with the next model. */
  onError?: (model: string, error: unknown) => void;
}

export interface RetentionSchedule {
  /** Runs one round now (what the timer does): resolves when every model is done. A round already running is joined. */
  runNow(): Promise<void>;
  /** Stops the timer; a round already running finishes. */
  stop(): void;
}

function warn(model: string, error: unknown): void {
  process.emitWarning(`Retention prune of '${model}' failed: ${error instanceof Error ? error.message : String(error)}`);
}

/**
 * Prunes every resource of each model `managers()` yields (those with a `retention` policy) every
 * `intervalMs`, one round at a time (a round still running when the timer fires is not doubled).
 * The timer does not keep the process alive.
 */
export function scheduleRetention(managers: () => Iterable<ResourceManager>, intervalMs: number, options: RetentionScheduleOptions = {}): RetentionSchedule {
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs <= 0) {
    throw new ConfigurationError(`scheduleRetention: intervalMs must be a positive number of milliseconds, got ${String(intervalMs)}`);
  }
  const onError = options.onError ?? warn;
  let running: Promise<void> | undefined;
  const round = async (): Promise<void> => {
    for (const rm of managers()) {
      try {
        const result = await rm.prune({});
        options.onPruned?.(rm.name, result);
      } catch (error) {
        onError(rm.name, error);
      }
    }
  };
  const runNow = (): Promise<void> => {
    running ??= round().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return { runNow, stop: () => clearInterval(timer) };
}
