/**
 * Whether polygons are valid by GEOS's rules — the OGC simple-features
 * rules QGIS, PostGIS and shapely apply: no ring crossing or touching
 * itself, holes inside their shell, the parts of a multipolygon apart — as
 * GDAL judges them: ogr2ogr runs SpatiaLite's ST_IsValid (GEOS) over a
 * GeoJSON file. It shares nothing with the maps' writer (mapshaper) nor with
 * the project's own ring checks (testkit/topology.ts), so it catches what
 * they miss. A TopoJSON map is checked as a client sees it: decoded by
 * topojson-client.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import type { Feature, FeatureCollection, Geometry } from 'geojson';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { tempDir } from './temp.ts';

type Identified = Feature<Geometry | null, { id: string }>;

/** A geometry GEOS rejects: its feature's id and GEOS's reason, with the place (`Self-intersection[-76.6096 37.1679]`). */
export interface Invalid {
  id: string;
  reason: string;
}

/** The layer name GDAL gives the file it checks (its base name). */
const LAYER = 'features';

/**
 * One row per feature: null geometries (which GeoJSON allows, and the maps keep for a
 * source with no area) are not GEOS's to judge; the reason is asked for only when invalid.
 */
const QUERY = `SELECT id, CASE WHEN geometry IS NULL OR ST_IsValid(geometry) = 1 THEN NULL ELSE ST_IsValidReason(geometry) END AS reason FROM ${LAYER}`;

async function runQuery(file: string): Promise<Array<{ id: string; reason: string | null }>> {
  const result = await execa('ogr2ogr', ['-f', 'GeoJSON', '/vsistdout/', file, '-dialect', 'SQLite', '-sql', QUERY], {
    timeout: 300_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const rows = JSON.parse(result.stdout) as FeatureCollection<null, { id: string; reason: string | null }>;
  return rows.features.map((f) => f.properties);
}

/** The features GEOS rejects, in order; throws if GDAL did not see every feature. */
export async function invalidGeometries(features: readonly Identified[]): Promise<Invalid[]> {
  const dir = tempDir('geos');
  try {
    const file = path.join(dir, `${LAYER}.geojson`);
    // Only id and geometry, written afresh: no top-level id or name member for GDAL to read instead.
    const plain = features.map((f) => ({
      type: 'Feature',
      properties: { id: String(f.properties.id) },
      geometry: f.geometry,
    }));
    fs.writeFileSync(file, JSON.stringify({ type: 'FeatureCollection', features: plain }));
    const rows = await runQuery(file);
    if (rows.length !== features.length)
      throw new Error(`GDAL read ${rows.length} of ${features.length} features of ${file}`);
    return rows.filter((r) => r.reason !== null).map((r) => ({ id: r.id, reason: r.reason! }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The features of a map file's text, GeoJSON as it is, TopoJSON decoded by topojson-client as a client does. */
export function mapFeatures(text: string, format: 'geojson' | 'topojson', objectName: string): Identified[] {
  const json = JSON.parse(text) as FeatureCollection<Geometry | null, { id: string }> | Topology;
  if (format === 'geojson') return (json as FeatureCollection<Geometry | null, { id: string }>).features;
  const topology = json as Topology;
  const object = topology.objects[objectName] as GeometryCollection<{ id: string }> | undefined;
  if (!object) throw new Error(`the TopoJSON has no object ${objectName}`);
  return feature(topology, object).features as Identified[];
}

/** Why GEOS checks cannot run here, or null when GDAL's SQLite dialect has SpatiaLite's ST_IsValid. */
export async function geosMissingReason(): Promise<string | null> {
  const why =
    'GDAL with SpatiaLite is not installed (Debian gdal-bin; scripts/install-system-deps.sh test installs it; make test runs it)';
  try {
    const bowtie = {
      type: 'Polygon' as const,
      coordinates: [
        [
          [0, 0],
          [1, 1],
          [1, 0],
          [0, 1],
          [0, 0],
        ],
      ],
    };
    const found = await invalidGeometries([{ type: 'Feature', properties: { id: 'bowtie' }, geometry: bowtie }]);
    return found.length === 1 ? null : `${why}: a bow-tie polygon passed ST_IsValid`;
  } catch (error) {
    return `${why}: ${(error as Error).message.split('\n')[0]}`;
  }
}
