/**
 * The GEOS check the maps are held to can fail: it names the polygons GEOS
 * rejects, with GEOS's reason, in GeoJSON and in TopoJSON decoded as a
 * client decodes it — the spikes rounding made of the 2016 districts NC-09
 * (into the district: "Ring Self-intersection") and VA-04 (out of it:
 * "Self-intersection") among them, which the project's own ring-crossing
 * check lets through — and passes valid ones and null geometries.
 */
import type { Feature, Geometry } from 'geojson';
import { describe, expect, it } from 'vitest';
import { geosMissingReason, invalidGeometries, mapFeatures } from '../testkit/geos-validity.ts';
import { selfIntersecting } from '../testkit/topology.ts';

const noGeos = await geosMissingReason();
if (noGeos) console.warn(`SKIPPED the GEOS validity check's own tests: ${noGeos}`);

const polygon = (id: string, ring: number[][]): Feature<Geometry, { id: string }> => ({
  type: 'Feature',
  properties: { id },
  geometry: { type: 'Polygon', coordinates: [ring] },
});

/** A square with a spike on its east side from (4, 2) to `tip` and back along the same line. */
const spiked = (id: string, tip: number[]) =>
  polygon(id, [[0, 0], [4, 0], [4, 2], tip, [4, 2], [4, 4], [0, 4], [0, 0]]);

const square = polygon('square', [
  [0, 0],
  [4, 0],
  [4, 4],
  [0, 4],
  [0, 0],
]);
const outward = spiked('outward', [7, 3]);
const inward = spiked('inward', [1, 3]);
const bowTie = polygon('bow-tie', [
  [0, 0],
  [4, 4],
  [4, 0],
  [0, 4],
  [0, 0],
]);
const empty: Feature<null, { id: string }> = { type: 'Feature', properties: { id: 'empty' }, geometry: null };

describe.skipIf(noGeos)('GEOS validity', () => {
  it('names each polygon GEOS rejects, with the reason and the place', async () => {
    // The reasons as GEOS words them (GDAL 3.6, GEOS 3.11); the ids and the kind are what count.
    expect(await invalidGeometries([square, outward, inward, bowTie, empty])).toEqual([
      { id: 'outward', reason: expect.stringContaining('Self-intersection[7 3]') },
      { id: 'inward', reason: expect.stringContaining('Ring Self-intersection') },
      { id: 'bow-tie', reason: expect.stringContaining('Self-intersection[2 2]') },
    ]);
  });

  it('catches the spikes the ring-crossing check lets through', () => {
    expect(selfIntersecting([outward, inward, bowTie] as never)).toEqual(['bow-tie']);
  });

  it('checks a TopoJSON as a client decodes it', async () => {
    // The inward spike as one quantized, delta-encoded arc.
    const topology = {
      type: 'Topology',
      transform: { scale: [1, 1], translate: [0, 0] },
      arcs: [
        [
          [0, 0],
          [4, 0],
          [0, 2],
          [-3, 1],
          [3, -1],
          [0, 2],
          [-4, 0],
          [0, -4],
        ],
      ],
      objects: {
        districts: {
          type: 'GeometryCollection',
          geometries: [{ type: 'Polygon', arcs: [[0]], properties: { id: 'inward' } }],
        },
      },
    };
    const features = mapFeatures(JSON.stringify(topology), 'topojson', 'districts');
    expect(features[0]!.geometry).toEqual(inward.geometry);
    expect(await invalidGeometries(features)).toEqual([
      { id: 'inward', reason: expect.stringContaining('Ring Self-intersection') },
    ]);
  });

  it('passes valid polygons', async () => {
    expect(await invalidGeometries([square])).toEqual([]);
  });
});
