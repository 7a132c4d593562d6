import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readManifest } from '../pipeline/release/store/manifest-file.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { tempDir } from '../testkit/temp.ts';

/**
 * What a new user gets: the tarball `npm pack` makes (its prepack builds the
 * client), installed with `npm install -g` into an empty prefix, run from an
 * empty directory with nothing of the checkout in reach but the Node on PATH:
 * the project's own Node 24 (node_modules/.bin first, as make puts it), which
 * the installed command's `#!/usr/bin/env node` picks up.
 *
 * --ignore-scripts: geobundle has no install script and needs none of its
 * dependencies' (the only long one builds better-sqlite3 for mapshaper's
 * GeoPackage format, about a minute of C++ here; npm 12 skips them all by
 * default), so the install proves that too. --prefer-offline takes what
 * `make deps` already put in the npm cache.
 *
 * The installed command is JavaScript built at pack time (scripts/build-cli.ts):
 * every run here records the modules its process loads (Node's in-thread module
 * hooks, preloaded through NODE_OPTIONS, which mapshaper's child process
 * inherits too), and none may be TypeScript or a TypeScript compiler.
 */
const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};
const NODE_BIN = path.join(projectRoot, 'node_modules', '.bin');
const env = { ...process.env, PATH: `${NODE_BIN}${path.delimiter}${process.env.PATH ?? ''}` };

/** Appends the URL of every module the process loads (import or require) to the file MODULE_LOG names. */
const MODULE_RECORDER = `import fs from 'node:fs';
import { registerHooks } from 'node:module';
registerHooks({
  load(url, context, nextLoad) {
    fs.appendFileSync(process.env.MODULE_LOG, url + '\\n');
    return nextLoad(url, context);
  },
});
`;

/** A loaded module that is TypeScript, or is tsx or the TypeScript compiler. */
const isTypeScript = (file: string) =>
  /\.[cm]?ts$/.test(file) || /[\\/]node_modules[\\/](tsx|typescript)[\\/]/.test(file);

describe('the npm package, installed globally from its tarball', () => {
  let tmp: string;
  let installed: string;
  let geobundleBin: string;
  let work: string;
  let runs = 0;

  /** The installed command run in `work`, with the files of the modules it loaded (node: built-ins left out). */
  const run = async (args: string[]) => {
    const log = path.join(tmp, `modules-${++runs}.log`);
    const recorder = pathToFileURL(path.join(tmp, 'record-modules.mjs')).href;
    const result = await execa(geobundleBin, args, {
      cwd: work,
      env: { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${recorder}`, MODULE_LOG: log },
      reject: false,
    });
    const urls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trimEnd().split('\n') : [];
    return { ...result, modules: urls.filter((u) => u.startsWith('file:')).map((u) => fileURLToPath(u)) };
  };

  beforeAll(async () => {
    tmp = tempDir('package');
    const packDir = path.join(tmp, 'pack');
    const prefix = path.join(tmp, 'prefix');
    work = path.join(tmp, 'work');
    for (const dir of [packDir, prefix, work]) fs.mkdirSync(dir);
    fs.writeFileSync(path.join(tmp, 'record-modules.mjs'), MODULE_RECORDER);
    await execa('npm', ['pack', '--pack-destination', packDir, '--silent'], { cwd: projectRoot, env });
    const tarball = path.join(packDir, `geobundle-${pkg.version}.tgz`);
    await execa(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        tarball,
      ],
      { cwd: tmp, env },
    );
    installed = path.join(prefix, 'lib', 'node_modules', 'geobundle');
    geobundleBin = path.join(prefix, 'bin', 'geobundle');
  });

  afterAll(() => {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('holds what the installed tool reads and none of the checkout besides', () => {
    expect(fs.readdirSync(installed).sort()).toEqual(
      [
        'CHANGELOG.md',
        'LICENSE',
        'README.md',
        'api',
        'bin',
        'dist',
        'docs',
        'manifests',
        'nginx',
        'node_modules',
        'package.json',
      ].sort(),
    );
    for (const f of [
      'manifests/release-manifest.schema.json',
      'manifests/classes/county.json',
      'nginx/geobundle/basic.conf',
      'api/openapi.json',
      'dist/cli/main.js',
      'dist/site/index.html',
      'dist/site/geobundle-client.js',
      'dist/site/geobundle-client.d.ts',
    ])
      expect(fs.existsSync(path.join(installed, f)), f).toBe(true);
    // No TypeScript but the client's declarations: the command is the built JavaScript.
    const sources = fs
      .readdirSync(installed, { recursive: true, encoding: 'utf8' })
      .filter((f) => !f.startsWith('node_modules') && isTypeScript(f) && !f.endsWith('.d.ts'));
    expect(sources).toEqual([]);
    // Runtime dependencies only: no dev tool (no TypeScript compiler: neither tsc nor tsx and its esbuild),
    // no package only the prebuilt browser bundle uses, and not the 120 MB Node binary the checkout runs on.
    for (const dev of [
      'node',
      'typescript',
      'tsx',
      'esbuild',
      'vitest',
      'playwright-core',
      '@biomejs/biome',
      'd3-composite-projections',
    ])
      expect(fs.existsSync(path.join(installed, 'node_modules', dev)), dev).toBe(false);
  });

  it('--version prints the package version, loading only its own JavaScript and commander', async () => {
    const result = await run(['--version']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(pkg.version);
    // Each command imports its libraries (DuckDB's native binding, ajv, execa, …) when it runs, not at start.
    const loaded = result.modules.map((m) => path.relative(installed, m));
    expect(loaded.filter((m) => !/^(bin|dist[\\/]cli|node_modules[\\/]commander)[\\/]/.test(m))).toEqual([]);
    expect(loaded).toContain(path.join('dist', 'cli', 'main.js'));
  });

  it('ingests the embedded default, builds a release and verifies it, all in the current directory, loading no TypeScript', async () => {
    const ingest = await run(['ingest', 'us-atlas']);
    expect(ingest.exitCode, ingest.stderr).toBe(0);
    // Progress goes to stderr, as for every command; the database path is the relative default.
    expect(ingest.stderr).toBe(
      [
        'ingested 56 state features into data/output/geobundle.duckdb',
        'ingested 3231 county features into data/output/geobundle.duckdb',
      ].join('\n'),
    );

    const build = await run(['build-release', 'v1.0.0']);
    expect(build.exitCode, build.stderr).toBe(0);
    expect(build.stdout).toMatch(
      new RegExp(`^built ${path.join(work, 'releases', 'v1.0.0')}: 2 classes, 3287 features, \\d+ files`),
    );
    const manifest = readManifest(path.join(work, 'releases', 'v1.0.0'));
    expect(manifest.generator).toMatchObject({ name: 'geobundle', version: pkg.version });

    const verify = await run(['verify-release', 'v1.0.0']);
    expect(verify.exitCode, verify.stderr).toBe(0);
    const sums = fs
      .readFileSync(path.join(work, 'releases', 'v1.0.0', 'SHA256SUMS'), 'utf8')
      .trimEnd()
      .split('\n');
    expect(verify.stdout).toBe(`v1.0.0: ${sums.length} files verified`);

    // The installed client library answers a lookup from the release's index.
    const setCurrent = await run(['set-current', 'v1.0.0']);
    expect(setCurrent.exitCode, setCurrent.stderr).toBe(0);
    const lookup = await run(['lookup', '--lat', '34.0522', '--lon', '-118.2437', '--json']);
    expect(lookup.exitCode, lookup.stderr).toBe(0);
    expect(JSON.parse(lookup.stdout).districts).toEqual({
      county: { id: '06037', name: 'Los Angeles' },
      state: { id: '06', name: 'California' },
    });

    // Every step ran JavaScript only, DuckDB's binding and mapshaper's own process included.
    const loaded = [ingest, build, verify, setCurrent, lookup].flatMap((step) => step.modules);
    expect(loaded.filter(isTypeScript)).toEqual([]);
    for (const library of ['@duckdb', 'mapshaper', 'flatgeobuf'])
      expect(
        loaded.some((m) => m.includes(`${path.sep}node_modules${path.sep}${library}`)),
        library,
      ).toBe(true);

    // Everything went to the working directory; the installed package is as npm left it.
    expect(fs.readdirSync(work).sort()).toEqual(['data', 'releases']);
    expect(fs.existsSync(path.join(installed, 'data'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'releases'))).toBe(false);
  }, 240_000);

  it('the client entry point type-checks a consumer against its .d.ts and loads in Node', async () => {
    const consumer = path.join(tmp, 'consumer');
    fs.mkdirSync(path.join(consumer, 'node_modules'), { recursive: true });
    fs.symlinkSync(installed, path.join(consumer, 'node_modules', 'geobundle'));
    fs.writeFileSync(path.join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
    fs.writeFileSync(
      path.join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          lib: ['ES2022', 'DOM'],
          types: [],
        },
        files: ['consumer.ts'],
      }),
    );
    // Each @ts-expect-error fails the check if the types it guards were `any`.
    fs.writeFileSync(
      path.join(consumer, 'consumer.ts'),
      `import { openRelease, smallerFormat, GeobundleError, type District, type ReleaseManifest } from 'geobundle/client';

const release = await openRelease({ baseUrl: 'https://geobundle.example', cache: null });
const manifest: ReleaseManifest = release.manifest;
const iowa = await release.loadBundle('congressional_districts', { state: '19' });
const district: District | undefined = iowa.findDistrict(-93.6037, 41.5911);
const name: string | undefined = district?.properties.name;
const map = await release.loadMap('county', { scale: '20m', format: smallerFormat(release, 'county', '20m') });
const near: District[] = map.districtsNear(-93.6037, 41.5911);
const facts = await release.loadFacts('congressional_districts');
const lean = facts.wikipedia['1903']?.partisan_lean_label;
const failed = new GeobundleError('a message') instanceof Error;
// @ts-expect-error simplified maps come at 5m and 20m only
await release.loadMap('county', { scale: '10m' });
// @ts-expect-error a district's name is a string
const wrong: number | undefined = district?.properties.name;
console.log(manifest.version, name, near.length, lean, failed, wrong);
`,
    );
    const tsc = path.join(NODE_BIN, 'tsc');
    // Node's resolution (package.json "exports", types condition) and a bundler's.
    for (const resolution of [[], ['--module', 'ESNext', '--moduleResolution', 'Bundler']]) {
      const check = await execa(tsc, ['-p', consumer, ...resolution], { cwd: consumer, env, reject: false });
      expect(check.stdout, resolution.join(' ') || 'NodeNext').toBe('');
      expect(check.exitCode).toBe(0);
    }
    const load = await execa(
      'node',
      [
        '--input-type=module',
        '-e',
        "const c = await import('geobundle/client'); console.log(typeof c.openRelease, typeof c.GeobundleError)",
      ],
      { cwd: consumer, env },
    );
    expect(load.stdout).toBe('function function');
  });

  it('refuses a Node older than its engines, naming the node it ran on', async () => {
    const nodePath = fs.realpathSync(path.join(NODE_BIN, 'node'));
    const { stdout: nodeVersion } = await execa(nodePath, ['--version']);
    const manifestPath = path.join(installed, 'package.json');
    const original = fs.readFileSync(manifestPath, 'utf8');
    fs.writeFileSync(manifestPath, JSON.stringify({ ...JSON.parse(original), engines: { node: '>=99.1' } }));
    try {
      const result = await run(['--version']);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toBe(
        `geobundle: needs Node.js >=99.1, but ${nodePath} is ${nodeVersion}; put a newer node first on PATH`,
      );
    } finally {
      fs.writeFileSync(manifestPath, original);
    }
    expect((await run(['--version'])).exitCode).toBe(0);
  });
});
