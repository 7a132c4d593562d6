import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../pipeline/paths.ts';

/**
 * Builds the browser client into a static directory nginx serves as the site
 * root: `geobundle-client.js` (the library, ESM, pako and turf's
 * point-in-polygon bundled in), `demo.js` (the page, which imports the
 * library file rather than carrying a second copy of it), `index.html`, `demo.css`.
 */
export const CLIENT_DIR = path.join(projectRoot, 'client');
export const DEFAULT_CLIENT_DIST = path.join(CLIENT_DIR, 'dist');

const LIBRARY_IMPORT = './geobundle-client.js';
const STATIC_FILES = ['index.html', 'demo.css'];

/** Leaves the demo's import of the library as a runtime import of the built file. */
const libraryIsExternal: Plugin = {
  name: 'geobundle-client-external',
  setup(b) {
    b.onResolve({ filter: /^\.\/geobundle-client\.js$/ }, () => ({ path: LIBRARY_IMPORT, external: true }));
  },
};

export interface ClientBuild {
  outDir: string;
  /** Bytes of each written file, by name. */
  files: Record<string, number>;
}

export async function buildClient({ outDir = DEFAULT_CLIENT_DIST, minify = true } = {}): Promise<ClientBuild> {
  // Build beside the target and swap it in, so a server reading outDir never sees a half-built site.
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, '.client-build-'));
  try {
    const common = {
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify,
      sourcemap: true,
      legalComments: 'eof',
      logLevel: 'silent',
    } as const;
    await build({ ...common, entryPoints: [path.join(CLIENT_DIR, 'geobundle-client.ts')], outfile: path.join(tmp, 'geobundle-client.js') });
    await build({ ...common, entryPoints: [path.join(CLIENT_DIR, 'demo.ts')], outfile: path.join(tmp, 'demo.js'), plugins: [libraryIsExternal] });
    for (const f of STATIC_FILES) fs.copyFileSync(path.join(CLIENT_DIR, f), path.join(tmp, f));
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it private; nginx workers must read it
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const files: Record<string, number> = {};
  for (const f of fs.readdirSync(outDir).sort()) files[f] = fs.statSync(path.join(outDir, f)).size;
  return { outDir, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? DEFAULT_CLIENT_DIST;
  buildClient({ outDir }).then(
    ({ files }) => {
      for (const [f, bytes] of Object.entries(files)) process.stderr.write(`  ${path.join(path.relative(process.cwd(), outDir), f)}  ${bytes} bytes\n`);
    },
    (err: unknown) => {
      process.stderr.write(`client build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
