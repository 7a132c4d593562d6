#!/usr/bin/env node
// `geobundle` on PATH (npm links this file), `npx geobundle` and the make
// targets all come through here. A checkout runs its TypeScript sources
// through tsx (a dev dependency), so an edit takes effect at once and no
// build can be stale; the package ships no sources, only the JavaScript
// scripts/build-cli.ts makes of them at `npm pack` (dist/cli/), and runs
// that with no TypeScript compiler at all. Whether cli/main.ts is here
// tells the two apart.
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

if (fs.existsSync(new URL('../cli/main.ts', import.meta.url))) {
  const { register } = await import('tsx/esm/api');
  // tsconfig: false — geobundle's files compile the same whatever tsconfig.json
  // the current directory holds (tsx would otherwise read the nearest one).
  register({ tsconfig: false });
  await import('../cli/main.ts');
} else {
  await import('../dist/cli/main.js');
}
