#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so neither a checkout nor an
// installed package needs a build step; `geobundle` on PATH (npm links this
// file), `npx geobundle` and the make targets all come through here.
//
// The shebang runs whichever `node` is first on PATH, so this file checks it
// against package.json's engines before loading anything that might fail on
// an older Node with a less useful message (plain JavaScript, for the same
// reason).
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const floor = pkg.engines.node
  .replace(/^>=\s*/, '')
  .split('.')
  .map(Number);
const running = process.versions.node.split('.').map(Number);
const first = running.findIndex((part, i) => part !== (floor[i] ?? 0));
if (first !== -1 && running[first] < (floor[first] ?? 0)) {
  process.stderr.write(
    `geobundle: needs Node.js ${pkg.engines.node}, but ${process.execPath} is ${process.version}; put a newer node first on PATH\n`,
  );
  process.exit(1);
}

const { register } = await import('tsx/esm/api');
// tsconfig: false — geobundle's files compile the same whatever tsconfig.json
// the current directory holds (tsx would otherwise read the nearest one).
register({ tsconfig: false });
const { runCli } = await import('../cli/run-cli.ts');
const { processIo } = await import('../cli/io.ts');
process.exitCode = await runCli(process.argv.slice(2), processIo());
