import os from 'node:os';
import type { EventEmitter } from 'node:events';
import { stderrProgress, type Progress } from '../pipeline/progress.ts';

/**
 * Everything a command touches outside its arguments, passed in rather than
 * taken from `process`, so a whole command line runs in-process (tests) just
 * as it does from bin/geobundle.js.
 */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Where defaults such as GEOBUNDLE_DB come from. */
  env: Record<string, string | undefined>;
  /**
   * Where interruptions come from: `process` for the real CLI, an emitter in
   * tests. A command that must clean up (build-release) or stop servers
   * (serve) listens for SIGINT/SIGTERM here; a command that does not is
   * ended by the signal as Node ends any process.
   */
  signals: Pick<EventEmitter, 'on' | 'off'>;
}

export type Interrupt = 'SIGINT' | 'SIGTERM';
export const INTERRUPTS: readonly Interrupt[] = ['SIGINT', 'SIGTERM'];

/** The exit code of a process ended by `signal`, as shells report it (128 + signal number). */
export function interruptedExitCode(signal: Interrupt): number {
  return 128 + os.constants.signals[signal];
}

/**
 * Calls `handler` on each interruption until the returned function is
 * called. Call that only once the command has finished stopping: execa's
 * exit hook (signal-exit) re-raises a signal that no other listener
 * handles, which would end the process before it is done.
 */
export function onInterrupt(io: CliIo, handler: (signal: Interrupt) => void): () => void {
  const listeners = INTERRUPTS.map((signal) => [signal, () => handler(signal)] as const);
  for (const [signal, listener] of listeners) io.signals.on(signal, listener);
  return () => {
    for (const [signal, listener] of listeners) io.signals.off(signal, listener);
  };
}

/** Progress lines on the command's stderr (`--quiet` silences them). */
export function progressOf(io: CliIo, quiet: boolean | undefined): Progress {
  return stderrProgress(io.stderr, Boolean(quiet));
}

/** The process's own streams, environment and signals: what bin/geobundle.js runs with. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, signals: process };
}
