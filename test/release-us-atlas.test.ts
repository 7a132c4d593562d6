import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import GJV from 'geojson-validation';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../pipeline/db.ts';
import { manifestProblems, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { buildDirOwner, processAlive } from '../pipeline/release/store/publish.ts';
import { verifyRelease } from '../pipeline/release/verify-release.ts';
import { US_STATES } from '../core/states.ts';
import { deletePolygons } from './helpers/database.ts';
import { buildDirs, snapshotTree, usAtlasDatabase } from './helpers/release.ts';
import { geobundle, spawnGeobundle } from './helpers/cli.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';
import { geosMissingReason } from '../testkit/geos-validity.ts';
import { mapsValidity, validityLine } from '../testkit/map-validity.ts';

const noGeos = await geosMissingReason();
if (noGeos) console.warn(`SKIPPED GEOS validity of the embedded default's simplified maps: ${noGeos}`);

/**
 * The embedded default (us-atlas states + counties) built through the real
 * CLI, as a release engineer would: verification, reproducibility,
 * immutability, concurrent builds and a build killed with -9.
 */
describe('build-release of the embedded default through the CLI', () => {
  let dbPath: string;
  let work: string;
  let releases: string;
  const reproducible = { SOURCE_DATE_EPOCH: '1767225600' };

  const args = (version: string, dir = releases) => [
    'build-release',
    version,
    '--db',
    dbPath,
    '--releases',
    dir,
    '--json',
  ];
  const build = (version: string, dir = releases) => geobundle(args(version, dir), { env: reproducible });
  /** The same build as its own process: where the process is the point (its time zone, racing another, signals). */
  const buildProcess = (version: string, dir = releases, env: Record<string, string> = {}) =>
    spawnGeobundle(args(version, dir), { env: { ...reproducible, ...env } });

  beforeAll(async () => {
    dbPath = await usAtlasDatabase();
    work = tempDir('release-usatlas');
    releases = path.join(work, 'releases');
    const first = await build('v1.0.0');
    expect(first.stderr).toMatch(/county: 3231 features/);
    expect(first.exitCode, first.stderr).toBe(0);
  });

  it('builds states and counties that verify, pass sha256sum -c and match the schema', async () => {
    const dir = path.join(releases, 'v1.0.0');
    const manifest = readManifest(dir);
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifest.built_at).toBe('2026-01-01T00:00:00.000Z');
    expect(Object.fromEntries(Object.entries(manifest.classes).map(([k, c]) => [k, c.feature_count]))).toEqual({
      county: 3231,
      state: 56,
    });
    expect((await verifyRelease({ releasesDir: releases, version: 'v1.0.0' })).problems).toEqual([]);
    const sums = await execa('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir, reject: false });
    expect(sums.exitCode, sums.stderr).toBe(0);
    expect(sums.stdout.split('\n')).toHaveLength(
      fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trimEnd().split('\n').length,
    );

    const states = JSON.parse(readBundle(path.join(dir, 'state', 'all.geojson.br')));
    expect(GJV.valid(states)).toBe(true);
    expect(states.features.find((f: { id: string }) => f.id === '06').properties).toEqual({
      id: '06',
      name: 'California',
      state_fips: '06',
      census: null,
      wikipedia: null,
    });
    // One by_state file per state that has counties, each holding exactly that state's counties.
    const stateFiles = manifest.classes.county!.files.filter((f) => f.kind === 'by_state' && f.encoding === 'gzip');
    const known = new Set(US_STATES.map((s) => s.fips));
    expect(stateFiles.every((f) => known.has(f.state_fips!))).toBe(true);
    expect(stateFiles.reduce((n, f) => n + f.feature_count, 0)).toBe(3231);
    const california = JSON.parse(readBundle(path.join(dir, 'county', 'by_state', '06.geojson.gz')));
    expect(california.features).toHaveLength(58);
    expect(california.features.every((f: { id: string }) => f.id.startsWith('06'))).toBe(true);
  });

  it('compresses by the tiers it records: whole-class files at brotli 5, what browsers fetch at 10, gzip 6', () => {
    const manifest = readManifest(path.join(releases, 'v1.0.0'));
    expect(manifest.compression.tiers.map((t) => [t.kinds ?? 'any', t.brotli_quality])).toEqual([
      [['all', 'polygons'], 5],
      ['any', 10],
      ['any', 8],
    ]);
    const quality = new Map<string, number[]>();
    for (const f of Object.values(manifest.classes).flatMap((c) => c.files)) {
      if (f.encoding === 'gzip') expect(f.compression_level, f.path).toBe(6);
      if (f.encoding !== 'br') continue;
      quality.set(f.kind, [...new Set([...(quality.get(f.kind) ?? []), f.compression_level])]);
    }
    // Every us-atlas file but the whole-class ones is far below the 4 MiB limit of quality 10.
    expect(Object.fromEntries(quality)).toEqual({
      all: [5],
      polygons: [5],
      by_state: [10],
      census: [10],
      wikipedia: [10],
      simplified: [10],
    });
  });

  it.skipIf(noGeos)(
    'draws every simplified map valid for GEOS, both scales, the TopoJSON as a client decodes it',
    async () => {
      const maps = await mapsValidity(path.join(releases, 'v1.0.0'));
      // States and counties, each at 5m and 20m, GeoJSON and TopoJSON.
      expect(maps).toHaveLength(8);
      expect(maps.filter((m) => m.geos_invalid > 0).map(validityLine)).toEqual([]);
    },
  );

  it('is reproducible: a second build with SOURCE_DATE_EPOCH, in another time zone, is byte-identical', async () => {
    const other = path.join(work, 'again');
    const result = await buildProcess('v1.0.0', other, { TZ: 'Asia/Tokyo' });
    expect(result.exitCode, result.stderr).toBe(0);
    const a = snapshotTree(path.join(releases, 'v1.0.0'));
    const b = snapshotTree(path.join(other, 'v1.0.0'));
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [file, sha256] of a) expect(b.get(file), file).toBe(sha256);
  });

  it('never overwrites a version: exit 3, a one-line cause, nothing changed', async () => {
    const before = snapshotTree(releases);
    const result = await build('v1.0.0');
    expect(result.exitCode).toBe(3);
    expect(result.stderr.trim()).toMatch(
      /^geobundle: release v1\.0\.0 already exists at .*; published releases are immutable/,
    );
    expect(snapshotTree(releases)).toEqual(before);
  });

  it('rejects bad versions with a clear error before touching releases/', async () => {
    const before = snapshotTree(releases);
    for (const version of ['1.0', 'v1.0', 'v1.0.0/../x']) {
      const result = await geobundle(['build-release', version, '--db', dbPath, '--releases', releases]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr.trim()).toBe(
        `geobundle: invalid release version "${version}": expected vMAJOR.MINOR.PATCH, e.g. v1.0.0`,
      );
    }
    expect(snapshotTree(releases)).toEqual(before);
  });

  it('rejects a --precision that is not a whole number as a usage error (exit 2) before touching releases/', async () => {
    const before = snapshotTree(releases);
    const result = await geobundle([
      'build-release',
      'v1.0.0',
      '--precision',
      'abc',
      '--db',
      dbPath,
      '--releases',
      releases,
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--precision <decimals>.*'abc' is invalid\. expected a whole number/);
    expect(snapshotTree(releases)).toEqual(before);
  });

  it('lets exactly one of two concurrent build processes publish; the other exits 3 and leaves no temp dir', async () => {
    const [a, b] = await Promise.all([buildProcess('v2.0.0'), buildProcess('v2.0.0')]);
    expect([a.exitCode, b.exitCode].sort()).toEqual([0, 3]);
    const loser = a.exitCode === 3 ? a : b;
    expect(loser.stderr).toMatch(/release v2\.0\.0 already exists/);
    expect(buildDirs(releases)).toEqual([]);
    expect((await verifyRelease({ releasesDir: releases, version: 'v2.0.0' })).ok).toBe(true);
  });

  /**
   * Starts a CLI build of `version` and resolves once `file` of its build
   * directory exists. At precision 5 no file of v1.0.0 (precision 6) can be
   * reused, so the build writes everything and is under way for seconds.
   */
  async function buildUnderWay(
    version: string,
    { db = dbPath, file = 'county/by_state/06.geojson.gz', args = ['--precision', '5'] } = {},
  ) {
    const child = spawnGeobundle(['build-release', version, '--db', db, '--releases', releases, ...args]);
    const started = Date.now();
    while (Date.now() - started < 60_000) {
      const dir = buildDirs(releases).find((d) => d.startsWith(`.build-${version}-`));
      if (dir && fs.existsSync(path.join(releases, dir, file))) return { child, partial: dir };
      await sleep(20);
    }
    throw new Error(`the build of ${version} never got under way`);
  }

  /**
   * Waits for the process that writes `partial` (its pid is in the name) to end: on Linux
   * bin/geobundle.js runs the build in a child (bin/geobundle.js says why) that the kernel kills
   * when its parent dies, a moment after the parent.
   */
  async function buildProcessEnded(partial: string) {
    const pid = buildDirOwner(partial)!;
    for (let i = 0; i < 500 && processAlive(pid); i++) await sleep(20);
    expect(processAlive(pid), `build process ${pid} still running`).toBe(false);
  }

  it('removes its build directory when interrupted (SIGTERM), publishing nothing', async () => {
    const { child } = await buildUnderWay('v4.0.0');
    child.kill('SIGTERM');
    const result = await child;
    expect(result.exitCode, result.stderr).toBe(143);
    expect(result.stderr).toContain('geobundle: build of v4.0.0 interrupted (SIGTERM); nothing was published');
    expect(buildDirs(releases)).toEqual([]);
    expect(fs.existsSync(path.join(releases, 'v4.0.0'))).toBe(false);
  });

  it('leaves no visible release when killed with -9 mid-build, and the next build succeeds', async () => {
    const { child, partial } = await buildUnderWay('v3.0.0');
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');
    await buildProcessEnded(partial);
    expect(fs.existsSync(path.join(releases, 'v3.0.0'))).toBe(false);
    expect(fs.readdirSync(releases).filter((n) => !n.startsWith('.'))).toEqual(['content', 'v1.0.0', 'v2.0.0']);

    const again = await build('v3.0.0');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toContain(`removed ${partial}, left by a build that did not finish`);
    expect(buildDirs(releases)).toEqual([]);
    expect((await verifyRelease({ releasesDir: releases, version: 'v3.0.0' })).ok).toBe(true);
  });

  it('leaves no partial release and nothing in the content store when an incremental build is killed with -9', async () => {
    // One county fewer: the state class and 55 county by_state files are linked, the rest written.
    const changed = path.join(work, 'one-county-fewer.duckdb');
    fs.copyFileSync(dbPath, changed);
    await withDatabase(changed, {}, ({ connection }) => deletePolygons(connection, 'county', ['06037']));
    const content = snapshotTree(path.join(releases, 'content'));
    const { child, partial } = await buildUnderWay('v5.0.0', { db: changed, file: 'county/all.geojson.gz', args: [] });
    expect(
      fs.existsSync(path.join(releases, partial, 'county', 'by_state', '01.geojson.gz')),
      'reused files linked first',
    ).toBe(true);
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
    await buildProcessEnded(partial);
    expect(fs.existsSync(path.join(releases, 'v5.0.0'))).toBe(false);
    expect(snapshotTree(path.join(releases, 'content'))).toEqual(content);

    const again = await geobundle(['build-release', 'v5.0.0', '--db', changed, '--releases', releases]);
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/county: 3230 features, .*; 9 files to write, 57 unchanged/);
    expect((await verifyRelease({ releasesDir: releases, version: 'v5.0.0' })).ok).toBe(true);
  });
});
