/**
 * A class's districts at full resolution, joined with their facts, and the
 * facts alone: the loaders behind Release.loadBundle and loadFacts.
 */
import { buildDistrictIndex } from './district-index.ts';
import { isCollection, loadFile, parseJson, progressOver, summarise, what } from './load-file.ts';
import type {
  Bundle,
  BundleFile,
  DistrictCollection,
  Facts,
  LoadBundleOptions,
  LoadOptions,
  Loading,
  Release,
} from './types.ts';

const isKeyed = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

function factFiles(release: Release, dataClass: string): BundleFile[] {
  return (['census', 'wikipedia'] as const).map((kind) => release.file(dataClass, kind));
}

async function readFacts(
  release: Release,
  files: BundleFile[],
  loading: Loading,
  onBytes: (n: number) => void,
): Promise<Facts> {
  const [census, wikipedia] = await Promise.all(files.map((f) => loadFile(release, f, loading, onBytes)));
  return {
    census: parseJson(census!.text, what(release, files[0]!), isKeyed, 'an object keyed by id'),
    wikipedia: parseJson(wikipedia!.text, what(release, files[1]!), isKeyed, 'an object keyed by id'),
    files,
    origins: [census!.origin, wikipedia!.origin],
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
  const { state } = options;
  const shapes =
    state === undefined ? release.file(dataClass, 'polygons') : release.file(dataClass, 'by_state', { state });
  // A state's file carries the facts already.
  const factsFiles = state === undefined ? factFiles(release, dataClass) : [];
  const onBytes = progressOver([shapes, ...factsFiles], options.onProgress);
  const [loaded, facts] = await Promise.all([
    loadFile(release, shapes, options, onBytes),
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
  const origins = [loaded.origin, ...(facts?.origins ?? [])];
  const index = buildDistrictIndex(districts.features);
  return {
    version: release.version,
    dataClass,
    files: [shapes, ...factsFiles],
    origins,
    origin: summarise(origins),
    stored: loaded.stored && (facts?.stored ?? true),
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
  };
}
