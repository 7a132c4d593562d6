import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatIncome,
  formatRepresentative,
  leanColor,
  safeHttpUrl,
} from '../demo/format.ts';
import { geoArea } from 'd3-geo';
import type { District } from '../client/geobundle-client.ts';
import { forD3, nationView, stateView } from '../demo/map-view.ts';

describe('district card formatting', () => {
  it.each([
    ['75K_100K', '$75K–$100K'],
    ['100_125K', '$100K–$125K'],
    ['LESS_10K', 'under $10K'],
    ['200K_MOR', '$200K or more'],
    [68123, '$68,123'],
    ['68123.4', '$68,123'],
    [null, '—'],
    [undefined, '—'],
    ['', '—'],
  ])('income %s → %s', (value, expected) => {
    expect(formatIncome(value)).toBe(expected);
  });

  it('formats counts, bytes, representatives and only http(s) links', () => {
    expect(formatCount(733391)).toBe('733,391');
    expect(formatCount(null)).toBe('—');
    expect(formatBytes(1_076_074)).toBe('1.0 MB');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatRepresentative('Eleanor Holmes Norton', 'Democrat')).toBe('Eleanor Holmes Norton (Democrat)');
    expect(formatRepresentative(null, 'Democrat')).toBe('—');
    expect(safeHttpUrl('https://en.wikipedia.org/wiki/X')).toBe('https://en.wikipedia.org/wiki/X');
    expect(safeHttpUrl('javascript:alert(1)')).toBeUndefined();
  });

  it('colours a partisan lean from neutral (EVEN) to blue (D) or red (R), saturating at 40 points', () => {
    expect(leanColor(0)).toBe('rgb(233, 237, 243)');
    expect(leanColor(40)).toBe(leanColor(75));
    expect(leanColor(-40)).toBe(leanColor(-75));
    const [r, , b] = leanColor(20)!.match(/\d+/g)!.map(Number);
    expect(b! > r!).toBe(true);
    const [r2, , b2] = leanColor(-20)!.match(/\d+/g)!.map(Number);
    expect(r2! > b2!).toBe(true);
    expect(leanColor(null)).toBeUndefined();
    expect(leanColor('n/a')).toBeUndefined();
  });
});

describe('map views (d3-geo)', () => {
  const square = (id: string, state: string, lon: number, lat: number, d = 0.5): District => ({
    type: 'Feature',
    properties: { id, name: id, state_fips: state },
    // RFC 7946 winding, as releases write it: the exterior counter-clockwise.
    geometry: {
      type: 'Polygon',
      coordinates: [
        [
          [lon - d, lat - d],
          [lon + d, lat - d],
          [lon + d, lat + d],
          [lon - d, lat + d],
          [lon - d, lat - d],
        ],
      ],
    },
  });
  const nation = forD3([
    square('ca', '06', -118.24, 34.05),
    square('ma', '25', -71.06, 42.36),
    square('ak', '02', -149.9, 61.2),
    square('hi', '15', -157.86, 21.31),
    square('pr', '72', -66.1, 18.4),
  ]);

  it('reverses the rings for d3, so a district is its own small area, not the rest of the sphere', () => {
    expect(geoArea(square('x', '06', -100, 40))).toBeGreaterThan(6); // steradians: nearly the sphere (4π)
    expect(geoArea(forD3([square('x', '06', -100, 40)])[0]!)).toBeLessThan(1e-3);
  });

  it.each([
    ['Los Angeles', -118.24, 34.05],
    ['Boston', -71.06, 42.36],
    ['Anchorage (Alaska inset)', -149.9, 61.2],
    ['Honolulu (Hawaii inset)', -157.86, 21.31],
    ['San Juan (Puerto Rico inset)', -66.1, 18.4],
  ])('the national composite draws %s on the canvas and inverts a click back to it', (_what, lon, lat) => {
    const { projection, borders } = nationView(nation, 900, 560);
    const [x, y] = projection([lon, lat])!;
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThan(900);
    expect(y).toBeGreaterThan(0);
    expect(y).toBeLessThan(560);
    const back = projection.invert!([x, y])!;
    expect(back[0]).toBeCloseTo(lon, 4);
    expect(back[1]).toBeCloseTo(lat, 4);
    expect(borders).toMatch(/^M/);
  });

  it('a state view keeps Alaska together across the antimeridian (Attu to Juneau on one canvas)', () => {
    const alaska = forD3([square('attu', '02', 173.2, 52.9), square('juneau', '02', -134.4, 58.3)]);
    const { projection } = stateView(alaska, 900, 560);
    for (const point of [
      [173.2, 52.9],
      [-134.4, 58.3],
    ] as Array<[number, number]>) {
      const [x, y] = projection(point)!;
      expect(x).toBeGreaterThan(0);
      expect(x).toBeLessThan(900);
      expect(y).toBeGreaterThan(0);
      expect(y).toBeLessThan(560);
    }
  });
});
