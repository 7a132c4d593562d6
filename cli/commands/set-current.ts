import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { jsonOption, printJson, releasesOption } from '../options.ts';

/** `geobundle set-current <version>`: move the current-release pointer. */
export function register(program: Command, io: CliIo): void {
  program
    .command('set-current')
    .description('point releases/current (symlink) and releases/current.json at an existing release, atomically')
    .argument('<version>', 'a built release, e.g. v1.0.0')
    .addOption(releasesOption(io))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Both pointers are replaced by rename(2), so nginx and the API see the old or
the new release, never a mix. The release must be complete (every file in its
manifest present with the listed size); run verify-release for a full check.

Examples:
  geobundle set-current v1.0.0
  geobundle set-current v1.1.0 --releases /srv/releases`,
    )
    .action(async (version: string, opts: { releases: string; json?: boolean }) => {
      const { setCurrent } = await import('../../pipeline/release/set-current.ts');
      const { current, previous } = await setCurrent(opts.releases, version);
      if (opts.json) printJson(io, { ...current, previous });
      else
        io.stdout.write(
          `current release: ${current.version}${previous && previous !== current.version ? ` (was ${previous})` : ''}\n`,
        );
    });
}
