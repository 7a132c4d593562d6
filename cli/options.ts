/** Options shared by several commands, declared once so their help reads the same everywhere. */
import { InvalidArgumentError, Option } from 'commander';
import { defaultDbPath, defaultReleasesDir } from '../pipeline/paths.ts';
import type { CliIo } from './io.ts';

export const dbOption = (io: CliIo) =>
  new Option('--db <path>', 'DuckDB source database (env GEOBUNDLE_DB)').default(defaultDbPath(io.env));

export const releasesOption = (io: CliIo) =>
  new Option('--releases <dir>', 'directory holding the releases (env GEOBUNDLE_RELEASES)').default(
    defaultReleasesDir(io.env),
  );

export const quietOption = () => new Option('-q, --quiet', 'print no progress on stderr');

export const jsonOption = () => new Option('--json', 'print a machine-readable JSON summary on stdout');

/** Option-argument parser for counts and sizes; a bad value is a usage error (exit 2), like any other. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** JSON on stdout, indented, with a final newline: what every `--json` prints. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
