import { Option, type Command } from 'commander';
import { formatBytes } from '../../pipeline/format-bytes.ts';
import type { CliIo } from '../io.ts';
import { jsonOption, printJson, releasesOption, wholeNumber } from '../options.ts';

/** `geobundle prune --keep N`: retention for the daily releases. */
export function register(program: Command, io: CliIo): void {
  program
    .command('prune')
    .description(
      'remove old releases, never the current one nor the newest --keep, then every content-store file no remaining ' +
        'release lists (so every canonical path of a kept release keeps answering)',
    )
    .addOption(
      new Option('--keep <n>', 'how many of the newest releases to keep (the current one is kept besides)')
        .argParser(wholeNumber)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--dry-run', 'say what would be removed, remove nothing'))
    .addOption(new Option('--force', 'with --keep 0 and no current release, remove every release (refused without it)'))
    .addOption(releasesOption(io))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
The daily job (deploy/refresh-and-release.sh) runs it after publishing, with
--keep $GEOBUNDLE_KEEP (default 30). A release goes in one step: renamed to a
dot-directory nginx never serves, then deleted.

Examples:
  geobundle prune --keep 30
  geobundle prune --keep 5 --dry-run --releases /srv/releases`,
    )
    .action(async (opts: { keep: number; dryRun?: boolean; force?: boolean; releases: string; json?: boolean }) => {
      const { pruneReleases } = await import('../../pipeline/release/store/prune.ts');
      const result = pruneReleases(opts.releases, opts.keep, { dryRun: opts.dryRun, force: opts.force });
      if (opts.json) {
        printJson(io, result);
        return;
      }
      const verb = opts.dryRun ? 'would remove' : 'removed';
      io.stdout.write(
        `${verb} ${result.removed.length} release(s)${result.removed.length ? `: ${result.removed.join(', ')}` : ''}; ` +
          `kept ${result.kept.length}` +
          (opts.dryRun
            ? '\n'
            : `; ${result.content.files} content file(s) no kept release lists, ${formatBytes(result.content.bytes)}\n`),
      );
    });
}
