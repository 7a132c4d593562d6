import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Feature, MultiPolygon, Polygon, Position } from 'geojson';

/**
 * Point-in-polygon lookup over a set of boundaries. Each polygon of a
 * multipolygon gets its own bounding box: a county's scattered islands (or the
 * Aleutians on both sides of the antimeridian) would otherwise give one box
 * covering half the map. Boxes live in one flat Float64Array (minX, minY,
 * maxX, maxY per polygon), which a linear scan checks in well under a
 * millisecond even for the 6,779 state-legislative districts — an R-tree
 * would add a dependency for no measurable gain at this size. Candidates are
 * then confirmed with turf, which handles holes.
 */
export interface DistrictIndex<F extends Feature<Polygon | MultiPolygon>> {
  readonly features: readonly F[];
  /** The feature containing the point (boundary counts as inside), or undefined. */
  find(lon: number, lat: number): F | undefined;
  /**
   * Features with a polygon whose box, grown by `margin` degrees, holds the
   * point, each once, in index order: the candidates when the shapes are
   * simplified and the point may lie just outside the one it is in.
   */
  near(lon: number, lat: number, margin: number): F[];
}

function ringBox(ring: Position[], box: Float64Array, at: number): void {
  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (const [x, y] of ring as Array<[number, number]>) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  box[at] = minX;
  box[at + 1] = minY;
  box[at + 2] = maxX;
  box[at + 3] = maxY;
}

/** The polygons (rings of coordinates) of an areal geometry; none for anything else. */
export function polygonsOf(geometry: Polygon | MultiPolygon | null | undefined): Position[][][] {
  if (geometry?.type === 'Polygon') return [geometry.coordinates];
  if (geometry?.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

export function buildDistrictIndex<F extends Feature<Polygon | MultiPolygon>>(
  features: readonly F[],
): DistrictIndex<F> {
  const polygons: Array<{ feature: number; polygon: Polygon }> = [];
  features.forEach((f, i) => {
    for (const coordinates of polygonsOf(f.geometry)) {
      if (coordinates[0]?.length) polygons.push({ feature: i, polygon: { type: 'Polygon', coordinates } });
    }
  });
  // The exterior ring bounds its holes, so its box is the polygon's box.
  const boxes = new Float64Array(polygons.length * 4);
  for (const [i, p] of polygons.entries()) ringBox(p.polygon.coordinates[0]!, boxes, i * 4);

  return {
    features,
    find(lon, lat) {
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return undefined;
      for (let i = 0; i < polygons.length; i++) {
        const o = i * 4;
        if (lon < boxes[o]! || lat < boxes[o + 1]! || lon > boxes[o + 2]! || lat > boxes[o + 3]!) continue;
        const { feature, polygon } = polygons[i]!;
        if (booleanPointInPolygon([lon, lat], polygon)) return features[feature];
      }
      return undefined;
    },
    near(lon, lat, margin) {
      const found = new Set<number>();
      for (let i = 0; i < polygons.length; i++) {
        const o = i * 4;
        if (lon < boxes[o]! - margin || lat < boxes[o + 1]! - margin) continue;
        if (lon > boxes[o + 2]! + margin || lat > boxes[o + 3]! + margin) continue;
        found.add(polygons[i]!.feature);
      }
      return [...found].sort((a, b) => a - b).map((i) => features[i]!);
    },
  };
}
