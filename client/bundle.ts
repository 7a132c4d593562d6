import type { FileCache } from './cache.ts';
import { buildDistrictIndex } from './district-index.ts';
import { loadFile, parseJson, summarise, type Source } from './load-file.ts';
import type { BundleFile, Release } from './release.ts';
import type { CensusFacts, District, DistrictCollection, WikipediaFacts } from './types.ts';

export interface LoadOptions {
  /** Called as decoded bytes arrive (never for files read from the cache). */
  onProgress?: (progress: { loaded: number; total: number }) => void;
}

export interface LoadBundleOptions extends LoadOptions {
  /** Two-digit state FIPS: load that state's file (`by_state/<fips>.geojson`) instead of the whole class. */
  state?: string;
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
  readonly sources: readonly Source[];
  /** `cache` when no file was downloaded, `network` when every one was, else `mixed`. */
  readonly source: Source | 'mixed';
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
  sources: readonly Source[];
  stored: boolean;
}

export const isCollection = (v: unknown) =>
  (v as Partial<DistrictCollection>)?.type === 'FeatureCollection' && Array.isArray((v as DistrictCollection).features);
const isKeyed = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
/** How an error names a file: its path and release. */
export const what = (release: Release, f: BundleFile) => `${f.path} of release ${release.version}`;

/** Progress over several files: one callback for their decoded bytes together. */
export function progressOver(files: readonly BundleFile[], onProgress: LoadOptions['onProgress']) {
  const total = files.reduce((n, f) => n + f.bytes, 0);
  let loaded = 0;
  return (n: number) => {
    loaded += n;
    onProgress?.({ loaded, total });
  };
}

function factFiles(release: Release, dataClass: string): BundleFile[] {
  return (['census', 'wikipedia'] as const).map((kind) => release.file(dataClass, kind));
}

async function readFacts(
  release: Release,
  files: BundleFile[],
  loading: Loading,
  onBytes: (n: number) => void,
): Promise<Facts> {
  const [census, wikipedia] = await Promise.all(
    files.map((f) => loadFile(release, f, { cache: loading.cache, fetchFn: loading.fetch, onBytes })),
  );
  return {
    census: parseJson(census!.text, what(release, files[0]!), isKeyed, 'an object keyed by id'),
    wikipedia: parseJson(wikipedia!.text, what(release, files[1]!), isKeyed, 'an object keyed by id'),
    files,
    sources: [census!.source, wikipedia!.source],
    stored: census!.stored && wikipedia!.stored,
  };
}

/** A class's census and wikipedia facts, each file verified and kept like any other. */
export function loadFacts(release: Release, dataClass: string, options: LoadOptions & Loading): Promise<Facts> {
  const files = factFiles(release, dataClass);
  return readFacts(release, files, options, progressOver(files, options.onProgress));
}

/**
 * Loads a class's districts: its shapes (polygons) joined by id with its
 * census and wikipedia facts — three files, so a release that changed only
 * the facts costs a returning visitor the facts file alone — or, with
 * `state`, that state's file, which carries all three. Features have the
 * properties of all.geojson: id, name, state_fips, census, wikipedia.
 */
export async function loadBundle(
  release: Release,
  dataClass: string,
  options: LoadBundleOptions & Loading,
): Promise<Bundle> {
  const { cache, state } = options;
  const shapes =
    state === undefined ? release.file(dataClass, 'polygons') : release.file(dataClass, 'by_state', { state });
  // A state's file carries the facts already.
  const factsFiles = state === undefined ? factFiles(release, dataClass) : [];
  const onBytes = progressOver([shapes, ...factsFiles], options.onProgress);
  const [loaded, facts] = await Promise.all([
    loadFile(release, shapes, { cache, fetchFn: options.fetch, onBytes }),
    factsFiles.length > 0 ? readFacts(release, factsFiles, options, onBytes) : undefined,
  ]);
  const districts = parseJson<DistrictCollection>(
    loaded.text,
    what(release, shapes),
    isCollection,
    'a GeoJSON FeatureCollection',
  );
  if (facts) {
    for (const d of districts.features) {
      d.properties.census = facts.census[d.properties.id] ?? null;
      d.properties.wikipedia = facts.wikipedia[d.properties.id] ?? null;
    }
  }
  const sources = [loaded.source, ...(facts?.sources ?? [])];
  const index = buildDistrictIndex(districts.features);
  return {
    version: release.version,
    dataClass,
    files: [shapes, ...factsFiles],
    sources,
    source: summarise(sources),
    stored: loaded.stored && (facts?.stored ?? true),
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
  };
}
