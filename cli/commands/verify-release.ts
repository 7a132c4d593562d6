import type { Command } from 'commander';
import type { CliIo } from '../io.ts';
import { ExitCode, GeobundleError } from '../../core/errors.ts';
import { jsonOption, printJson, quietOption, releasesOption } from '../options.ts';

/** `geobundle verify-release <version>`: recompute sizes and checksums of a published release. */
export function register(program: Command, io: CliIo): void {
  program
    .command('verify-release')
    .description(
      'check every file of a release against manifest.json and SHA256SUMS (sizes, sha256, missing and extra files)',
    )
    .argument('<version>', 'the release to check, e.g. v1.0.0')
    .addOption(releasesOption(io))
    .addOption(quietOption())
    .addOption(jsonOption())
    .addHelpText(
      'after',
      `
Every problem is reported, one line each on stderr (or in --json), before the
command exits 4. The same check without geobundle: cd releases/v1.0.0 && sha256sum -c SHA256SUMS

Examples:
  geobundle verify-release v1.0.0
  geobundle verify-release v1.0.0 --releases /srv/releases --json

Exit codes: 0 intact, 1 no such release, 4 mismatches found.`,
    )
    .action(async (version: string, opts: { releases: string; quiet?: boolean; json?: boolean }) => {
      const { verifyRelease } = await import('../../pipeline/release/verify-release.ts');
      const result = await verifyRelease({ releasesDir: opts.releases, version });
      if (opts.json) printJson(io, result);
      else if (!opts.quiet) for (const p of result.problems) io.stderr.write(`${p.kind}: ${p.path} ${p.detail}\n`);
      if (!result.ok) {
        throw new GeobundleError(
          `release ${version} does not verify: ${result.problems.length} problem(s) in ${result.dir}`,
          { exitCode: ExitCode.mismatch },
        );
      }
      if (!opts.json) io.stdout.write(`${version}: ${result.filesChecked} files verified\n`);
    });
}
