import { Command, CommanderError } from 'commander';
import { GeobundleError, ExitCode } from './errors.ts';
import * as ingest from './commands/ingest.ts';
import * as buildRelease from './commands/build-release.ts';
import * as setCurrent from './commands/set-current.ts';
import * as verifyRelease from './commands/verify-release.ts';
import * as listReleases from './commands/list-releases.ts';
import * as refreshWikipedia from './commands/refresh-wikipedia.ts';
import * as serve from './commands/serve.ts';

// One module per command (mapshaper style): each parses its arguments and calls library functions.
const COMMANDS: Array<{ register(program: Command): void }> = [ingest, buildRelease, verifyRelease, listReleases, setCurrent, refreshWikipedia, serve];

const program = new Command('geobundle')
  .description(
    'Build static, versioned, checksummed, pre-compressed release bundles of US district boundaries, ' +
      'census demographics and Wikipedia facts from a DuckDB source database.',
  )
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

for (const command of COMMANDS) command.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed the message (or the help/version text).
    process.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else if (err instanceof GeobundleError) {
    process.stderr.write(`geobundle: ${err.message}\n`);
    process.exitCode = err.exitCode;
  } else {
    process.stderr.write(`geobundle: unexpected error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = ExitCode.failure;
  }
}
