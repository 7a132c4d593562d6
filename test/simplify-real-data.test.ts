/**
 * The simplified maps of real releases keep their topology: the 119th
 * Congress (the Census Bureau's own 1:20,000,000 shapes, whose neighbours
 * share vertices exactly) and the 2016 high-resolution districts (whose
 * neighbours do not: they overlap and leave gaps along their borders, which
 * the build's clean step closes). Every district is there with a geometry;
 * every pair of districts that borders at full resolution shares an arc at
 * both scales; neighbours do not overlap; no ring crosses itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, unpack } from '../testkit/datasets.ts';
import { cd119Sources } from '../testkit/shared-data.ts';
import { withDatabase } from '../pipeline/db.ts';
import { ingestGeojson } from '../pipeline/ingest/geojson.ts';
import { sharedDataDir } from '../pipeline/paths.ts';
import { buildRelease } from '../pipeline/release/build-release.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { tempDir } from '../testkit/temp.ts';
import { borderingPairs, overlapRatio, selfIntersecting, sharedArcPairs } from '../testkit/topology.ts';
import { readBundle } from '../testkit/bundle-file.ts';

const CLASS = 'congressional_districts';
const shared = sharedDataDir();
const cds2016 = DATASETS.find((d) => d.name === 'cds-2016')!;
const inputs = [
  { name: 'cd119', file: cd119Sources(shared).shapes, unpacked: false },
  {
    name: 'cds-2016',
    file: path.join(shared, 'unitedstates-districts', cds2016.archives[0]!),
    unpacked: true,
  },
];
const absent = inputs.filter((i) => !fs.existsSync(i.file)).map((i) => i.file);
if (absent.length > 0) console.warn(`SKIPPED simplified-map topology tests: ${absent.join(', ')} not found`);

type Districts = FeatureCollection<Polygon | MultiPolygon | null, { id: string; name: string; state_fips: string }>;
const figures: string[] = [];
const tmp = tempDir('simplify-real');
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  if (figures.length) console.info(`simplified-map topology (not asserted):\n  ${figures.join('\n  ')}`);
});

describe.skipIf(absent.length > 0).each(inputs)(
  '$name: simplified maps keep the topology',
  ({ name, file, unpacked }) => {
    const releaseDir = path.join(tmp, name, 'releases');
    let full: Districts;
    let bordering: Set<string>;
    const read = <T>(f: string) => JSON.parse(readBundle(path.join(releaseDir, 'v1.0.0', CLASS, `${f}.gz`))) as T;

    beforeAll(async () => {
      const dir = path.join(tmp, name);
      let input = file;
      if (unpacked) {
        await unpack(cds2016, shared, dir);
        input = path.join(dir, 'cds', '2016');
      }
      const dbPath = path.join(dir, 'geobundle.duckdb');
      await withDatabase(dbPath, {}, (db) => ingestGeojson(db.connection, { input, dataClass: CLASS }));
      await buildRelease({ dbPath, releasesDir: releaseDir, version: 'v1.0.0' });
      full = read<Districts>('polygons.geojson');
      bordering = borderingPairs(full.features);
    }, 300_000);

    it('records the vertices kept against the full resolution, per scale', () => {
      const entries = manifestFiles(readManifest(path.join(releaseDir, 'v1.0.0'))).filter(
        (f) => f.kind === 'simplified' && f.encoding === 'br',
      );
      expect(entries).toHaveLength(4);
      for (const e of entries) {
        expect(e.source_vertex_count).toBeGreaterThan(e.vertex_count!);
        expect(e.feature_count).toBe(full.features.length);
        figures.push(`${name} ${e.path}: ${e.vertex_count} of ${e.source_vertex_count} vertices, ${e.bytes} bytes`);
      }
    });

    it.each(['5m', '20m'])('%s', (scale) => {
      const topology = read<Topology>(`simplified/${scale}.topojson`);
      const geojson = read<Districts>(`simplified/${scale}.geojson`);
      const fromTopology = feature(topology, topology.objects[CLASS]!) as unknown as Districts;
      const ids = full.features.map((f) => f.properties.id).sort();
      for (const districts of [geojson, fromTopology]) {
        expect(districts.features.map((f) => f.properties.id).sort()).toEqual(ids);
        expect(districts.features.filter((f) => !f.geometry).map((f) => f.properties.id)).toEqual([]);
        for (const f of districts.features) expect(Object.keys(f.properties)).toEqual(['id', 'name', 'state_fips']);
        expect(selfIntersecting(districts.features)).toEqual([]);
      }
      const arcs = sharedArcPairs(topology, CLASS);
      expect(bordering.size).toBeGreaterThan(full.features.length);
      expect([...bordering].filter((p) => !arcs.has(p))).toEqual([]);
      const overlap = overlapRatio(fromTopology.features).ratio;
      figures.push(
        `${name} ${scale}: ${bordering.size} bordering pairs all share arcs; overlap ${overlap.toExponential(2)} of the area`,
      );
      // Neighbours overlap by no more than floating-point noise (the source's own overlap is
      // a bench figure: intersecting every full-resolution pair takes a minute).
      expect(overlap).toBeLessThanOrEqual(1e-6);
    });
  },
);
