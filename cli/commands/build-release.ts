import { Option, type Command } from 'commander';
import { GeobundleError } from '../../core/errors.ts';
import type { BuildSummary } from '../../pipeline/release/build-release.ts';
import { DEFAULT_PRECISION } from '../../pipeline/release/formats/bundles.ts';
import { formatBytes } from '../../pipeline/format-bytes.ts';
import { interruptedExitCode, onInterrupt, progressOf, type CliIo, type Interrupt } from '../io.ts';
import { dbOption, jsonOption, printJson, quietOption, releasesOption, wholeNumber } from '../options.ts';

/** `geobundle build-release <version>`: one immutable release directory from the database. */
export function register(program: Command, io: CliIo): void {
  program
    .command('build-release')
    .description(
      'build releases/<version>/: per class GeoJSON/JSON bundles (.gz and .br), manifest.json and SHA256SUMS',
    )
    .argument(
      '<version>',
      'release version, vMAJOR.MINOR.PATCH (e.g. v1.0.0); an existing version is never overwritten',
    )
    .addOption(dbOption(io))
    .addOption(releasesOption(io))
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
    .action(
      async (
        version: string,
        opts: { db: string; releases: string; precision: number; quiet?: boolean; json?: boolean },
      ) => {
        const { buildRelease } = await import('../../pipeline/release/build-release.ts');
        const { manifestTotals } = await import('../../pipeline/release/store/manifest-file.ts');
        const { removeActiveBuildDirs } = await import('../../pipeline/release/store/publish.ts');
        // An interrupted build removes its directory at once, instead of leaving it for the next build to sweep.
        const interruption = new AbortController();
        const stopListening = onInterrupt(io, (signal) => {
          // Abort first: it stops mapshaper, so nothing writes into the directory being removed.
          interruption.abort(signal);
          removeActiveBuildDirs();
        });
        let summary: BuildSummary;
        try {
          summary = await buildRelease({
            dbPath: opts.db,
            releasesDir: opts.releases,
            version,
            precision: opts.precision,
            progress: progressOf(io, opts.quiet),
            env: io.env,
            signal: interruption.signal,
          });
        } catch (err) {
          if (!interruption.signal.aborted) throw err;
          const signal = interruption.signal.reason as Interrupt;
          throw new GeobundleError(`build of ${version} interrupted (${signal}); nothing was published`, {
            exitCode: interruptedExitCode(signal),
          });
        } finally {
          stopListening();
        }
        const { features, files, bytes } = manifestTotals(summary.manifest);
        const classes = Object.entries(summary.manifest.classes).map(([name, c]) => ({
          name,
          feature_count: c.feature_count,
        }));
        if (opts.json) {
          const { version: built, dir, seconds, manifest } = summary;
          printJson(io, {
            version: built,
            dir,
            seconds: Number(seconds.toFixed(3)),
            source_fingerprint: manifest.source_fingerprint,
            classes,
            files,
            bytes,
          });
        } else {
          io.stdout.write(
            `built ${summary.dir}: ${classes.length} classes, ${features} features, ${files} files, ${formatBytes(bytes)} in ${summary.seconds.toFixed(1)} s\n`,
          );
        }
      },
    );
}
