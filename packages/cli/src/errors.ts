/** Exit codes scripts can rely on (documented in the README). */
export const EXIT = {
  ok: 0,
  /** Anything else: a storage failure, a corrupt archive, a duplicate under raise_error. */
  failure: 1,
  /** The command line is wrong: unknown option, bad value, unknown model name. */
  usage: 2,
  /** The backend config or the models module cannot be used. */
  config: 3,
} as const;

/** An error the CLI reports as one line naming what is wrong, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
