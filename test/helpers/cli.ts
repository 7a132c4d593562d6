import { EventEmitter } from 'node:events';
import path from 'node:path';
import { execa } from 'execa';
import { expect } from 'vitest';
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

/**
 * `geobundle ingest geojson <source> --class <dataClass>` into `db`, then
 * `build-release v1.0.0` into `releases`, in-process; each must succeed.
 */
export async function ingestAndBuild(source: string, dataClass: string, db: string, releases: string): Promise<void> {
  const ingest = await geobundle(['ingest', 'geojson', source, '--class', dataClass, '--db', db, '--quiet']);
  expect(ingest.exitCode, ingest.stderr).toBe(0);
  const built = await geobundle(['build-release', 'v1.0.0', '--db', db, '--releases', releases, '--quiet']);
  expect(built.exitCode, built.stderr).toBe(0);
}

const GEOBUNDLE_BIN = path.join(projectRoot, 'bin', 'geobundle.js');

/** setpriv(1) as uid/gid 65534 (nobody): root passes every permission check, nobody does not. */
const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/**
 * The real CLI as a child process, for the tests whose point is a real
 * process: its exit code, signals, two processes racing, its time zone.
 * `unprivileged` runs it as nobody when this process is root, so file
 * permissions apply to it (any other user is already subject to them).
 * Never rejects: tests look at exitCode, stdout and stderr.
 */
export function spawnGeobundle(args: string[], options: { env?: Record<string, string>; unprivileged?: boolean } = {}) {
  const command = ['node', GEOBUNDLE_BIN, ...args];
  const [file, ...rest] = options.unprivileged && process.getuid?.() === 0 ? [...AS_NOBODY, ...command] : command;
  return execa(file!, rest, { reject: false, env: options.env });
}
