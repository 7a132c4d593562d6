/**
 * Builds the command the package installs: cli/main.ts and every project
 * module it reaches, bundled by esbuild into plain JavaScript in dist/cli/
 * (`main.js`, and one chunk per group of modules a command's action imports
 * when it runs), so the installed `geobundle` starts without compiling
 * anything. Every npm package stays external: DuckDB's native binding,
 * mapshaper's own command and the files other packages read beside
 * themselves are found in node_modules at run time, as from the sources.
 *
 * A module finds the package's files (class specs, schemas, nginx includes,
 * the site, package.json) and resolves packages (createRequire) from its own
 * `import.meta.url`. Bundled, every module would see the bundle's URL, so
 * each one's `import.meta.url` is rewritten to the URL its source file has
 * in the package: the bundle resolves every path as the sources do, wherever
 * the package is installed. Chunks go beside the entry so that one relative
 * path holds for every output file.
 *
 *   npx tsx scripts/build-cli.ts [outDir]     (npm pack runs it: prepack)
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { projectRoot, toPosix } from '../pipeline/paths.ts';

export const DEFAULT_CLI_DIST = path.join(projectRoot, 'dist', 'cli');

const ENTRY = path.join(projectRoot, 'cli', 'main.ts');

/** The oldest Node package.json's engines accepts: esbuild lowers any syntax newer than it. */
const NODE_TARGET = 'node20.12';

/** Gives each project module the `import.meta.url` of its source, relative to the output directory. */
function sourceUrls(outDir: string): Plugin {
  return {
    name: 'geobundle-source-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        const fromOutput = toPosix(path.relative(outDir, args.path));
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromOutput)}, import.meta.url).href`),
          loader: 'ts',
        };
      });
    },
  };
}

/** Builds into `outDir` (emptied first) and returns the bytes of what it wrote. */
export async function buildCli(outDir = DEFAULT_CLI_DIST): Promise<number> {
  const target = path.resolve(outDir);
  fs.rmSync(target, { recursive: true, force: true });
  await build({
    entryPoints: { main: ENTRY },
    outdir: target,
    bundle: true,
    splitting: true,
    chunkNames: '[name]-[hash]',
    format: 'esm',
    platform: 'node',
    target: NODE_TARGET,
    packages: 'external',
    plugins: [sourceUrls(target)],
    logLevel: 'silent',
  });
  return fs.readdirSync(target).reduce((bytes, f) => bytes + fs.statSync(path.join(target, f)).size, 0);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? DEFAULT_CLI_DIST;
  buildCli(outDir).then(
    (bytes) =>
      process.stderr.write(`  ${path.relative(process.cwd(), outDir)}/main.js and its chunks  ${bytes} bytes\n`),
    (err: unknown) => {
      process.stderr.write(`cli build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
