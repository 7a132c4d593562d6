import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatCount,
  formatIncome,
  formatRepresentative,
  leanColor,
  safeHttpUrl,
} from '../demo/format.ts';
import { fitUsProjection } from '../demo/projection.ts';

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

describe('fitUsProjection', () => {
  const boxes = new Map<string | null, [number, number, number, number]>([
    ['06', [-124.4, 32.5, -114.1, 42]],
    ['25', [-73.5, 41.2, -69.9, 42.9]],
    ['02', [-187.5, 51.2, -130, 71.4]], // Aleutians unwrapped past -180
    ['15', [-160.2, 18.9, -154.8, 22.2]],
  ]);
  const projection = fitUsProjection(boxes, 900, 500);

  it.each([
    ['Los Angeles', '06', -118.24, 34.05],
    ['Boston', '25', -71.06, 42.36],
    ['Anchorage (Alaska inset)', '02', -149.9, 61.2],
    ['Attu, west of 180° (Alaska inset)', '02', 173.2, 52.9],
    ['Honolulu (Hawaii inset)', '15', -157.86, 21.31],
  ])('inverts what it projects: %s', (_what, fips, lon, lat) => {
    const [x, y] = projection.project([lon, lat], fips);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(900);
    const back = projection.invert(x, y)!;
    expect(back[0]).toBeCloseTo(lon, 6);
    expect(back[1]).toBeCloseTo(lat, 6);
  });
});
