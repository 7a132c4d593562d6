import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { releasesOption } from '../options.ts';

/** `geobundle next-version`: what the daily job builds next. */
export function register(program: Command, io: CliIo): void {
  program
    .command('next-version')
    .description(
      'print the patch version after the newest release (v1.4.2 → v1.4.3; v1.0.0 when there is none), ' +
        'for the daily refresh job; only version directory names are read, so a damaged manifest or current.json cannot fail it',
    )
    .addOption(releasesOption(io))
    .addHelpText('after', '\nExample:\n  geobundle build-release "$(geobundle next-version)"')
    .action(async (opts: { releases: string }) => {
      const { nextVersion } = await import('../../pipeline/release/store/versions.ts');
      io.stdout.write(`${nextVersion(opts.releases)}\n`);
    });
}
