/**
 * A class's simplified map, for drawing: which of its two formats to fetch,
 * and the districts near a point, which the full-resolution file then
 * settles.
 */
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { buildDistrictIndex } from './district-index.ts';
import { isCollection, loadFile, parseJson, progressOver, what } from './load-file.ts';
import type { ClassMap, DistrictCollection, LoadMapOptions, Loading, MapFormat, MapScale, Release } from './types.ts';

/** The smaller of a scale's two files, by the bytes the manifest lists for their br encoding. */
export function smallerFormat(release: Release, dataClass: string, scale: MapScale): MapFormat {
  const bytes = (format: MapFormat) => {
    const f = release.file(dataClass, 'simplified', { scale, format });
    return f.encodedBytes.br ?? f.encodedBytes.gzip ?? f.bytes;
  };
  return bytes('topojson') < bytes('geojson') ? 'topojson' : 'geojson';
}

/**
 * Twice the scale's simplification interval (metres, from the manifest: how
 * far a simplified border may stray) in degrees of longitude at `lat`, the
 * shorter degree, so the margin holds in both directions.
 */
function marginDegrees(release: Release, scale: MapScale, lat: number): number {
  const interval = release.manifest.simplification.scales.find((s) => s.name === scale)?.interval_m ?? 2000;
  return (2 * interval) / (111_320 * Math.max(Math.cos((lat * Math.PI) / 180), 0.1));
}

const isTopology = (v: unknown) =>
  (v as Partial<Topology>)?.type === 'Topology' && typeof (v as Topology).objects === 'object';

/**
 * Loads a class's simplified map (verified and kept like any other file):
 * a few hundred kilobytes for a national map of even the 4,882 lower-chamber
 * districts, where the full-resolution class is tens of megabytes.
 */
export async function loadMap(
  release: Release,
  dataClass: string,
  options: LoadMapOptions & Loading,
): Promise<ClassMap> {
  const format = options.format ?? smallerFormat(release, dataClass, options.scale);
  const file = release.file(dataClass, 'simplified', { scale: options.scale, format });
  const got = await loadFile(release, file, options, progressOver([file], options.onProgress));
  const where = what(release, file);
  let districts: DistrictCollection;
  if (format === 'topojson') {
    const topology = parseJson<Topology>(got.text, where, isTopology, 'a TopoJSON Topology');
    const object = topology.objects[dataClass] as GeometryCollection | undefined;
    if (!object) throw new Error(`${where} has no object "${dataClass}"`);
    districts = feature(topology, object) as unknown as DistrictCollection;
  } else {
    districts = parseJson<DistrictCollection>(got.text, where, isCollection, 'a GeoJSON FeatureCollection');
  }
  const index = buildDistrictIndex(districts.features);
  return {
    version: release.version,
    dataClass,
    scale: options.scale,
    file,
    origin: got.origin,
    stored: got.stored,
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
    districtsNear: (lon, lat) => index.near(lon, lat, marginDegrees(release, options.scale, lat)),
  };
}
