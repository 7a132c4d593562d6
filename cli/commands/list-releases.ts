import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { formatBytes } from '../../pipeline/format-bytes.ts';
import { jsonOption, printJson, releasesOption } from '../options.ts';

/** `geobundle list-releases`: the published versions, oldest first, with the current one marked. */
export function register(program: Command, io: CliIo): void {
  program
    .command('list-releases')
    .description('list the published releases (oldest first); * marks the current one')
    .addOption(releasesOption(io))
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Examples:
  geobundle list-releases
  geobundle list-releases --releases /srv/releases --json`,
    )
    .action(async (opts: { releases: string; json?: boolean }) => {
      const { listReleases } = await import('../../pipeline/release/store/versions.ts');
      const releases = listReleases(opts.releases);
      if (opts.json) {
        printJson(io, releases);
        return;
      }
      if (releases.length === 0) {
        io.stdout.write(`no releases in ${opts.releases} (build one with "geobundle build-release v1.0.0")\n`);
        return;
      }
      const rows = [
        ['', 'version', 'built_at', 'features', 'files', 'size', 'classes'],
        ...releases.map((r) => [
          r.current ? '*' : '',
          r.version,
          r.built_at ?? '-',
          String(r.features),
          String(r.files),
          formatBytes(r.bytes),
          r.error ? `unreadable: ${r.error}` : r.classes.join(','),
        ]),
      ];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
      for (const row of rows)
        io.stdout.write(
          `${row
            .map((cell, i) => cell.padEnd(widths[i]!))
            .join('  ')
            .trimEnd()}\n`,
        );
    });
}
