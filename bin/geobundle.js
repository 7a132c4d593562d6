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

// build-release runs with glibc's malloc tuned (build-malloc.js says how and why). glibc reads
// the variables only at start and Node cannot call mallopt, so the command runs again as a child
// with them set, tied to this process by setpriv's parent-death signal as mapshaper is; this
// process passes SIGINT and SIGTERM on (the build cleans up on those) and ends as the child did.
// Where setpriv cannot set that signal (not Linux, util-linux before 2.33) the command runs as it is.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((f) => fs.existsSync(f));
if (process.argv[2] === 'build-release' && SETPRIV && process.env.MALLOC_MMAP_THRESHOLD_ === undefined) {
  const { spawn, spawnSync } = await import('node:child_process');
  const { BUILD_MALLOC_ENV } = await import('./build-malloc.js');
  const withParent = ['--pdeathsig', 'KILL'];
  if (spawnSync(SETPRIV, [...withParent, 'true']).status === 0) {
    // A debugger's port cannot be shared: the child runs without the inspector flags.
    const nodeArgs = process.execArgv.filter((a) => !/^--(inspect|debug)/.test(a));
    const child = spawn(SETPRIV, [...withParent, process.execPath, ...nodeArgs, ...process.argv.slice(1)], {
      stdio: 'inherit',
      env: { ...BUILD_MALLOC_ENV, ...process.env },
    });
    child.on('error', (err) => {
      process.stderr.write(`geobundle: cannot run ${SETPRIV}: ${err.message}\n`);
      process.exit(1);
    });
    const forward = (signal) => child.kill(signal);
    for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
    const [code, signal] = await new Promise((resolve) => child.on('exit', (...end) => resolve(end)));
    if (signal) {
      // Ended by a signal, as the child was: shells and callers see the signal, not a code.
      for (const s of ['SIGINT', 'SIGTERM']) process.off(s, forward);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  }
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
