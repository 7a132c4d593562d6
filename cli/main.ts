/**
 * The geobundle process: its own command line, run with its own streams,
 * the exit code set rather than forced so pending output is flushed.
 * bin/geobundle.js loads this module, as TypeScript in a checkout and as
 * the JavaScript scripts/build-cli.ts makes of it in the package.
 */
import { processIo } from './io.ts';
import { runCli } from './run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2), processIo());
