import fs from 'node:fs';
import path from 'node:path';
import booleanClockwise from '@turf/boolean-clockwise';
import type { FeatureCollection, Polygon, Position } from 'geojson';
import GJV from 'geojson-validation';
import { beforeAll, describe, expect, it } from 'vitest';
import { GeobundleError } from '../core/errors.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { sha256File } from '../pipeline/sha256.ts';
import { manifestProblems, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { verifyRelease } from '../pipeline/release/verify-release.ts';
import {
  buildDirs,
  buildFixtureReleases,
  createFixtureDatabase,
  RELEASE_FIXTURES,
  releaseFixtureSource,
  snapshotTree,
  type FixtureSource,
} from './helpers/release.ts';
import { expectFile, REGEN } from './helpers/fixtures.ts';
import { tempDir } from '../testkit/temp.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import { readBundle } from '../testkit/bundle-file.ts';

const CLASS = 'congressional_districts';
const EXPECTED = path.join(RELEASE_FIXTURES, 'expected');
const BUILT_AT = new Date('2026-01-02T03:04:05Z');

/** A fixture source with one more feature, for the failure cases. */
function withFeature(id: string, coordinates: Position[][]): FixtureSource {
  const source = releaseFixtureSource();
  source.features.push({
    type: 'Feature',
    properties: { id, name: `feature ${id}`, state_fips: id.slice(0, 2) },
    geometry: { type: 'Polygon', coordinates },
  });
  return source;
}

describe('build-release on the fixture source', () => {
  let work: string;
  let releases: string;
  let dir: string;
  let manifest: ReleaseManifest;

  beforeAll(async () => {
    ({ work, releases } = await buildFixtureReleases('release-build', ['v1.0.0'], BUILT_AT));
    dir = path.join(releases, 'v1.0.0');
    manifest = readManifest(dir);
  });

  it('writes each bundle as .gz and .br only, both decompressing to the expected file (REGEN=1 rewrites them); the GIS files as they are', () => {
    const onDisk = [...snapshotTree(dir).keys()].sort();
    for (const f of onDisk) expect(fs.statSync(path.join(dir, f)).mode & 0o777, `${f} is read-only`).toBe(0o444);
    const bundles = [
      ...new Set(
        onDisk.filter((f) => /\.(gz|br)$/.test(f) && !f.startsWith('lookup/')).map((f) => f.replace(/\.(gz|br)$/, '')),
      ),
    ];
    expect(bundles).toContain(`${CLASS}/by_state/06.geojson`);
    // The GIS files' content is checked by test/gis-files.test.ts; the lookup index's roots are gzip
    // alone (no negotiation), what is below them is under content/ (test/lookup-*.test.ts).
    const gis = [`${CLASS}/all.fgb`, `${CLASS}/all.parquet`];
    const lookup = ['lookup/facts.json', 'lookup/index.json'];
    expect(onDisk).toEqual(
      [
        'SHA256SUMS',
        'changes.json',
        'manifest.json',
        ...gis,
        ...lookup.map((f) => `${f}.gz`),
        ...bundles.flatMap((f) => [`${f}.br`, `${f}.gz`]),
      ].sort(),
    );
    for (const f of bundles) {
      const text = readBundle(path.join(dir, `${f}.gz`));
      expect(readBundle(path.join(dir, `${f}.br`)), `${f}.br`).toBe(text);
      expectFile(text, path.join(EXPECTED, f));
    }
    for (const f of lookup) expectFile(readBundle(path.join(dir, `${f}.gz`)), path.join(EXPECTED, f));
    if (!REGEN)
      expect([...snapshotTree(EXPECTED).keys()].sort(), 'expected files without a bundle').toEqual(
        [...bundles, ...lookup].sort(),
      );
  });

  it('writes RFC 7946 GeoJSON: ids, valid features, exterior rings counter-clockwise and holes clockwise', () => {
    const all = JSON.parse(readBundle(path.join(dir, CLASS, 'all.geojson.br'))) as FeatureCollection;
    expect(GJV.valid(all)).toBe(true);
    expect(all.features.map((f) => f.id)).toEqual(['0601', '0602', '1198', '3601']);
    for (const f of all.features) {
      expect(f.properties!.id).toBe(f.id);
      const polygons =
        f.geometry.type === 'Polygon'
          ? [(f.geometry as Polygon).coordinates]
          : (f.geometry as { coordinates: Position[][][] }).coordinates;
      for (const polygon of polygons) {
        for (const [i, ring] of polygon.entries()) expect(booleanClockwise(ring), `${f.id} ring ${i}`).toBe(i > 0);
      }
    }
    // The collapsed spike hole of 0602 is gone; its real hole stays.
    expect((all.features[1]!.geometry as { coordinates: Position[][][] }).coordinates[0]).toHaveLength(2);
  });

  it('describes every file in a manifest that matches the schema', async () => {
    expect(manifestProblems(manifest)).toEqual([]);
    expect(manifest).toMatchObject({
      version: 'v1.0.0',
      built_at: '2026-01-02T03:04:05.000Z',
      coordinate_precision: 6,
      generator: { name: 'geobundle' },
    });
    expect(manifest.source_fingerprint).toMatch(/^sha256:[0-9a-f]{64}$/);
    const cls = manifest.classes[CLASS]!;
    expect(Object.keys(manifest.classes)).toEqual([CLASS]);
    expect(cls.feature_count).toBe(4);
    expect(cls.bbox).toEqual([-124, 37.7, -72, 41.987654]);
    for (const f of cls.files) {
      const full = path.join(dir, f.path);
      expect(fs.statSync(full).size, f.path).toBe(f.bytes);
      expect(await sha256File(full), f.path).toBe(f.sha256);
      if (f.encoding === 'identity') expect([f.uncompressed_bytes, f.uncompressed_sha256]).toEqual([f.bytes, f.sha256]);
      else expect(Buffer.byteLength(readBundle(full)), f.path).toBe(f.uncompressed_bytes);
    }
    const byPath = new Map(cls.files.map((f) => [f.path, f]));
    expect(byPath.get(`${CLASS}/by_state/06.geojson.gz`)).toMatchObject({
      kind: 'by_state',
      state_fips: '06',
      feature_count: 2,
      bbox: [-124, 37.7, -121, 41.987654],
      encoding: 'gzip',
    });
    expect(byPath.get(`${CLASS}/census.json.br`)).toMatchObject({
      kind: 'census',
      feature_count: 2,
      bbox: null,
      encoding: 'br',
      media_type: 'application/json',
    });
    expect(byPath.get(`${CLASS}/wikipedia.json.gz`)).toMatchObject({ feature_count: 2 });
    for (const [file, kind, mediaType] of [
      ['all.fgb', 'flatgeobuf', 'application/vnd.flatgeobuf'],
      ['all.parquet', 'geoparquet', 'application/vnd.apache.parquet'],
    ] as const) {
      const entry = byPath.get(`${CLASS}/${file}`)!;
      expect(entry).toMatchObject({
        kind,
        media_type: mediaType,
        encoding: 'identity',
        compression_level: 0,
        feature_count: 4,
        bbox: cls.bbox,
      });
      expect(entry.canonical_path).toMatch(new RegExp(`^content/[0-9a-f]{32}/${file.replace('.', '\\.')}$`));
    }
    expect(byPath.get(`${CLASS}/all.geojson.gz`)!.uncompressed_sha256).toBe(
      byPath.get(`${CLASS}/all.geojson.br`)!.uncompressed_sha256,
    );
  });

  it('writes SHA256SUMS covering every file but itself, sorted, and the release verifies', async () => {
    const lines = fs.readFileSync(path.join(dir, 'SHA256SUMS'), 'utf8').trimEnd().split('\n');
    const paths = lines.map((l) => l.slice(66));
    expect(paths).toEqual([...snapshotTree(dir).keys()].filter((p) => p !== 'SHA256SUMS').sort());
    expect(lines[0]).toMatch(/^[0-9a-f]{64} {2}\S/);
    const result = await verifyRelease({ releasesDir: releases, version: 'v1.0.0' });
    expect(result.problems).toEqual([]);
    expect(result.filesChecked).toBe(lines.length);
  });

  it('refuses to overwrite an existing version: exit code 3, nothing changed', async () => {
    const before = snapshotTree(releases);
    const error = await buildRelease({
      dbPath: path.join(work, 'db.duckdb'),
      releasesDir: releases,
      version: 'v1.0.0',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GeobundleError);
    expect((error as GeobundleError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/v1\.0\.0 already exists/);
    expect(snapshotTree(releases)).toEqual(before);
  });

  it('rounds to the requested precision and records it', async () => {
    const summary = await buildRelease({
      dbPath: path.join(work, 'db.duckdb'),
      releasesDir: releases,
      version: 'v1.0.1',
      precision: 3,
    });
    expect(summary.manifest.coordinate_precision).toBe(3);
    const all = JSON.parse(readBundle(path.join(summary.dir, CLASS, 'all.geojson.gz'))) as FeatureCollection<Polygon>;
    expect(all.features[0]!.geometry.coordinates[0]![0]).toEqual([-123.123, 40]);
    await expect(
      buildRelease({ dbPath: path.join(work, 'db.duckdb'), releasesDir: releases, version: 'v1.0.2', precision: 1.5 }),
    ).rejects.toThrow(/invalid coordinate precision/);
  });

  it('lets exactly one of two concurrent builds of a version publish; the other fails with 3 and cleans up', async () => {
    const build = () =>
      buildRelease({
        dbPath: path.join(work, 'db.duckdb'),
        releasesDir: releases,
        version: 'v2.0.0',
        builtAt: BUILT_AT,
      });
    // Both pass the up-front existence check, so the loser fails at the rename.
    const results = await Promise.allSettled([build(), build()]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const loser = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((loser.reason as GeobundleError).exitCode).toBe(3);
    expect(buildDirs(releases)).toEqual([]);
    expect((await verifyRelease({ releasesDir: releases, version: 'v2.0.0' })).ok).toBe(true);
  });
});

describe('build-release refuses bad input and leaves releases/ as it was', () => {
  it.each(['1.0', 'v1.0', 'v1.0.0/../x', '../v1.0.0', 'v01.0.0', 'v1.0.0-rc1', ''])(
    'rejects the version %j before touching anything',
    async (version) => {
      const work = tempDir('release-badversion');
      const releases = path.join(work, 'releases');
      const error = await buildRelease({
        dbPath: path.join(work, 'missing.duckdb'),
        releasesDir: releases,
        version,
      }).catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        `invalid release version ${JSON.stringify(version)}: expected vMAJOR.MINOR.PATCH, e.g. v1.0.0`,
      );
      expect(fs.readdirSync(work)).toEqual([]);
    },
  );

  async function failingBuild(source: FixtureSource) {
    const work = tempDir('release-bad');
    const releases = path.join(work, 'releases');
    fs.mkdirSync(releases);
    fs.writeFileSync(path.join(releases, 'keep.txt'), 'untouched');
    const dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), source);
    const error = await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.0' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GeobundleError);
    expect(fs.readdirSync(releases)).toEqual(['keep.txt']);
    return (error as Error).message;
  }

  it('fails naming class and id when rounding collapses a feature', async () => {
    const tiny: Position[][] = [
      [
        [-100, 40],
        [-99.9999999, 40],
        [-99.9999999, 40.0000001],
        [-100, 40],
      ],
    ];
    expect(await failingBuild(withFeature('0699', tiny))).toBe(
      'congressional_districts feature "0699": it collapses to nothing when rounded to 6 decimals; build with a higher --precision',
    );
  });

  it('fails naming class, id and problem for an invalid stored geometry', async () => {
    const unclosed: Position[][] = [
      [
        [-100, 40],
        [-99, 40],
        [-99, 41],
        [-100, 41],
        [-100, 40.5],
      ],
    ];
    expect(await failingBuild(withFeature('0698', unclosed))).toMatch(
      /^congressional_districts feature "0698": polygon 0 ring 0 is not closed/,
    );
    const outOfRange: Position[][] = [
      [
        [-100, 40],
        [-99, 40],
        [-99, 91],
        [-100, 40],
      ],
    ];
    expect(await failingBuild(withFeature('0697', outOfRange))).toMatch(
      /feature "0697": polygon 0 ring 0 position 2 is out of range/,
    );
  });

  it('refuses a state code that is not two digits before it becomes a file name', async () => {
    const source = withFeature('0696', [
      [
        [-100, 40],
        [-99, 40],
        [-99, 41],
        [-100, 40],
      ],
    ]);
    source.features.at(-1)!.properties!.state_fips = '../../escape';
    expect(await failingBuild(source)).toBe(
      'congressional_districts feature "0696": state_fips "../../escape" is not a two-digit FIPS code',
    );
  });

  it('fails on a database without polygons or without a file', async () => {
    const work = tempDir('release-empty');
    const dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), { dataClass: CLASS, features: [] });
    await expect(buildRelease({ dbPath, releasesDir: path.join(work, 'r'), version: 'v1.0.0' })).rejects.toThrow(
      /has no polygons/,
    );
    await expect(
      buildRelease({ dbPath: path.join(work, 'nope.duckdb'), releasesDir: path.join(work, 'r'), version: 'v1.0.0' }),
    ).rejects.toThrow(/does not exist/);
    expect(fs.existsSync(path.join(work, 'r'))).toBe(false);
  });

  it('removes build directories left by dead builds, never those of running ones', async () => {
    const work = tempDir('release-stale');
    const releases = path.join(work, 'releases');
    const dead = path.join(releases, '.build-v1.0.0-999999999-deadbeef');
    const alive = path.join(releases, `.build-v1.0.0-${process.pid}-0badf00d`);
    for (const d of [dead, alive]) fs.mkdirSync(path.join(d, CLASS), { recursive: true });
    const dbPath = await createFixtureDatabase(path.join(work, 'db.duckdb'), releaseFixtureSource());
    await buildRelease({ dbPath, releasesDir: releases, version: 'v1.0.0' });
    expect(buildDirs(releases)).toEqual([path.basename(alive)]);
  });
});
