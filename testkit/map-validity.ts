/**
 * GEOS-invalid geometries of a release's simplified maps, per class, scale
 * and format (the TopoJSON decoded as a client decodes it), with the
 * vertices each map kept: the figure issue 18 asks for, judged by GDAL's
 * GEOS (geos-validity.ts), not by the tool that wrote the maps. The tests
 * assert it; bench/maps-bench.ts records it per data set, and
 * bench/maps-validity.ts prints it for any release.
 */
import path from 'node:path';
import { SIMPLIFIED_FORMATS, SIMPLIFIED_SCALES } from '../pipeline/release/formats/maps.ts';
import { manifestFiles, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { readBundle } from './bundle-file.ts';
import { invalidGeometries, mapFeatures } from './geos-validity.ts';

export interface MapValidity {
  data_class: string;
  scale: string;
  format: 'geojson' | 'topojson';
  features: number;
  vertices: number;
  geos_invalid: number;
  /** The first few, as GEOS names them (`5104 Self-intersection[-76.6096 37.1679]`). */
  examples: string[];
}

/** One simplified file of a release, judged by GEOS. */
export async function mapValidity(
  releaseDir: string,
  dataClass: string,
  scale: string,
  format: 'geojson' | 'topojson',
): Promise<MapValidity> {
  const name = `${dataClass}/simplified/${scale}.${format}.gz`;
  const entry = manifestFiles(readManifest(releaseDir)).find((f) => f.path === name);
  if (!entry) throw new Error(`${releaseDir} has no ${name}`);
  const features = mapFeatures(readBundle(path.join(releaseDir, name)), format, dataClass);
  const invalid = await invalidGeometries(features);
  return {
    data_class: dataClass,
    scale,
    format,
    features: features.length,
    vertices: entry.vertex_count!,
    geos_invalid: invalid.length,
    examples: invalid.slice(0, 5).map((i) => `${i.id} ${i.reason}`),
  };
}

/** Every simplified file of a release, class by class, scale by scale. */
export async function mapsValidity(releaseDir: string): Promise<MapValidity[]> {
  const results: MapValidity[] = [];
  for (const dataClass of Object.keys(readManifest(releaseDir).classes).sort())
    for (const scale of SIMPLIFIED_SCALES)
      for (const format of SIMPLIFIED_FORMATS)
        results.push(await mapValidity(releaseDir, dataClass, scale.name, format));
  return results;
}

/** One line per map file: class, scale, format, vertices, GEOS-invalid count and the first few. */
export const validityLine = (v: MapValidity) =>
  `${v.data_class} ${v.scale} ${v.format}: ${v.features} features, ${v.vertices} vertices, ${v.geos_invalid} GEOS-invalid` +
  (v.examples.length ? ` (${v.examples.join('; ')})` : '');
