import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { isCollection, progressOver, what, type Bundle, type LoadOptions, type Loading } from './bundle.ts';
import { buildDistrictIndex } from './district-index.ts';
import { loadFile, parseJson, type Source } from './load-file.ts';
import type { BundleFile, Release } from './release.ts';
import type { District, DistrictCollection } from './types.ts';

export type MapScale = '5m' | '20m';
export type MapFormat = 'geojson' | 'topojson';

export interface LoadMapOptions extends LoadOptions {
  /** `20m` (1:20,000,000, a national map) or `5m` (1:5,000,000, a state). */
  scale: MapScale;
  /** Default: whichever of the two the manifest lists fewer bytes for (TopoJSON stores shared borders once). */
  format?: MapFormat;
}

/** A class simplified for a map: properties id, name and state_fips (the facts are in loadFacts). */
export interface ClassMap extends Omit<Bundle, 'files' | 'sources' | 'source' | 'stored'> {
  readonly scale: MapScale;
  readonly file: BundleFile;
  readonly source: Source;
  readonly stored: boolean;
  /**
   * The districts that may hold a point at full resolution: those whose
   * simplified polygons' boxes, grown by the scale's simplification
   * interval, hold it. The exact answer is the full-resolution file's.
   */
  districtsNear(lon: number, lat: number): District[];
}

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
  const got = await loadFile(release, file, {
    cache: options.cache,
    fetchFn: options.fetch,
    onBytes: progressOver([file], options.onProgress),
  });
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
    source: got.source,
    stored: got.stored,
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
    districtsNear: (lon, lat) => index.near(lon, lat, marginDegrees(release, options.scale, lat)),
  };
}
