import { EventEmitter } from 'node:events';
import path from 'node:path';
import { execa } from 'execa';
import { runCli } from '../../cli/run-cli.ts';
import type { CliIo, Interrupt } from '../../cli/io.ts';
import { projectRoot } from '../../pipeline/paths.ts';

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * A whole geobundle command line run in this process (mapshaper style):
 * output collected in memory, `env` on top of this process's environment.
 * `interrupt` sends SIGINT/SIGTERM to the running command, as a terminal would.
 */
export function cliRun(args: string[], options: { env?: Record<string, string> } = {}) {
  let stdout = '';
  let stderr = '';
  const signals = new EventEmitter();
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: { ...process.env, ...options.env },
    signals,
  };
  const done: Promise<CliResult> = runCli(args, io).then((exitCode) => ({ exitCode, stdout, stderr }));
  return {
    done,
    interrupt: (signal: Interrupt = 'SIGINT') => signals.emit(signal, signal),
    get stdout() {
      return stdout;
    },
  };
}

/** Runs a command line in-process to its end. */
export function geobundle(args: string[], options: { env?: Record<string, string> } = {}): Promise<CliResult> {
  return cliRun(args, options).done;
}

const GEOBUNDLE_BIN = path.join(projectRoot, 'bin', 'geobundle.js');

/**
 * The real CLI as a child process, for the tests whose point is a real
 * process: its exit code, signals, two processes racing, its time zone.
 * Never rejects: tests look at exitCode, stdout and stderr.
 */
export function spawnGeobundle(args: string[], options: { env?: Record<string, string> } = {}) {
  return execa('node', [GEOBUNDLE_BIN, ...args], { reject: false, env: options.env });
}
