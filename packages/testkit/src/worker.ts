import { spawn } from 'node:child_process';

/** One JSON object a worker printed on a line of its stdout. */
export type WorkerLine = Record<string, unknown>;

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  /** Everything the worker wrote to stderr. */
  stderr: string;
}

export interface WorkerProcessOptions {
  /** Arguments for node itself, placed before the script, e.g. `['-r', registerHook]`. */
  nodeArgs?: readonly string[];
}

/** A child node process that reports by printing one JSON object per stdout line. */
export interface WorkerProcess {
  /** The lines printed so far, in order. */
  readonly lines: readonly WorkerLine[];
  /**
   * Resolves once the process has ended and its output is read. Rejects if it could not be
   * started, or if it printed a line that is not a JSON object (the error quotes the line and
   * stderr), so bad output fails the awaiting test instead of throwing inside a stream handler.
   */
  readonly exit: Promise<WorkerExit>;
  /** Resolves when the worker has printed a line with this key; rejects if it ends without one. */
  said(key: string): Promise<void>;
  /** Writes the last input to the worker's stdin and closes it. */
  send(text: string): void;
}

/**
 * Starts `node ...nodeArgs script ...args` and collects its stdout lines and stderr. The caller
 * supplies every path, so the kit stays free of repository layout and of any test runner.
 */
export function startWorkerProcess(script: string, args: readonly string[] = [], options: WorkerProcessOptions = {}): WorkerProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const lines: WorkerLine[] = [];
  const waiters: Array<{ key: string; resolve(): void; reject(error: Error): void }> = [];
  let pending = '';
  let stderr = '';
  let malformed: string | undefined;
  /** Set once the process is over: why a said() still waiting can no longer resolve. */
  let ended: ((key: string) => Error) | undefined;

  const take = (text: string): void => {
    let line: unknown;
    try {
      line = JSON.parse(text);
    } catch {
      line = undefined;
    }
    if (typeof line !== 'object' || line === null || Array.isArray(line)) {
      malformed ??= text;
      return;
    }
    lines.push(line as WorkerLine);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.key in line) waiters.splice(i, 1)[0]!.resolve();
    }
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) take(part);
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  // A worker that exits before reading its input makes send() hit EPIPE; its exit code and
  // stderr already tell the story, so the write error must not become an uncaught exception.
  child.stdin.on('error', () => undefined);

  const exit = new Promise<WorkerExit>((resolve, reject) => {
    const settle = (error: Error | undefined, code: number | null): void => {
      if (ended !== undefined) return;
      ended = (key) => error ?? new Error(`${script} exited (code ${code}) without printing "${key}"\nstderr:\n${stderr}`);
      for (const waiter of waiters.splice(0)) waiter.reject(ended(waiter.key));
      if (error === undefined) resolve({ code, stderr });
      else reject(error);
    };
    child.on('error', (error) => settle(error, null));
    child.on('close', (code) => {
      if (pending !== '') take(pending);
      pending = '';
      settle(malformed === undefined ? undefined : new Error(`${script} printed a line that is not a JSON object: ${malformed}\nstderr:\n${stderr}`), code);
    });
  });
  // Callers that only await said() must not leave an unhandled rejection behind.
  exit.catch(() => undefined);

  return {
    lines,
    exit,
    said: (key) => {
      if (lines.some((line) => key in line)) return Promise.resolve();
      if (ended !== undefined) return Promise.reject(ended(key));
      return new Promise<void>((resolve, reject) => waiters.push({ key, resolve, reject }));
    },
    send: (text) => child.stdin.end(text),
  };
}

// ---- the worker's side of the same protocol -------------------------------------------------

/** Prints one JSON object on its own stdout line, as `lines` and `said()` read it. */
export function reportLine(line: WorkerLine): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** Resolves when the parent calls `send()`: the start signal of a race. */
export function waitForGo(): Promise<void> {
  return new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
}

/** Runs a worker's main; a failure is written to stderr with its stack and ends the process with code 1. */
export function runWorker(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  });
}
