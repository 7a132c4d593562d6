/**
 * Simplification on hand-made districts, turf style: each
 * fixtures/simplify/in/<case>.geojson (a class's polygons.geojson) is
 * simplified at both scales, and the four files are compared with
 * fixtures/simplify/out/<case>/ (REGEN=1 rewrites them). Whatever the bytes,
 * the topology must hold: every district kept, every border shared at full
 * resolution still one shared arc, no overlaps, no ring crossing itself,
 * and every polygon of both formats valid for GEOS (through GDAL, as a GIS
 * reads them). narrow-tongue is the way the 2016 districts NC-09 and VA-04
 * failed it: a tongue of one district between two others, 8 m wide at its
 * base, whose two base corners round to one point of the files' grid, so
 * that rounding alone folds it into a spike.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { feature } from 'topojson-client';
import type { Topology } from 'topojson-specification';
import { afterAll, describe, expect, it } from 'vitest';
import { SIMPLIFIED_FORMATS, SIMPLIFIED_SCALES } from '../pipeline/release/formats/maps.ts';
import { simplifyClass } from '../pipeline/release/formats/maps/mapshaper.ts';
import { expectFile, fixtureCases } from './helpers/fixtures.ts';
import { geosMissingReason, invalidGeometries, mapFeatures } from '../testkit/geos-validity.ts';
import { tempDir } from '../testkit/temp.ts';
import { borderingPairs, overlapRatio, selfIntersecting, sharedArcPairs } from '../testkit/topology.ts';

const FIXTURES = path.resolve(import.meta.dirname, 'fixtures', 'simplify');
type Districts = FeatureCollection<Polygon | MultiPolygon | null, { id: string; name: string; state_fips: string }>;

const noGeos = await geosMissingReason();
if (noGeos) console.warn(`SKIPPED GEOS validity of the simplified fixtures: ${noGeos}`);

const tmp = tempDir('simplify');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe.each(fixtureCases(path.join(FIXTURES, 'in'), '.geojson'))('simplify $name', ({ name, file }) => {
  const source = JSON.parse(fs.readFileSync(file, 'utf8')) as Districts;
  const ids = source.features.map((f) => f.properties.id).sort();
  const outDir = path.join(tmp, name);
  const simplified = (async () => {
    const gz = path.join(tmp, `${name}.geojson.gz`);
    fs.writeFileSync(gz, zlib.gzipSync(fs.readFileSync(file)));
    return simplifyClass(gz, outDir, { objectName: 'districts' });
  })();
  const read = (f: string) => fs.readFileSync(path.join(outDir, f), 'utf8');

  it('writes the expected files at 1:5,000,000 and 1:20,000,000, GeoJSON and TopoJSON', async () => {
    const { outputs, sourceVertexCount } = await simplified;
    expect(outputs.map((o) => path.basename(o.file))).toEqual([
      '5m.geojson',
      '5m.topojson',
      '20m.geojson',
      '20m.topojson',
    ]);
    for (const o of outputs)
      expectFile(read(path.basename(o.file)), path.join(FIXTURES, 'out', name, path.basename(o.file)));
    const counts = Object.fromEntries(
      outputs.filter((o) => o.format === 'geojson').map((o) => [o.scale.name, o.vertexCount]),
    );
    expectFile(
      `${JSON.stringify({ source: sourceVertexCount, ...counts }, null, 2)}\n`,
      path.join(FIXTURES, 'out', name, 'vertices.json'),
    );
    // Simplification removes vertices, and more of them at the smaller scale.
    expect(counts['5m']).toBeLessThan(sourceVertexCount);
    expect(counts['20m']).toBeLessThanOrEqual(counts['5m']!);
  });

  it("gives the same files and count from the build's own text, linked and counted while mapshaper runs", async () => {
    const { outputs, sourceVertexCount } = await simplified;
    const text = path.join(tmp, `${name}.geojson`);
    fs.copyFileSync(file, text);
    const plainDir = path.join(tmp, `${name}-plain`);
    const plain = await simplifyClass(text, plainDir, { objectName: 'districts' });
    expect(plain.sourceVertexCount).toBe(sourceVertexCount);
    for (const o of outputs) {
      const f = path.basename(o.file);
      expect(fs.readFileSync(path.join(plainDir, f), 'utf8'), f).toBe(read(f));
    }
    // Only mapshaper's link to the text goes; the text is the build's.
    expect(fs.readdirSync(plainDir).sort()).toEqual(outputs.map((o) => path.basename(o.file)).sort());
    expect(fs.existsSync(text)).toBe(true);
  });

  it.each(SIMPLIFIED_SCALES.map((s) => s.name))('%s: topology kept', async (scale) => {
    await simplified;
    const geojson = JSON.parse(read(`${scale}.geojson`)) as Districts;
    const topology = JSON.parse(read(`${scale}.topojson`)) as Topology;
    const fromTopology = feature(topology, topology.objects.districts!) as unknown as Districts;
    for (const districts of [geojson, fromTopology]) {
      // Every district survives, with a geometry, and only id, name and state_fips.
      expect(districts.features.map((f) => f.properties.id).sort()).toEqual(ids);
      expect(districts.features.filter((f) => !f.geometry)).toEqual([]);
      for (const f of districts.features) expect(Object.keys(f.properties)).toEqual(['id', 'name', 'state_fips']);
      expect(selfIntersecting(districts.features)).toEqual([]);
      expect(overlapRatio(districts.features).ratio).toBeLessThanOrEqual(1e-9);
    }
    const shared = sharedArcPairs(topology, 'districts');
    const bordering = [...borderingPairs(source.features, { cell: 0.0005, minCells: 3 })].sort();
    expect(bordering.length).toBeGreaterThan(0);
    expect(bordering.filter((p) => !shared.has(p))).toEqual([]);
  });

  it.skipIf(noGeos).each(SIMPLIFIED_SCALES.flatMap((s) => SIMPLIFIED_FORMATS.map((f) => `${s.name}.${f}`)))(
    '%s: every polygon valid for GEOS',
    async (file) => {
      await simplified;
      const format = file.endsWith('.topojson') ? 'topojson' : 'geojson';
      expect(await invalidGeometries(mapFeatures(read(file), format, 'districts'))).toEqual([]);
    },
  );
});
