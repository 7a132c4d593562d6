#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a checkout needs no build step;
// `npx geobundle` and the make targets both come through here.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../cli/run-cli.ts');
const { processIo } = await import('../cli/io.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo());
