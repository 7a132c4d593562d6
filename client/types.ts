import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';

/**
 * What the browser reads from a release (see the release layout in the
 * README and manifests/release-manifest.schema.json). Only the fields the
 * client relies on are typed; the rest pass through untouched.
 */

/** `GET /api/v1/releases/current`. */
export interface CurrentRelease {
  version: string;
  updated_at?: string;
}

/** One file of a class in manifest.json; `sha256` is of the file's bytes as stored (the .gz). */
export interface ManifestFile {
  path: string;
  bytes: number;
  uncompressed_bytes: number;
  sha256: string;
  feature_count?: number;
  bbox?: number[];
}

export interface ReleaseManifest {
  version: string;
  built_at: string;
  classes: Record<string, { feature_count: number; files: ManifestFile[] }>;
}

/** Census columns of one district as in the source CSV (e.g. TOTPOP20, Median_HH_Income_Est). */
export type CensusFacts = Record<string, string | number | null>;

/** The wikipedia table's columns (snake_case), e.g. representative, party, extract, partisan_lean_label. */
export type WikipediaFacts = Record<string, string | number | null>;

/** Properties of a feature in `<class>/all.geojson`. */
export interface DistrictProperties {
  id: string;
  name: string;
  state_fips: string | null;
  census?: CensusFacts | null;
  wikipedia?: WikipediaFacts | null;
}

export type District = Feature<Polygon | MultiPolygon, DistrictProperties>;
export type DistrictCollection = FeatureCollection<Polygon | MultiPolygon, DistrictProperties>;
