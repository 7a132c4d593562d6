import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../pipeline/paths.ts';

/**
 * The folders follow the data one way (README, "Tour"): sources →
 * pipeline/ingest and pipeline/wikipedia → the DuckDB file (pipeline/*.ts)
 * → pipeline/release → nginx/ (config) and api/ → serve/ → cli/, with
 * core/ under everything and the browser's client/ and demo/ beside it.
 * pipeline/release is in rooms: formats/*.ts say what each output format is
 * (names, media types, settings), plan/ reads a class and decides its files
 * (it may read those descriptions, never a writer), each formats/<format>/
 * writes one format's bytes from the plan, store/ keeps the releases
 * directory and knows nothing of how files are made, and the top (build,
 * verify, set-current, changes) uses them all. Every relative import of
 * every TypeScript file is checked against the table below, read with
 * TypeScript's own parser (type-only imports too); anything else (a new
 * folder, an upward import) fails with the file, the import and the rule.
 * And no file may reach itself through its imports: a cycle fails with its
 * files in order.
 *
 * Above the stack, testkit/ holds what the tests and the benchmarks both use
 * (Chromium, raw HTTP requests, the shared data, the Wikipedia stand-in, temp
 * directories, stored bundles read back): it may use the stack as the CLI
 * does, never test/ or bench/. test/ and bench/ use testkit/ and never each
 * other, with one named exception: test/bench-smoke.test.ts tests bench's
 * pure parts (parsers, summary rendering), so it imports bench/.
 */
const RELEASE_FORMATS = 'pipeline/release/formats';
/** A writer of one format: the plan, the formats' descriptions, its own folder and the rooms named. */
const writer = (name: string, ...others: string[]) => [
  'core',
  'pipeline',
  'pipeline/release/plan',
  RELEASE_FORMATS,
  `${RELEASE_FORMATS}/${name}`,
  ...others.map((o) => `${RELEASE_FORMATS}/${o}`),
];
const WRITERS: Record<string, readonly string[]> = {
  [`${RELEASE_FORMATS}/bundles`]: writer('bundles'),
  [`${RELEASE_FORMATS}/maps`]: writer('maps', 'bundles'),
  [`${RELEASE_FORMATS}/gis`]: writer('gis', 'bundles'),
  [`${RELEASE_FORMATS}/lookup`]: writer('lookup', 'bundles'),
};
const RELEASE_ROOMS = [
  'pipeline/release',
  'pipeline/release/plan',
  RELEASE_FORMATS,
  ...Object.keys(WRITERS),
  'pipeline/release/store',
];
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  pipeline: ['core', 'pipeline'],
  'pipeline/ingest': ['core', 'pipeline', 'pipeline/ingest'],
  'pipeline/wikipedia': ['core', 'pipeline', 'pipeline/wikipedia'],
  [RELEASE_FORMATS]: ['core', 'pipeline', RELEASE_FORMATS],
  'pipeline/release/plan': ['core', 'pipeline', RELEASE_FORMATS, 'pipeline/release/plan'],
  ...WRITERS,
  'pipeline/release/store': ['core', 'pipeline', 'pipeline/release/store'],
  'pipeline/release': ['core', 'pipeline', ...RELEASE_ROOMS],
  nginx: ['core', 'nginx'],
  api: ['core', 'pipeline', 'pipeline/release/store', 'api'],
  serve: ['core', 'pipeline', 'pipeline/release/store', 'nginx', 'api', 'serve'],
  // The browser's client library is the CLI's too: `geobundle lookup` reads an index through it.
  client: ['core', 'client'],
  cli: [
    'core',
    'pipeline',
    'pipeline/ingest',
    'pipeline/wikipedia',
    ...RELEASE_ROOMS,
    'nginx',
    'api',
    'serve',
    'client',
    'cli',
  ],
  demo: ['core', 'client', 'demo'],
  // bin/ runs the CLI: its sources in a checkout, their build (dist/cli/) in the package; and
  // build-malloc.js, the settings it runs a build with.
  bin: ['cli', 'dist', 'bin'],
  testkit: [
    'core',
    'pipeline',
    'pipeline/ingest',
    'pipeline/wikipedia',
    ...RELEASE_ROOMS,
    'nginx',
    'api',
    'serve',
    'client',
    'cli',
    'testkit',
  ],
};
/** Tools above the whole stack: they may import any of it, but never the tests. */
const TOOLS = ['scripts', 'bench'];
/** The one test that may import bench/: it tests bench's pure parts (parsers, summary rendering). */
const BENCH_SMOKE = 'test/bench-smoke.test.ts';

/** Code that runs in the browser: no Node built-ins, and only these packages. */
const BROWSER = new Set(['core', 'client', 'demo']);
const BROWSER_PACKAGES = new Set([
  'geojson',
  '@turf/boolean-point-in-polygon',
  'topojson-client',
  'topojson-specification',
  'd3-geo',
  'd3-composite-projections',
  '@turf/rewind',
  'pako',
]);

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'test-artifacts', 'releases', 'data', 'fixtures']);

function sourceFiles(dir = projectRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer a file belongs to: its top folder, or for pipeline/ its folder (a stage, or a room of the release). */
function layerOf(file: string): string {
  const parts = path.relative(projectRoot, file).split(path.sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'pipeline') return parts.slice(0, -1).join('/');
  return parts[0]!;
}

interface Import {
  from: string;
  specifier: string;
}

/** Every import of a file's text: `import`, `import type`, `export … from` and `import()`. */
function importsOfText(file: string, text: string): Import[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles.map((i) => ({ from: file, specifier: i.fileName }));
}

const importsOf = (file: string) => importsOfText(file, fs.readFileSync(file, 'utf8'));

/** Why an import breaks the one-way rule, or null. */
function violation({ from, specifier }: Import): string | null {
  const layer = layerOf(from);
  const where = `${path.relative(projectRoot, from)} imports ${specifier}`;
  if (!specifier.startsWith('.')) {
    if (!BROWSER.has(layer)) return null;
    const builtin =
      specifier.startsWith('node:') ||
      ['fs', 'path', 'os', 'crypto', 'zlib', 'http', 'url', 'stream'].includes(specifier);
    const pkg = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
    if (builtin) return `${where}: ${layer}/ runs in the browser, which has no Node built-ins`;
    if (!BROWSER_PACKAGES.has(pkg))
      return `${where}: ${layer}/ runs in the browser; only ${[...BROWSER_PACKAGES].join(', ')} are known to work there`;
    return null;
  }
  const target = layerOf(path.resolve(path.dirname(from), specifier));
  if (target === 'test' && layer !== 'test') return `${where}: nothing outside test/ may depend on the tests`;
  if (target === 'bench' && layer === 'test' && path.relative(projectRoot, from) !== BENCH_SMOKE)
    return `${where}: test/ never imports bench/ (only ${BENCH_SMOKE} does, to test bench's pure parts); what both use belongs in testkit/`;
  if (layer === 'test' || TOOLS.includes(layer)) return null;
  const allowed = MAY_IMPORT[layer];
  if (!allowed) return `${where}: ${layer}/ has no place in the layer table of test/import-graph.test.ts`;
  return allowed.includes(target)
    ? null
    : `${where}: ${layer}/ may import only ${allowed.join(', ')} (imports point one way, in the order the data flows)`;
}

/** The file a relative import names, or null for a package or a file that is not there. */
function resolved({ from, specifier }: Import): string | null {
  if (!specifier.startsWith('.')) return null;
  const file = path.resolve(path.dirname(from), specifier);
  return fs.existsSync(file) ? file : null;
}

/**
 * Every import cycle, as the files of each strongly connected component
 * (Tarjan's algorithm) in a path order that shows the loop; a file that
 * imports itself is a cycle of one.
 */
function importCycles(imports: readonly Import[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const i of imports) {
    const to = resolved(i);
    if (to === null) continue;
    edges.set(i.from, (edges.get(i.from) ?? new Set()).add(to));
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string) => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || edges.get(v)?.has(v)) cycles.push(component.reverse());
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return cycles.map((c) => c.map((f) => path.relative(projectRoot, f)));
}

describe('the import graph', () => {
  const imports = sourceFiles().flatMap(importsOf);

  it('is read from every source folder', () => {
    const layers = new Set(imports.map((i) => layerOf(i.from)));
    for (const layer of [...Object.keys(MAY_IMPORT), ...TOOLS, 'test']) expect(layers, layer).toContain(layer);
  });

  it('points one way: no import upward, none from test/ outside tests, none of Node from browser code', () => {
    expect(imports.map(violation).filter((v) => v !== null)).toEqual([]);
  });

  it('has no cycle anywhere, type-only imports included', () => {
    expect(importCycles(imports)).toEqual([]);
  });

  it('finds a cycle through a type-only import, and none in a chain', () => {
    const file = (relative: string) => path.join(projectRoot, relative);
    const cycle = importCycles([
      ...importsOfText(file('core/errors.ts'), "import type { X } from './version.ts';"),
      ...importsOfText(file('core/version.ts'), "import { GeobundleError } from './errors.ts';"),
      ...importsOfText(file('core/types.ts'), "import { GeobundleError } from './errors.ts';"),
    ]);
    expect(cycle).toEqual([['core/errors.ts', 'core/version.ts']]);
    expect(importCycles(importsOfText(file('core/version.ts'), "export type { X } from './errors.ts';"))).toEqual([]);
  });

  it('catches what it should (the rule itself)', () => {
    const file = (relative: string) => path.join(projectRoot, relative);
    expect(violation({ from: file('pipeline/release/x.ts'), specifier: '../../serve/serve.ts' })).toMatch(
      /pipeline\/release\/ may import only/,
    );
    expect(violation({ from: file('pipeline/release/store/x.ts'), specifier: '../formats/gis/write-gis.ts' })).toMatch(
      /pipeline\/release\/store\/ may import only core, pipeline, pipeline\/release\/store /,
    );
    expect(violation({ from: file('pipeline/release/plan/x.ts'), specifier: '../formats/gis/write-gis.ts' })).toMatch(
      /may import only/,
    );
    expect(violation({ from: file('pipeline/release/plan/x.ts'), specifier: '../formats/gis.ts' })).toBeNull();
    expect(
      violation({ from: file('pipeline/release/formats/gis/x.ts'), specifier: '../../plan/class-plan.ts' }),
    ).toBeNull();
    expect(violation({ from: file('pipeline/release/formats/gis.ts'), specifier: '../plan/class-plan.ts' })).toMatch(
      /may import only/,
    );
    expect(violation({ from: file('pipeline/wikipedia/x.ts'), specifier: '../release/publish.ts' })).toMatch(
      /may import only/,
    );
    expect(violation({ from: file('bench/x.ts'), specifier: '../test/helpers/cli.ts' })).toMatch(
      /nothing outside test\//,
    );
    expect(violation({ from: file('test/x.test.ts'), specifier: '../bench/measure.ts' })).toMatch(
      /test\/ never imports bench\//,
    );
    expect(violation({ from: file('test/helpers/x.ts'), specifier: '../../bench/results.ts' })).toMatch(
      /test\/ never imports bench\//,
    );
    expect(violation({ from: file('test/bench-smoke.test.ts'), specifier: '../bench/measure.ts' })).toBeNull();
    expect(violation({ from: file('testkit/x.ts'), specifier: '../bench/measure.ts' })).toMatch(
      /testkit\/ may import only/,
    );
    expect(violation({ from: file('testkit/x.ts'), specifier: '../test/helpers/cli.ts' })).toMatch(
      /nothing outside test\//,
    );
    expect(violation({ from: file('testkit/x.ts'), specifier: '../serve/run-nginx.ts' })).toBeNull();
    expect(violation({ from: file('test/x.test.ts'), specifier: '../testkit/temp.ts' })).toBeNull();
    expect(violation({ from: file('bench/x.ts'), specifier: '../testkit/temp.ts' })).toBeNull();
    expect(violation({ from: file('client/x.ts'), specifier: 'node:fs' })).toMatch(/no Node built-ins/);
    expect(violation({ from: file('client/x.ts'), specifier: '../pipeline/db.ts' })).toMatch(
      /client\/ may import only core, client/,
    );
    expect(violation({ from: file('cli/x.ts'), specifier: '../serve/serve.ts' })).toBeNull();
  });
});
