/**
 * Geometry checks and normalisation shared by ingest (reject bad input before
 * it reaches DuckDB) and build (RFC 7946 output). Only areal geometries are
 * accepted: every class is a set of boundaries.
 */
import rewind from '@turf/rewind';
import type { Geometry, Position } from 'geojson';

export type ArealGeometry = Extract<Geometry, { type: 'Polygon' | 'MultiPolygon' }>;

function ringProblem(ring: Position[], where: string): string | null {
  if (!Array.isArray(ring) || ring.length < 4) return `${where} has fewer than 4 positions`;
  for (const [i, p] of ring.entries()) {
    if (!Array.isArray(p) || p.length < 2) return `${where} position ${i} is not [lon, lat]`;
    const [lon, lat] = p as [number, number];
    if (!Number.isFinite(lon) || !Number.isFinite(lat))
      return `${where} position ${i} is not a finite number (${JSON.stringify(p)})`;
    if (lon < -180 || lon > 180 || lat < -90 || lat > 90)
      return `${where} position ${i} is out of range (${lon}, ${lat})`;
  }
  const first = ring[0]!;
  const last = ring[ring.length - 1]!;
  if (first[0] !== last[0] || first[1] !== last[1]) return `${where} is not closed (first and last positions differ)`;
  return null;
}

/**
 * Returns the first problem with a geometry as a short phrase, or null when it
 * is a valid Polygon/MultiPolygon: every ring an array of at least 4
 * [lon, lat] positions of finite, in-range numbers, first equal to last
 * (RFC 7946 §3.1.6). Each check names where the problem is.
 *
 * Self-intersection is deliberately not checked: turf's booleanValid rejects
 * rings that touch themselves at a vertex, which published Census outlines do
 * (67 of us-atlas's 3,231 counties), and its pairwise segment test is
 * quadratic in ring size, far too slow for the 676 MB state-legislative set.
 */
export function geometryProblem(geometry: unknown): string | null {
  if (geometry === null || typeof geometry !== 'object') return 'geometry is missing';
  const g = geometry as { type?: unknown; coordinates?: unknown };
  if (g.type !== 'Polygon' && g.type !== 'MultiPolygon')
    return `geometry type ${JSON.stringify(g.type)} is not Polygon or MultiPolygon`;
  if (!Array.isArray(g.coordinates) || g.coordinates.length === 0) return 'geometry is empty (no coordinates)';
  const polygons = (g.type === 'Polygon' ? [g.coordinates] : g.coordinates) as Position[][][];
  for (const [pi, polygon] of polygons.entries()) {
    if (!Array.isArray(polygon) || polygon.length === 0) return `polygon ${pi} is empty`;
    for (const [ri, ring] of polygon.entries()) {
      const problem = ringProblem(ring, `polygon ${pi} ring ${ri}`);
      if (problem) return problem;
    }
  }
  return null;
}

function roundPosition(p: Position, factor: number): Position {
  return [Math.round(p[0]! * factor) / factor, Math.round(p[1]! * factor) / factor];
}

/**
 * RFC 7946 form: coordinates rounded to `precision` decimals (2D only), exterior
 * rings counter-clockwise and holes clockwise (RFC 7946 §3.1.6). Rounding can
 * collapse consecutive positions, which are then dropped.
 */
export function normalizeGeometry(geometry: ArealGeometry, precision: number): ArealGeometry {
  const factor = 10 ** precision;
  const roundRing = (ring: Position[]): Position[] => {
    const out: Position[] = [];
    for (const p of ring) {
      const r = roundPosition(p, factor);
      const prev = out[out.length - 1];
      if (!prev || prev[0] !== r[0] || prev[1] !== r[1]) out.push(r);
    }
    return out;
  };
  const rounded: ArealGeometry =
    geometry.type === 'Polygon'
      ? { type: 'Polygon', coordinates: geometry.coordinates.map(roundRing) }
      : { type: 'MultiPolygon', coordinates: geometry.coordinates.map((poly) => poly.map(roundRing)) };
  return rewind(rounded, { mutate: true }) as ArealGeometry;
}
