import { createRequire } from 'node:module';
import type { Feature, MultiPolygon, Polygon } from 'geojson';
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { buildDistrictIndex } from '../client/district-index.ts';

type Area = Feature<Polygon | MultiPolygon, { id: string }>;
const square = (x0: number, y0: number, x1: number, y1: number) => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
const area = (id: string, geometry: Polygon | MultiPolygon): Area => ({
  type: 'Feature',
  id,
  properties: { id },
  geometry,
});

describe('buildDistrictIndex (fixtures)', () => {
  // A county with an independent city in a hole, like Albemarle around Charlottesville;
  // a district of two islands; one that straddles the antimeridian like the Aleutians.
  const ring: Area = area('ring', {
    type: 'Polygon',
    coordinates: [square(0, 0, 10, 10), square(4, 4, 6, 6).reverse()],
  });
  const city: Area = area('city', { type: 'Polygon', coordinates: [square(4, 4, 6, 6)] });
  const islands: Area = area('islands', {
    type: 'MultiPolygon',
    coordinates: [[square(20, 0, 22, 2)], [square(30, 8, 32, 10)]],
  });
  const aleutians: Area = area('aleutians', {
    type: 'MultiPolygon',
    coordinates: [[square(172, 50, 179.9, 53)], [square(-179.9, 50, -170, 53)]],
  });
  const index = buildDistrictIndex([ring, city, islands, aleutians]);
  const at = (lon: number, lat: number) => index.find(lon, lat)?.properties.id;

  it.each([
    ['inside the ring', 1, 1, 'ring'],
    ['in the hole: the city, not the ring', 5, 5, 'city'],
    ['on the first island', 21, 1, 'islands'],
    ['on the second island', 31, 9, 'islands'],
    ['between the islands (inside their combined box)', 25, 5, undefined],
    ['west of the antimeridian', 175, 51, 'aleutians'],
    ['east of the antimeridian', -175, 51, 'aleutians'],
    ['in the sea between', 0, 51, undefined],
    ['on a shared edge (boundary counts)', 10, 5, 'ring'],
    ['nowhere', -50, -50, undefined],
    ['NaN', Number.NaN, 5, undefined],
  ])('%s', (_what, lon, lat, expected) => {
    expect(at(lon, lat)).toBe(expected);
  });
});

describe('buildDistrictIndex (us-atlas counties)', () => {
  const require = createRequire(import.meta.url);
  const topology = require('us-atlas/counties-10m.json') as Topology;
  const counties = feature(topology, topology.objects.counties as GeometryCollection).features as unknown as Area[];
  const index = buildDistrictIndex(counties);
  const at = (lon: number, lat: number) => String(index.find(lon, lat)?.id);

  it.each([
    ['downtown Los Angeles', -118.2437, 34.0522, '06037'],
    ['Avalon, on Santa Catalina Island (a second polygon of Los Angeles County)', -118.3267, 33.3428, '06037'],
    ['Charlottesville, a city in a hole of Albemarle County', -78.4767, 38.0293, '51540'],
    ['Albemarle County outside the hole', -78.6, 38.05, '51003'],
    ['Fairfax city, in a hole of Fairfax County', -77.3064, 38.8462, '51600'],
    ['Cook County (Chicago)', -87.6298, 41.8781, '17031'],
    ['Honolulu', -157.8583, 21.3069, '15003'],
    ['Adak, Aleutians West (west of 180° there are more of its islands)', -176.6581, 51.88, '02016'],
    ['the middle of the Atlantic', -40, 35, 'undefined'],
  ])('%s', (_what, lon, lat, expected) => {
    expect(at(lon, lat)).toBe(expected);
  });

  it('agrees with testing every county for 300 points spread over the lower 48', () => {
    let seed = 7; // Park–Miller sequence: the same points every run, no flaky cases
    const next = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    for (let i = 0; i < 300; i++) {
      const [lon, lat] = [-124 + next() * 57, 25 + next() * 24];
      const containing = counties.filter((c) => booleanPointInPolygon([lon, lat], c)).map((c) => String(c.id));
      const found = index.find(lon, lat);
      if (containing.length === 0) expect(found, `${lon},${lat}`).toBeUndefined();
      else expect(containing, `${lon},${lat}`).toContain(String(found?.id));
    }
  });
});
