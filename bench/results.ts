/**
 * Result files: one JSON document per benchmark in bench/results/<name>.json.
 * Every file carries the conditions it was measured under (load, cores,
 * versions, commit) so two runs can be compared honestly.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execaSync } from 'execa';
import { projectRoot } from '../pipeline/paths.ts';
import { MAPSHAPER } from './peer-tools.ts';
import type { ManifestFile } from '../core/release-format.ts';

export const RESULTS_DIR = path.join(projectRoot, 'bench', 'results');

/** What one child process cost, as GNU time reports it. */
export interface ProcessCost {
  wall_s: number;
  user_s: number;
  sys_s: number;
  cpu_s: number;
  max_rss_mb: number;
}

export interface Environment {
  started_at: string;
  finished_at?: string;
  quick: boolean;
  host: { cpus: number; cpu_model: string; memory_gib: number; kernel: string };
  /** 1/5/15-minute load averages when the benchmark started and ended (2 cores: 2.0 = saturated). */
  load_start: number[];
  load_end?: number[];
  commit: string;
  versions: Record<string, string>;
}

export interface BuildStep extends ProcessCost {
  label: string;
  command: string;
}

export interface FloorEncoding {
  /** Levels (gzip) or qualities (brotli) the manifest records, highest first. */
  levels: number[];
  /** Sum of the single-threaded compression jobs of this encoding (≈ its CPU time). */
  job_s: number;
  /** What the floor produced, and what the build wrote for the same files (equal when the settings really match). */
  bytes: number;
  build_bytes: number;
}

export interface CompressionFloor {
  /** Uncompressed bytes of the output files, recompressed here. */
  input_bytes: number;
  files: number;
  /** Compression jobs run at once (= cores), largest first. */
  concurrency: number;
  gzip: FloorEncoding;
  brotli: FloorEncoding;
  /** Wall time to run every gzip and brotli job: the shortest time the build's compression alone takes here. */
  wall_s: number;
  cpu_s: number;
}

export interface BuildResult {
  kind: 'build';
  name: string;
  title: string;
  environment: Environment;
  features: number;
  classes: string[];
  /** Source bytes read by the ingests (unpacked GeoJSON, CSV, YAML). */
  input_bytes: number;
  /** Time to unpack archives into a temp dir; not part of ingest or build. */
  unpack_s: number;
  ingest: BuildStep[];
  ingest_total: ProcessCost;
  build: BuildStep;
  /** Ingest + build. */
  total: ProcessCost;
  output: { files: number; gz_bytes: number; br_bytes: number; uncompressed_bytes: number };
  build_s_per_input_mb: number;
  total_s_per_input_mb: number;
  floor: CompressionFloor;
  /** build wall / floor wall: 1.0 would mean the build does nothing but compress. */
  build_over_floor: number;
}

export interface PeerRun {
  tool: string;
  /** `by_state`: the per-state pieces, gzip; `release`: all, polygons and by_state, gzip and brotli. */
  job: 'by_state' | 'release';
  command: string;
  /** Writing the GeoJSON (child processes). */
  split: ProcessCost;
  /** Compressing it with zlib at our settings, in this process. */
  compress: { wall_s: number; cpu_s: number };
  wall_s: number;
  cpu_s: number;
  max_rss_mb: number;
  files: number;
  pieces: number;
  gz_bytes: number;
  br_bytes: number;
  uncompressed_bytes: number;
}

/** Ours on a job: wall, CPU, peak RSS and the bytes written. */
export interface OursOnJob extends ProcessCost {
  files: number;
  gz_bytes: number;
  br_bytes: number;
}

export interface PeerResult {
  kind: 'peer';
  name: string;
  title: string;
  environment: Environment;
  input_bytes: number;
  features: number;
  /** Ours on each job, from the same run: the whole build-release, and the by_state .gz files alone (bench/ours-by-state.ts). */
  ours: Record<'by_state' | 'release', OursOnJob>;
  peers: PeerRun[];
  /** ours wall / peer wall per tool and job. Below 1 means ours is faster. */
  ratios: Record<string, Record<'by_state' | 'release', { wall: number; cpu: number }>>;
}

export interface WrkFigures {
  requests: number;
  duration_s: number;
  requests_per_s: number;
  bytes_per_s: number;
  latency_ms: { mean: number; p50: number; p90: number; p99: number; max: number };
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
}

export interface ServeRun extends WrkFigures {
  scenario: string;
  connections: number;
  threads: number;
}

export interface ServeScenario {
  name: string;
  title: string;
  url_path: string;
  headers: Record<string, string>;
  /** What the pre-flight request saw: the benchmark fails if it is not what the scenario means to measure. */
  preflight: { status: number; content_encoding: string | null; body_bytes: number };
}

export interface ServeResult {
  kind: 'serve';
  name: string;
  title: string;
  environment: Environment;
  release: { dataset: string; version: string; bundle: string };
  /** startServing options that differ from `geobundle serve`'s defaults. */
  serving_options: Record<string, unknown>;
  duration_s: number;
  scenarios: ServeScenario[];
  runs: ServeRun[];
  /** static (nginx, pre-compressed) / dynamic (before-server) requests per second, per connection count. */
  static_over_dynamic: Record<string, number | null>;
}

/**
 * Files as a user counts them: a `.gz`/`.br` pair is one file, and so is a
 * file stored once (all.fgb, all.parquet).
 */
export function logicalFileCount(entries: readonly ManifestFile[]): number {
  return new Set(entries.map((e) => e.path.replace(/\.(gz|br)$/, ''))).size;
}

/** One release built after another on the same database. */
export interface Rebuild {
  label: string;
  version: string;
  step: BuildStep;
  files_written: number;
  files_unchanged: number;
  /** Bytes of what is new in this release: files at canonical paths the release before did not list, manifest, changes, SHA256SUMS. */
  changed_bytes: number;
  disk_growth_bytes: number;
}

/** One browser visit of the incremental bench. */
export interface Visit {
  visit: string;
  /** Bytes Chromium received (CDP encodedDataLength, headers included) per part of the visit. */
  cd119_bytes: number;
  by_state_bytes: number;
  manifest_bytes: number;
  api_bytes: number;
  requests: string[];
}

export interface IncrementalResult {
  kind: 'incremental';
  name: string;
  title: string;
  environment: Environment;
  classes: string[];
  ingest: BuildStep[];
  full: {
    step: BuildStep;
    disk_bytes: number;
    /** What the build's compression alone takes here, and the build's wall over it (goal ≤ 1.5). */
    floor?: CompressionFloor;
    build_over_floor?: number;
  };
  rebuilds: Array<Rebuild & { /** rebuild wall / full build wall (goal ≤ 0.05). */ share_of_full: number }>;
  browser: {
    by_state: { dataClass: string; state: string };
    visits: Visit[];
    changed_release_bytes: number;
    changed_file_br_bytes: number;
    /** The last visit's bytes over (1.1 × the changed file in br + the manifest): goal ≤ 1. */
    last_visit_over_goal: number;
  };
  edge: { unchanged_hit: number; unchanged_miss: number; changed_hit: number; changed_miss: number };
}

export interface MapsClass {
  data_class: string;
  features: number;
  source_vertices: number;
  files: Array<{
    scale: string;
    format: 'geojson' | 'topojson';
    vertices: number;
    bytes: number;
    gz_bytes: number;
    br_bytes: number;
    /** Polygons GEOS rejects (goal 0; absent from results older than issue 18). */
    geos_invalid?: number;
  }>;
  /** mapshaper on the class alone, as the build runs it. */
  simplify: ProcessCost;
  topology: Array<{
    scale: string;
    ids_missing: number;
    null_geometries: number;
    crossing_rings: number;
    /** Area where neighbours overlap over the class's area (goal ≤ the source's own + 1e-6). */
    overlap_ratio: number;
    /** The full-resolution source's own (null: too big to intersect every pair here). */
    source_overlap_ratio: number | null;
    /** Borders shared as arcs in the cleaned full-resolution topology, and how many of them the map lost (goal 0). */
    cleaned_pairs: number;
    cleaned_pairs_lost: number;
    /** The longest of the lost borders (at most 20), with their length at full resolution. */
    cleaned_borders_lost: Array<{ pair: string; metres: number }>;
    /** Lost borders at least `shortest_border_m` long: shorter ones are touching points at map scale (goal 0). */
    cleaned_pairs_lost_over_shortest: number;
    shortest_border_m: number;
    /** Borders found on a grid over the source's own rings (independent of mapshaper; null: too big). */
    bordering_pairs: number | null;
    bordering_pairs_lost: number | null;
  }>;
}

export interface MapsResult {
  kind: 'maps';
  name: string;
  title: string;
  environment: Environment;
  /** The build-release step of the build benchmark, simplification included. */
  build: BuildStep;
  classes: MapsClass[];
  /** Simplification's wall time alone, every class one after another, over the build's (goal: adds ≤ 25 %). */
  simplify_wall_share_of_build: number;
  simplify_peak_rss_mb: number;
  first_paint: Array<{
    data_class: string;
    bytes: number;
    bundle_bytes: number;
    api_bytes: number;
    page_bytes: number;
    requests: string[];
    drawn_s: number;
  }>;
}

/** One point of the lookup bench, as Chromium fetched it. */
export interface LookupPoint {
  /** The named place, or null for a point drawn where people live. */
  label: string | null;
  lat: number;
  lon: number;
  /** The district id found in each class (null: none there). */
  districts: Record<string, string | null>;
  /** From nothing cached: the current-release answer and the lookup files (CDP encodedDataLength, headers included). */
  cold_bytes: number;
  cold_requests: number;
  /** The facts files the same cold lookup read on top (census and Wikipedia of the districts found). */
  facts_bytes: number;
  facts_requests: number;
  /** A second lookup on the same page, elsewhere in the same state (no facts). */
  warm_bytes: number;
  warm_requests: number;
  /** The same point once more (goal 0). */
  same_cell_bytes: number;
  /** Before the index: the state's full-resolution by_state file (br) of every class, from the manifest. */
  today_bytes: number;
}

export interface LookupResult {
  kind: 'lookup';
  name: string;
  title: string;
  environment: Environment;
  classes: string[];
  index: {
    cells: number;
    pages: number;
    index_bytes: number;
    facts_files: number;
    facts_bytes: number;
    /** The whole build that wrote it. */
    build: BuildStep;
    /** The index's own phase in that build (cells and pages, after the pass handed it every district). */
    seconds_in_build: number;
    /** seconds_in_build / the build's wall time (goal ≤ 0.2). */
    share_of_build: number;
    /** The index built alone from the database (bench/lookup-index-alone.ts): its own time and peak memory. */
    alone: ProcessCost;
  };
  wikipedia_only: {
    step: BuildStep;
    index_root_unchanged: boolean;
    /** Files the release added under content/lookup (goal 0) and content/facts. */
    lookup_files_written: number;
    lookup_bytes_written: number;
    facts_files_written: number;
    facts_bytes_written: number;
  };
  exact: {
    points: number;
    /** Of them: moved across a district border by up to 100 m, and by up to 1 m. */
    near_border: number;
    within_1m: number;
    /** On the edges and corners of the index's cells. */
    cell_edge: number;
    /** Point and class where the index and point in polygon on all.geojson differ (goal 0). */
    disagreements: number;
    examples: unknown[];
  };
  browser: {
    points: number;
    cold_median_bytes: number;
    cold_p95_bytes: number;
    cold_p95_requests: number;
    cold_max_requests: number;
    with_facts_median_bytes: number;
    warm_median_bytes: number;
    warm_max_requests: number;
    same_cell_max_bytes: number;
    /** Points by the number of requests their cold / warm lookup took. */
    cold_requests_count: Record<string, number>;
    warm_requests_count: Record<string, number>;
  };
  /** The named places (the drawn points are summed up in `browser`). */
  points: LookupPoint[];
}

/** One chamber's ingest in the ingest-memory bench. */
export interface IngestMemoryRun {
  /** `<class> into <database>`: how compare.ts lines runs up. */
  label: string;
  data_class: string;
  /** What the database held before: `a fresh database`, or `cd119 + <the other chamber>`. */
  database: string;
  step: BuildStep;
}

export interface IngestMemoryResult {
  kind: 'ingest-memory';
  name: string;
  title: string;
  environment: Environment;
  /** The most either chamber's ingest may peak at (issue 18). */
  goal_mb: number;
  runs: IngestMemoryRun[];
  /** The ingests that filled the databases before the measured ones. */
  setup: BuildStep[];
}

export type AnyResult =
  | BuildResult
  | MapsResult
  | PeerResult
  | ServeResult
  | IncrementalResult
  | LookupResult
  | IngestMemoryResult
  | { kind: string; name: string; [key: string]: unknown };

function commandVersion(cmd: string, args: string[], pick: (out: string) => string | undefined): string {
  try {
    const r = execaSync(cmd, args, { reject: false, all: true });
    return pick(r.all ?? '')?.trim() ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

export function environment(quick: boolean): Environment {
  const cpus = os.cpus();
  const commit = commandVersion('git', ['-C', projectRoot, 'rev-parse', '--short', 'HEAD'], (o) => o);
  const dirty = commandVersion(
    'git',
    ['-C', projectRoot, 'status', '--porcelain', '--', 'pipeline', 'api', 'nginx', 'bench'],
    (o) => o,
  );
  return {
    started_at: new Date().toISOString(),
    quick,
    host: {
      cpus: os.availableParallelism(),
      cpu_model: cpus[0]?.model ?? 'unknown',
      memory_gib: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
    },
    load_start: os.loadavg().map((l) => Math.round(l * 100) / 100),
    commit: dirty ? `${commit}+dirty` : commit,
    versions: {
      node: process.version,
      nginx: commandVersion('nginx', ['-v'], (o) => o.match(/nginx\/(\S+)/)?.[1]),
      wrk: commandVersion('wrk', ['-v'], (o) => o.match(/wrk (\S+)/)?.[1]),
      gdal: commandVersion('ogr2ogr', ['--version'], (o) => o.match(/GDAL ([^,]+)/)?.[1]),
      mapshaper: commandVersion(MAPSHAPER, ['-v'], (o) => o.split('\n')[0]),
    },
  };
}

export function finish(env: Environment): Environment {
  return {
    ...env,
    finished_at: new Date().toISOString(),
    load_end: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Writes a result atomically (temp file + rename) so a crashed run never leaves half a JSON file. */
export function writeResult(result: AnyResult, dir = RESULTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${result.name}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(result, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}

export function readResult(file: string): AnyResult {
  const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as AnyResult;
  if (typeof parsed?.kind !== 'string' || typeof parsed?.name !== 'string') {
    throw new Error(`${file} is not a benchmark result (no "kind" and "name")`);
  }
  return parsed;
}

/** Every result in a directory, in name order. */
export function readResults(dir = RESULTS_DIR): AnyResult[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => readResult(path.join(dir, f)));
}
