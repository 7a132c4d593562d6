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
 * Every relative import of every TypeScript file is checked against the
 * table below, read with TypeScript's own parser; anything else (a new
 * folder, an upward import) fails with the file, the import and the rule.
 */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: ['core'],
  pipeline: ['core', 'pipeline'],
  'pipeline/ingest': ['core', 'pipeline', 'pipeline/ingest'],
  'pipeline/wikipedia': ['core', 'pipeline', 'pipeline/wikipedia'],
  'pipeline/release': ['core', 'pipeline', 'pipeline/release'],
  nginx: ['core', 'nginx'],
  api: ['core', 'pipeline', 'pipeline/release', 'api'],
  serve: ['core', 'pipeline', 'pipeline/release', 'nginx', 'api', 'serve'],
  cli: [
    'core',
    'pipeline',
    'pipeline/ingest',
    'pipeline/wikipedia',
    'pipeline/release',
    'nginx',
    'api',
    'serve',
    'cli',
  ],
  client: ['core', 'client'],
  demo: ['core', 'client', 'demo'],
  bin: ['cli'],
};
/** Tools above the whole stack: they may import any of it, but never the tests. */
const TOOLS = ['scripts', 'bench'];

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
]);

const SKIP_DIRS = new Set(['node_modules', 'dist', '.git', 'test-artifacts', 'releases', 'data', 'fixtures']);

function sourceFiles(dir = projectRoot): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return SKIP_DIRS.has(entry.name) ? [] : sourceFiles(full);
    return /\.(ts|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer a file belongs to: its top folder, or for pipeline/ its stage. */
function layerOf(file: string): string {
  const parts = path.relative(projectRoot, file).split(path.sep);
  if (parts.length === 1) return '.';
  if (parts[0] === 'pipeline' && parts.length > 2) return `pipeline/${parts[1]}`;
  return parts[0]!;
}

interface Import {
  from: string;
  specifier: string;
}

function importsOf(file: string): Import[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((i) => ({ from: file, specifier: i.fileName }));
}

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
  if (layer === 'test' || TOOLS.includes(layer)) return null;
  const allowed = MAY_IMPORT[layer];
  if (!allowed) return `${where}: ${layer}/ has no place in the layer table of test/import-graph.test.ts`;
  return allowed.includes(target)
    ? null
    : `${where}: ${layer}/ may import only ${allowed.join(', ')} (imports point one way, in the order the data flows)`;
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

  it('catches what it should (the rule itself)', () => {
    const file = (relative: string) => path.join(projectRoot, relative);
    expect(violation({ from: file('pipeline/release/x.ts'), specifier: '../../serve/serve.ts' })).toMatch(
      /pipeline\/release\/ may import only/,
    );
    expect(violation({ from: file('pipeline/wikipedia/x.ts'), specifier: '../release/publish.ts' })).toMatch(
      /may import only/,
    );
    expect(violation({ from: file('bench/x.ts'), specifier: '../test/helpers/cli.ts' })).toMatch(
      /nothing outside test\//,
    );
    expect(violation({ from: file('client/x.ts'), specifier: 'node:fs' })).toMatch(/no Node built-ins/);
    expect(violation({ from: file('client/x.ts'), specifier: '../pipeline/db.ts' })).toMatch(
      /client\/ may import only core, client/,
    );
    expect(violation({ from: file('cli/x.ts'), specifier: '../serve/serve.ts' })).toBeNull();
  });
});
