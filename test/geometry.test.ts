import { describe, expect, it } from 'vitest';
import { geometryProblem, normalizeGeometry } from '../pipeline/geometry.ts';

const square = (coords: number[][]) => ({ type: 'Polygon', coordinates: [coords] });

describe('geometryProblem', () => {
  it('accepts a closed polygon', () => {
    expect(
      geometryProblem(
        square([
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 1],
          [0, 0],
        ]),
      ),
    ).toBeNull();
  });

  it.each([
    [
      'an unclosed ring',
      square([
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
      ]),
      /fewer than 4|not closed/,
    ],
    [
      'an unclosed ring of 5',
      square([
        [0, 0],
        [1, 0],
        [1, 1],
        [0, 1],
        [0, 0.5],
      ]),
      /not closed/,
    ],
    [
      'NaN',
      square([
        [0, 0],
        [NaN, 0],
        [1, 1],
        [0, 0],
      ]),
      /not a finite number/,
    ],
    [
      'out of range',
      square([
        [0, 0],
        [181, 0],
        [1, 1],
        [0, 0],
      ]),
      /out of range/,
    ],
    ['an empty geometry', { type: 'MultiPolygon', coordinates: [] }, /empty/],
    ['a point', { type: 'Point', coordinates: [0, 0] }, /not Polygon or MultiPolygon/],
    ['no geometry', null, /missing/],
  ])('rejects %s', (_what, geometry, message) => {
    expect(geometryProblem(geometry)).toMatch(message);
  });
});

describe('normalizeGeometry', () => {
  it('rounds to the precision and winds exteriors counter-clockwise, holes clockwise', () => {
    const clockwise = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [0, 10.1234567],
          [10, 10],
          [10, 0],
          [0, 0],
        ],
        [
          [2, 2],
          [4, 2],
          [4, 4],
          [2, 4],
          [2, 2],
        ],
      ],
    };
    expect(normalizeGeometry(clockwise, 3).coordinates).toEqual([
      [
        [0, 0],
        [10, 0],
        [10, 10],
        [0, 10.123],
        [0, 0],
      ],
      [
        [2, 2],
        [2, 4],
        [4, 4],
        [4, 2],
        [2, 2],
      ],
    ]);
  });
});
