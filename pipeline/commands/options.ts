import { InvalidArgumentError, Option } from 'commander';
import { defaultDbPath, defaultReleasesDir } from '../paths.ts';

/** Options shared by several commands, declared once so their help reads the same everywhere. */
export const dbOption = () =>
  new Option('--db <path>', 'DuckDB source database (env GEOBUNDLE_DB)').default(defaultDbPath());

export const releasesOption = () =>
  new Option('--releases <dir>', 'directory holding the releases (env GEOBUNDLE_RELEASES)').default(
    defaultReleasesDir(),
  );

export const quietOption = () => new Option('-q, --quiet', 'print no progress on stderr');

export const jsonOption = () => new Option('--json', 'print a machine-readable JSON summary on stdout');

/** Option-argument parser for counts and sizes; a bad value is a usage error (exit 2), like any other. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}
