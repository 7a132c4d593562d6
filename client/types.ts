/**
 * The client's types, in one module every other client module imports and
 * none of them is imported back by: what a release, its files and the
 * loaded districts look like. The manifest and current-pointer types are
 * core's, shared with the pipeline, so client and build cannot drift apart.
 */
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import type { Encoding, FileKind, ReleaseManifest } from '../core/release-format.ts';
import type { FileCache } from './cache.ts';

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

export type MapScale = '5m' | '20m';
export type MapFormat = 'geojson' | 'topojson';

/** Where a file's bytes came from on one load. */
export type Origin = 'network' | 'cache';

export interface OpenReleaseOptions {
  /** Origin (and optional path prefix) that serves `/api/v1/` and `/bundles/`, e.g. `https://example.org`. */
  baseUrl: string;
  /** A pinned version; default: whatever the server calls current. */
  version?: string;
  /** The file cache; default: IndexedDB, or none where IndexedDB is unavailable. */
  cache?: FileCache | null;
  fetch?: typeof fetch;
}

/** One file of a release as the client fetches it: both stored encodings are the same content. */
export interface BundleFile {
  /** The file's path in the release without encoding, e.g. `county/polygons.geojson`. */
  path: string;
  kind: FileKind;
  stateFips?: string;
  /** Simplified files: the map scale and the format. */
  scale?: MapScale;
  format?: MapFormat;
  /** sha256 and size of the decoded content: what is verified and kept. */
  sha256: string;
  bytes: number;
  /** The size the wire carries for each stored encoding. */
  encodedBytes: Partial<Record<Encoding, number>>;
  /**
   * The file's canonical URL, without encoding: the same in every release
   * whose file has the same bytes (so browser and CDN caches keep hitting
   * across releases); the server sends br or gzip as the browser accepts,
   * and the browser decodes it.
   */
  url: string;
}

export interface Release {
  readonly baseUrl: string;
  readonly version: string;
  readonly manifest: ReleaseManifest;
  /** Data classes in this release, in name order. */
  classes(): string[];
  /**
   * A file of a class: `polygons`, `census`, `wikipedia`, `all`, `by_state`
   * with `state`, or `simplified` with `scale` and `format`.
   */
  file(
    dataClass: string,
    kind: FileKind,
    options?: { state?: string; scale?: MapScale; format?: MapFormat },
  ): BundleFile;
  /** Every file the release lists. */
  files(): BundleFile[];
  /** A class's districts at full resolution, with their facts: the whole class or one state's file. */
  loadBundle(dataClass: string, options?: LoadBundleOptions): Promise<Bundle>;
  /** A class's simplified map at a scale: shapes only (id, name, state_fips), for drawing. */
  loadMap(dataClass: string, options: LoadMapOptions): Promise<ClassMap>;
  /** A class's census and wikipedia facts by district id. */
  loadFacts(dataClass: string, options?: LoadOptions): Promise<Facts>;
}

export interface LoadOptions {
  /** Called as decoded bytes arrive (never for files read from the cache). */
  onProgress?: (progress: { loaded: number; total: number }) => void;
}

export interface LoadBundleOptions extends LoadOptions {
  /** Two-digit state FIPS: load that state's file (`by_state/<fips>.geojson`) instead of the whole class. */
  state?: string;
}

export interface LoadMapOptions extends LoadOptions {
  /** `20m` (1:20,000,000, a national map) or `5m` (1:5,000,000, a state). */
  scale: MapScale;
  /** Default: whichever of the two the manifest lists fewer bytes for (TopoJSON stores shared borders once). */
  format?: MapFormat;
}

/** Where the loaders get their bytes: the cache, and fetch for what it lacks. */
export interface Loading {
  cache: FileCache | null;
  fetch: typeof fetch;
}

export interface Bundle {
  readonly version: string;
  readonly dataClass: string;
  /** The files the districts were built from: polygons, census and wikipedia, or one state's file. */
  readonly files: readonly BundleFile[];
  /** Where each file's bytes came from on this call, in the order of `files`. */
  readonly origins: readonly Origin[];
  /** `cache` when no file was downloaded, `network` when every one was, else `mixed`. */
  readonly origin: Origin | 'mixed';
  /** Whether every file is (now) kept in IndexedDB for later page loads. */
  readonly stored: boolean;
  readonly districts: DistrictCollection;
  /** The district containing a point (longitude, latitude in degrees), or undefined. */
  findDistrict(lon: number, lat: number): District | undefined;
}

/** A class's facts by district id: its census and wikipedia files. */
export interface Facts {
  census: Record<string, CensusFacts>;
  wikipedia: Record<string, WikipediaFacts>;
  files: readonly BundleFile[];
  origins: readonly Origin[];
  stored: boolean;
}

/** A class simplified for a map: properties id, name and state_fips (the facts are in loadFacts). */
export interface ClassMap extends Omit<Bundle, 'files' | 'origins' | 'origin' | 'stored'> {
  readonly scale: MapScale;
  readonly file: BundleFile;
  readonly origin: Origin;
  readonly stored: boolean;
  /**
   * The districts that may hold a point at full resolution: those whose
   * simplified polygons' boxes, grown by the scale's simplification
   * interval, hold it. The exact answer is the full-resolution file's.
   */
  districtsNear(lon: number, lat: number): District[];
}

export interface OpenLookupOptions {
  /** Origin of a geobundle server (`/api/v1/` and `/bundles/`), e.g. `https://example.org`. */
  baseUrl?: string;
  /**
   * Or the URL of a releases directory served as plain files (a static
   * host or an object store: current.json, the version directories and
   * `content/`); no API and no content negotiation is needed.
   */
  releasesUrl?: string;
  /** A pinned version (its manifest is read); default: the current release. */
  version?: string;
  /** The file cache; default: IndexedDB, or none where IndexedDB is unavailable. */
  cache?: FileCache | null;
  fetch?: typeof fetch;
}

export interface LookupOptions {
  /** Also read each found district's census and wikipedia facts (a few small files more). */
  facts?: boolean;
}

/** A district found at a point. */
export interface FoundDistrict {
  id: string;
  name: string;
  state_fips: string | null;
  /** With `facts`: the district's census and wikipedia rows, null where it has none. */
  census?: CensusFacts | null;
  wikipedia?: WikipediaFacts | null;
}

export interface LookupAnswer {
  lat: number;
  lon: number;
  version: string;
  /** Every class of the release: its district at the point, or null where none holds it (the sea, another country). */
  districts: Record<string, FoundDistrict | null>;
  /** The files this lookup read, in order, and where each came from (`memory`: already read on this page). */
  files: Array<{
    kind: 'page' | 'cell' | 'facts-root' | 'facts-directory' | 'facts';
    sha256: string;
    from: 'memory' | 'cache' | 'network';
  }>;
}

/** A release's lookup index, open. */
export interface DistrictLookup {
  readonly version: string;
  /** The classes every answer names, in name order. */
  readonly classes: readonly string[];
  /** The districts at a point; rejects with a one-line message when the point is not a latitude and longitude. */
  lookup(point: { lat: number; lon: number }, options?: LookupOptions): Promise<LookupAnswer>;
}
