import { Option, type Command } from 'commander';
import { stderrProgress } from '../progress.ts';
import { buildRelease, DEFAULT_PRECISION } from '../release/build-release.ts';
import { manifestTotals } from '../release/manifest.ts';
import { removeActiveBuildDirs } from '../release/publish.ts';
import { formatBytes } from '../release/format-bytes.ts';
import { dbOption, jsonOption, quietOption, releasesOption, wholeNumber } from './options.ts';

/** `geobundle build-release <version>`: one immutable release directory from the database. */
export function register(program: Command): void {
  program
    .command('build-release')
    .description('build releases/<version>/: per class GeoJSON/JSON bundles (.gz and .br), manifest.json and SHA256SUMS')
    .argument('<version>', 'release version, vMAJOR.MINOR.PATCH (e.g. v1.0.0); an existing version is never overwritten')
    .addOption(dbOption())
    .addOption(releasesOption())
    .addOption(
      new Option('--precision <decimals>', 'decimal places kept in coordinates (6 ≈ 0.1 m)')
        .default(DEFAULT_PRECISION)
        .argParser(wholeNumber),
    )
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
The build reads the database read-only, writes into releases/.build-<version>-*/
and renames it into place only when complete and fsynced: a failed or killed
build leaves no release behind, and a concurrent build of the same version
fails with exit code 3. With SOURCE_DATE_EPOCH set, two builds from the same
database are byte-identical.

Examples:
  geobundle build-release v1.0.0
  geobundle build-release v1.1.0 --db data/output/geobundle.duckdb --releases /srv/releases
  SOURCE_DATE_EPOCH=1767225600 geobundle build-release v1.0.1 --quiet --json
  make build-release VERSION=v1.0.0

Exit codes: 0 built, 1 bad input or failure, 2 bad usage, 3 the version already exists.`,
    )
    .action(async (version: string, opts: { db: string; releases: string; precision: number; quiet?: boolean; json?: boolean }) => {
      // An interrupted build removes its directory at once instead of leaving it for the next build to sweep.
      for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
        process.once(signal, () => {
          removeActiveBuildDirs();
          process.stderr.write(`geobundle: build of ${version} interrupted (${signal}); nothing was published\n`);
          process.exit(code);
        });
      }
      const summary = await buildRelease({
        dbPath: opts.db,
        releasesDir: opts.releases,
        version,
        precision: opts.precision,
        progress: stderrProgress(Boolean(opts.quiet)),
      });
      const { features, files, bytes } = manifestTotals(summary.manifest);
      const classes = Object.entries(summary.manifest.classes).map(([name, c]) => ({ name, feature_count: c.feature_count }));
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ version: summary.version, dir: summary.dir, seconds: Number(summary.seconds.toFixed(3)), source_fingerprint: summary.manifest.source_fingerprint, classes, files, bytes }, null, 2)}\n`,
        );
      } else {
        process.stdout.write(
          `built ${summary.dir}: ${classes.length} classes, ${features} features, ${files} files, ${formatBytes(bytes)} in ${summary.seconds.toFixed(1)} s\n`,
        );
      }
    });
}
