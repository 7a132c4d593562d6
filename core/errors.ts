/**
 * The one error type of geobundle. Its message is the one line a user sees
 * (the CLI prints it and exits with `exitCode`), so it names the file, the
 * feature and the field involved, and what to do about it.
 */
export class GeobundleError extends Error {
  readonly exitCode: number;

  constructor(message: string, options: { exitCode?: number; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = 'GeobundleError';
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Exit codes shared by every command (documented in the README). */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The target already exists and will not be overwritten (immutable releases). */
  exists: 3,
  /** verify-release found mismatches. */
  mismatch: 4,
} as const;

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
