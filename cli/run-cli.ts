import { Command, CommanderError } from 'commander';
import { ExitCode, GeobundleError, errorMessage } from '../core/errors.ts';
import { packageVersion } from '../pipeline/paths.ts';
import type { CliIo } from './io.ts';
import * as buildRelease from './commands/build-release.ts';
import * as diff from './commands/diff.ts';
import * as ingest from './commands/ingest.ts';
import * as listReleases from './commands/list-releases.ts';
import * as lookup from './commands/lookup.ts';
import * as nextVersion from './commands/next-version.ts';
import * as nginxConfig from './commands/nginx-config.ts';
import * as prune from './commands/prune.ts';
import * as refreshWikipedia from './commands/refresh-wikipedia.ts';
import * as serve from './commands/serve.ts';
import * as setCurrent from './commands/set-current.ts';
import * as verifyRelease from './commands/verify-release.ts';

/**
 * One module per command (mapshaper style): each declares its arguments and
 * calls library functions. A command module imports at its top only what
 * declaring it takes (commander, cli/, core/, a default's value); the library
 * its action runs it imports in the action, so `--version`, `--help` and a
 * mistyped command start without DuckDB's native binding, ajv or execa,
 * each of which costs more to load than Node's own start.
 */
const COMMANDS: Array<{ register(program: Command, io: CliIo): void }> = [
  ingest,
  buildRelease,
  verifyRelease,
  listReleases,
  setCurrent,
  diff,
  prune,
  lookup,
  nextVersion,
  refreshWikipedia,
  serve,
  nginxConfig,
];

function program(io: CliIo): Command {
  const root = new Command('geobundle')
    .description(
      'Build static, versioned, checksummed, pre-compressed release bundles of US district boundaries, ' +
        'census demographics and Wikipedia facts from a DuckDB source database.',
    )
    .version(packageVersion(), '-V, --version', 'print the version of geobundle')
    .showHelpAfterError('(run with --help for usage)')
    // Subcommands inherit these two, so every message and exit goes through `io`.
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .exitOverride();
  for (const command of COMMANDS) command.register(root, io);
  return root;
}

/**
 * Runs one geobundle command line (`argv` without the `node geobundle`
 * prefix) and resolves with its exit code; it never exits the process.
 * bin/geobundle.js calls it with the process's own streams; tests call it
 * in-process with in-memory ones.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await program(io).parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander already printed the message (or the help/version text).
      return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (err instanceof GeobundleError) {
      io.stderr.write(`geobundle: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`geobundle: unexpected error: ${(err as Error)?.stack ?? errorMessage(err)}\n`);
    return ExitCode.failure;
  }
}
