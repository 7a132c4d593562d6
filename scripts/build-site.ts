/**
 * Builds the demo site into a static directory nginx serves as the site
 * root: `geobundle-client.js` (the browser library, ESM) with its types
 * (`geobundle-client.d.ts`, declarations under `types/`), `demo.js` (the
 * page, which imports the library file rather than carrying a second copy
 * of it), `index.html`, `demo.css`. The package's `geobundle/client` export
 * is the same library file.
 *
 *   npx tsx scripts/build-site.ts [outDir]     (make client)
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';
import { projectRoot, toPosix } from '../pipeline/paths.ts';

export const DEFAULT_SITE_DIST = path.join(projectRoot, 'dist', 'site');

const LIBRARY_ENTRY = path.join(projectRoot, 'client', 'geobundle-client.ts');
const DEMO_DIR = path.join(projectRoot, 'demo');
const LIBRARY_IMPORT = './geobundle-client.js';
const STATIC_FILES = ['index.html', 'demo.css'];
const TYPES_DIR = 'types';

/** Leaves the demo's import of the library as a runtime import of the built file. */
const libraryIsExternal: Plugin = {
  name: 'geobundle-client-external',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/client\/geobundle-client\.ts$/ }, () => ({ path: LIBRARY_IMPORT, external: true }));
  },
};

export interface SiteBuild {
  outDir: string;
  /** Bytes of each written file, by name. */
  files: Record<string, number>;
}

/**
 * The library's declarations, one `.d.ts` per module as tsc emits them
 * (client/ and the core/ files it imports, under `types/`), and beside the
 * library file a `geobundle-client.d.ts` that re-exports them. Compiled with
 * the project's own options but no Node types, so a client module that
 * reached for a Node global would fail here rather than in a consumer.
 */
function emitLibraryTypes(outDir: string): void {
  const config = ts.readConfigFile(path.join(projectRoot, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.convertCompilerOptionsFromJson(config.config.compilerOptions, projectRoot);
  const program = ts.createProgram([LIBRARY_ENTRY], {
    ...options,
    types: [],
    noEmit: false,
    declaration: true,
    emitDeclarationOnly: true,
    rootDir: projectRoot,
    outDir: path.join(outDir, TYPES_DIR),
  });
  const emitted = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics];
  if (diagnostics.length > 0)
    throw new Error(
      ts.formatDiagnostics(diagnostics, {
        getCanonicalFileName: (f) => f,
        getCurrentDirectory: () => projectRoot,
        getNewLine: () => '\n',
      }),
    );
  // `.ts` specifiers, as in tsc's own declarations: TypeScript resolves them to the emitted `.d.ts`.
  const entry = toPosix(path.relative(projectRoot, LIBRARY_ENTRY));
  fs.writeFileSync(path.join(outDir, 'geobundle-client.d.ts'), `export * from './${TYPES_DIR}/${entry}';\n`);
}

export async function buildSite({ outDir = DEFAULT_SITE_DIST, minify = true } = {}): Promise<SiteBuild> {
  // Build beside the target and swap it in, so a server reading outDir never sees a half-built site.
  const parent = path.dirname(path.resolve(outDir));
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, '.site-build-'));
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
    await build({
      ...common,
      entryPoints: { 'geobundle-client': LIBRARY_ENTRY },
      outdir: tmp,
      // pako is imported only by browsers without DecompressionStream: its own chunk, fetched by them alone.
      splitting: true,
      chunkNames: 'chunks/[name]-[hash]',
    });
    await build({
      ...common,
      entryPoints: [path.join(DEMO_DIR, 'demo.ts')],
      outfile: path.join(tmp, 'demo.js'),
      plugins: [libraryIsExternal],
    });
    for (const f of STATIC_FILES) fs.copyFileSync(path.join(DEMO_DIR, f), path.join(tmp, f));
    emitLibraryTypes(tmp);
    fs.chmodSync(tmp, 0o755); // mkdtemp makes it private; nginx workers must read it
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.renameSync(tmp, outDir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  const files: Record<string, number> = {};
  for (const entry of fs.readdirSync(outDir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files[path.relative(outDir, path.join(entry.parentPath, entry.name))] = fs.statSync(
        path.join(entry.parentPath, entry.name),
      ).size;
  }
  return { outDir, files };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const outDir = process.argv[2] ?? DEFAULT_SITE_DIST;
  buildSite({ outDir }).then(
    ({ files }) => {
      for (const [f, bytes] of Object.entries(files).sort())
        process.stderr.write(`  ${path.join(path.relative(process.cwd(), outDir), f)}  ${bytes} bytes\n`);
    },
    (err: unknown) => {
      process.stderr.write(`site build failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
