import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';

/**
 * What the browser reads from a release. The manifest and current-pointer
 * types are core's, shared with the pipeline, so client and build cannot
 * drift apart.
 */
export type { CurrentRelease, ManifestFile, ReleaseManifest } from '../core/release-format.ts';

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
