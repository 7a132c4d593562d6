/**
 * The TopoJSON maps are quantized on the GeoJSON's grid: a topology whose
 * positions lie on it decodes to exactly those positions (no vertex moved,
 * so no repair undone); one with a position off it is left unquantized.
 */
import { feature } from 'topojson-client';
import type { GeometryCollection, Objects, Topology } from 'topojson-specification';
import { describe, expect, it } from 'vitest';
import { quantizeOnGrid } from '../pipeline/release/formats/maps/grid-topology.ts';

/** Two squares sharing their middle arc, unquantized, as mapshaper writes them with no-quantization. */
function twoSquares(middle: number[][]): Topology<Objects> {
  return {
    type: 'Topology',
    arcs: [
      [
        [-80.8403, 35.0017],
        [-80.8403, 35.0018],
        [-80.8401, 35.0018],
      ],
      middle,
      [
        [-80.8401, 35.0016],
        [-80.8403, 35.0016],
        [-80.8403, 35.0017],
      ],
      [
        [-80.8401, 35.0018],
        [-80.8399, 35.0018],
        [-80.8399, 35.0016],
        [-80.8401, 35.0016],
      ],
    ],
    objects: {
      districts: {
        type: 'GeometryCollection',
        geometries: [
          { type: 'Polygon', arcs: [[0, 1, 2]], properties: { id: 'a' } },
          { type: 'Polygon', arcs: [[~1, 3]], properties: { id: 'b' } },
        ],
      },
    },
  } as unknown as Topology<Objects>;
}

const ON_GRID = [
  [-80.8401, 35.0018],
  [-80.8401, 35.0017],
  [-80.8401, 35.0016],
];

function coordinates(topology: Topology<Objects>): number[][] {
  const districts = feature(topology, topology.objects.districts as GeometryCollection);
  return districts.features.flatMap((f) => (f.geometry as { coordinates: number[][][] }).coordinates.flat());
}

describe('quantizeOnGrid', () => {
  it('quantizes on the grid, every position decoded where it was', () => {
    const source = twoSquares(ON_GRID);
    const quantized = quantizeOnGrid(source, 0.0001);
    expect(quantized.transform).toEqual({ scale: [0.0001, 0.0001], translate: [-80.8403, 35.0016] });
    // Whole cells from the box's corner, delta-encoded: the shared arc is (2, 2), (0, -1), (0, -1).
    expect(quantized.arcs[1]).toEqual([
      [2, 2],
      [0, -1],
      [0, -1],
    ]);
    const decoded = coordinates(quantized);
    const original = coordinates(source);
    expect(decoded).toHaveLength(original.length);
    decoded.forEach(([x, y], i) => {
      expect(x).toBeCloseTo(original[i]![0]!, 12);
      expect(y).toBeCloseTo(original[i]![1]!, 12);
    });
  });

  it('leaves a topology with a position off the grid unquantized, nothing moved', () => {
    const offGrid = ON_GRID.map((p) => [...p]);
    offGrid[1] = [-80.84012345, 35.0017];
    const source = twoSquares(offGrid);
    expect(quantizeOnGrid(source, 0.0001)).toBe(source);
  });
});
