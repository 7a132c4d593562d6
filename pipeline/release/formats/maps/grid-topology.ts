/**
 * A TopoJSON quantized on the maps' decimal grid (formats/maps.ts
 * MAP_PRECISION) rather than on mapshaper's, which divides the extent into
 * a number of cells and so rounds every vertex a second time, onto points
 * the GeoJSON does not have: what the dissolve repaired on one grid,
 * rounding to another can break again (three polygons of the 2012
 * districts at 5m). mapshaper writes the TopoJSON unquantized with its
 * positions on the grid already, so quantizing moves none of them, and it
 * decodes to the GeoJSON's own coordinates. A position off the grid (one
 * mapshaper's fix-geometry left unrounded, because rounding it would make
 * two segments cross) cannot be held by it: the topology is then left
 * unquantized rather than moved.
 */
import { bbox, quantize } from 'topojson-client';
import type { Objects, Topology } from 'topojson-specification';

/** How far from a grid point, in cells, a position may lie and still be on it: floating-point noise only. */
const ON_GRID = 1e-6;

/** `topology` (unquantized) quantized on a grid of `cell` degrees, or as it is when a position lies off that grid. */
export function quantizeOnGrid<T extends Objects>(topology: Topology<T>, cell: number): Topology<T> {
  const [x0, y0] = bbox(topology);
  const onGrid = (v: number, origin: number) => {
    const cells = (v - origin) / cell;
    return Math.abs(cells - Math.round(cells)) < ON_GRID;
  };
  const positions = topology.arcs.flat();
  if (positions.length === 0 || !positions.every(([x, y]) => onGrid(x!, x0!) && onGrid(y!, y0!))) return topology;
  // The box's corner is a position, so on the grid: every position is a whole number of cells from it.
  return quantize(topology, { scale: [cell, cell], translate: [x0!, y0!] });
}
