/**
 * The shape of a release as every reader sees it: manifest.json and the
 * current pointer. Types only, so the browser client and the Node pipeline
 * share them without the browser bundle pulling in any Node code;
 * manifests/release-manifest.schema.json is the normative description.
 */
import type { CurrentLookup } from './lookup-format.ts';
import type { DataClassName, ReleaseVersion, StateFips } from './types.ts';

/** [west, south, east, north] in degrees, as in RFC 7946 §5. */
export type Bbox = [number, number, number, number];

/** The Content-Encoding a bundle file is stored in: `identity` for the GIS files, stored as they are (range requests address their own bytes). */
export type Encoding = 'gzip' | 'br' | 'identity';

export interface CompressionTier {
  /** The tier applies only to files of these kinds (absent: to every kind). */
  kinds?: FileKind[];
  /** The tier applies to files whose estimated uncompressed size is at most this many bytes (null: any size). */
  max_uncompressed_bytes: number | null;
  gzip_level: number;
  brotli_quality: number;
  brotli_lgwin: number;
}

export interface ReleaseManifest {
  version: ReleaseVersion;
  built_at: string;
  generator: { name: 'geobundle'; version: string };
  /** Digest of every file's input fingerprint: same value, same source data and settings. */
  source_fingerprint: string;
  coordinate_precision: number;
  compression: { tiers: CompressionTier[] };
  /** What changed against the release this one was built after (changes.json beside the manifest). */
  changes: { from: ReleaseVersion | null; path: 'changes.json'; bytes: number; sha256: string };
  simplification: Simplification;
  classes: Record<DataClassName, ClassManifest>;
  /** The lookup index and the facts files (core/lookup-format.ts); absent from releases built before them. */
  lookup?: ManifestLookup;
}

/** The lookup index of a release: its root and its facts root, listed like every file; what they point to is under `content/`. */
export interface ManifestLookup {
  index: LookupRootFile;
  /** Null when no class has census or wikipedia facts. */
  facts: LookupRootFile | null;
  /** The gzip size a cell splits to fit. */
  cell_budget_bytes: number;
  cells: number;
  /** Pages below the root. */
  pages: number;
  /** Facts files, directories and root. */
  facts_files: number;
  /** Bytes on disk of every file of the index (root, pages, cells), and of the facts. */
  index_bytes: number;
  facts_bytes: number;
}

/** A root file of the lookup index or of the facts, in the version directory and at its content path. */
export interface LookupRootFile {
  /** `lookup/index.json.gz` or `lookup/facts.json.gz`. */
  path: string;
  media_type: 'application/json';
  encoding: 'gzip';
  bytes: number;
  sha256: string;
  uncompressed_bytes: number;
  /** The sha256 the file's content path is made from (core/lookup-format.ts, lookupPath). */
  uncompressed_sha256: string;
  canonical_path: string;
  input_fingerprint: string;
}

export interface ClassManifest {
  feature_count: number;
  bbox: Bbox | null;
  files: ManifestFile[];
}

export type FileKind =
  | 'all'
  | 'polygons'
  | 'census'
  | 'wikipedia'
  | 'by_state'
  | 'simplified'
  | 'flatgeobuf'
  | 'geoparquet';

export interface ManifestFile {
  path: string;
  kind: FileKind;
  state_fips?: StateFips;
  media_type: string;
  encoding: Encoding;
  compression_level: number;
  bytes: number;
  sha256: string;
  uncompressed_bytes: number;
  uncompressed_sha256: string;
  feature_count: number;
  bbox: Bbox | null;
  /** Digest of exactly what the file is made from (rows, columns, settings): equal digests, equal bytes. */
  input_fingerprint: string;
  /** Where under /bundles/ exactly these bytes are served in every release that has them: `content/<key>/<name>`. */
  canonical_path: string;
  /** Simplified files only: the map scale (5,000,000 or 20,000,000), the format, vertices kept and at full resolution. */
  scale_denominator?: number;
  format?: 'geojson' | 'topojson';
  vertex_count?: number;
  source_vertex_count?: number;
}

/** How the simplified files were made (pipeline/release/formats/maps.ts). */
export interface Simplification {
  tool: string;
  method: string;
  /** The grid of both formats' coordinates (degrees): the GeoJSON's rounded to it, the TopoJSON's quantized on it. */
  precision: number;
  scales: Array<{ name: string; scale_denominator: number; interval_m: number }>;
}

/** The parts of a feature `geobundle diff` and changes.json name. */
export type ChangedPart = 'geometry' | 'name' | 'census' | 'wikipedia';

export interface ClassChanges {
  added: string[];
  removed: string[];
  changed: Array<{ id: string; fields: ChangedPart[] }>;
}

/** changes.json of a release, and what `geobundle diff --json` prints: only classes with a change. */
export interface ReleaseChanges {
  from: ReleaseVersion | null;
  to: ReleaseVersion;
  classes: Record<DataClassName, ClassChanges>;
}

/** releases/current.json: which release `current` points at, and since when. */
export interface CurrentRelease {
  version: ReleaseVersion;
  updated_at: string;
  /** The release's lookup index: its root page itself, so a lookup starts from this answer. */
  lookup?: CurrentLookup;
}
