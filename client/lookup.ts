/**
 * Finds the districts of every class at a point from a release's lookup
 * index (core/lookup-format.ts): the current-release answer carries the
 * root page, a page or two below it name the point's cell, and point in
 * polygon within that one cell gives, for each class, the district the
 * full-resolution all.geojson gives — the first in id order whose polygon
 * holds the point, its boundary included. Every file is verified against
 * the sha256 the file above it names and kept in the cache by content, so
 * a second lookup in the same cell reads nothing from the network.
 */
import booleanPointInPolygon from '@turf/boolean-point-in-polygon';
import type { Position } from 'geojson';
import { GeobundleError } from '../core/errors.ts';
import {
  type CellDistrict,
  type CurrentLookup,
  type FactsDirectory,
  type FactsFile,
  type FactsRoot,
  keySquare,
  type LookupCell,
  type LookupPage,
  type LookupRoot,
  type QuadKey,
} from '../core/lookup-format.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import { parseVersion } from '../core/version.ts';
import { openFileCache } from './cache.ts';
import { fetchJson } from './fetch-json.ts';
import { type Fetched, fetchLookupFile, type LookupFetch } from './lookup-files.ts';
import type {
  CensusFacts,
  CurrentRelease,
  DistrictLookup,
  FoundDistrict,
  LookupAnswer,
  LookupOptions,
  OpenLookupOptions,
  WikipediaFacts,
} from './types.ts';

/** A point as a lookup takes it; a message naming the value when it is not one. */
function checkPoint(point: { lat: unknown; lon: unknown }): { lat: number; lon: number } {
  const check = (name: string, value: unknown, limit: number) => {
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw new GeobundleError(`${name} ${JSON.stringify(value) ?? String(value)} is not a number`);
    if (value < -limit || value > limit)
      throw new GeobundleError(`${name} ${value} is out of range: expected -${limit} to ${limit} degrees`);
    return value;
  };
  return { lat: check('latitude', point?.lat, 90), lon: check('longitude', point?.lon, 180) };
}

/** The point's path down the quadtree, deep enough for any cell. */
function pointKey(root: LookupRoot, lon: number, lat: number): QuadKey {
  const scale = 10 ** root.precision;
  const u = lon * scale;
  const v = lat * scale;
  let { x0, y0, size } = root.square;
  let key = '';
  for (let depth = 0; depth < 32; depth++) {
    size /= 2;
    const right = u >= x0 + size;
    const up = v >= y0 + size;
    if (right) x0 += size;
    if (up) y0 += size;
    key += (right ? 1 : 0) + (up ? 2 : 0);
  }
  return key;
}

/** A cell's district's polygons in degrees, closed rings, as GeoJSON has them. */
function polygonsOf(root: LookupRoot, cell: LookupCell, geometry: number[][][]): Position[][][] {
  const scale = 10 ** root.precision;
  const { x0, y0 } = keySquare(root.square, cell.key);
  return geometry.map((rings) =>
    rings.map((deltas) => {
      const ring: Position[] = [];
      let x = x0;
      let y = y0;
      for (let i = 0; i < deltas.length; i += 2) {
        x += deltas[i]!;
        y += deltas[i + 1]!;
        // Whole units divided by 10^precision: the very doubles all.geojson's decimals parse to.
        ring.push([x / scale, y / scale]);
      }
      ring.push(ring[0]!);
      return ring;
    }),
  );
}

const decodedPolygons = new WeakMap<CellDistrict, Position[][][]>();

function holds(root: LookupRoot, cell: LookupCell, district: CellDistrict, lon: number, lat: number): boolean {
  const geometry = district[3];
  if (geometry === 1) return true;
  let polygons = decodedPolygons.get(district);
  if (!polygons) {
    polygons = polygonsOf(root, cell, geometry);
    decodedPolygons.set(district, polygons);
  }
  return booleanPointInPolygon([lon, lat], { type: 'MultiPolygon', coordinates: polygons });
}

/** The current release's lookup: from current.json on a static host, or the API's current-release answer. */
async function currentLookup(
  options: OpenLookupOptions,
  fetchFn: typeof fetch,
): Promise<{ version: string; lookup: CurrentLookup }> {
  const url = options.releasesUrl
    ? `${trim(options.releasesUrl)}/current.json`
    : `${trim(options.baseUrl!)}/api/v1/releases/current`;
  // Always revalidated (a 304 when unchanged): a new release must be seen on the next page load.
  const current = await fetchJson<CurrentRelease>(url, fetchFn, { cache: 'no-cache' });
  const version = parseVersion(String(current.version));
  if (!current.lookup)
    throw new GeobundleError(
      `${url} names ${version} with no lookup index: it was built by a geobundle without one; build a new release`,
    );
  return { version, lookup: current.lookup };
}

/** A pinned release's lookup, from its manifest. */
async function pinnedLookup(
  options: OpenLookupOptions,
  version: string,
  files: LookupFetch,
): Promise<{ version: string; lookup: CurrentLookup }> {
  const url = options.releasesUrl
    ? `${trim(options.releasesUrl)}/${version}/manifest.json`
    : `${trim(options.baseUrl!)}/api/v1/releases/${version}/manifest`;
  const manifest = await fetchJson<ReleaseManifest>(url, files.fetch);
  if (!manifest.lookup)
    throw new GeobundleError(`release ${version} has no lookup index: it was built by a geobundle without one`);
  const root = await fetchLookupFile<LookupRoot>('lookup', manifest.lookup.index.uncompressed_sha256, files);
  return {
    version,
    lookup: {
      root: root.value,
      root_sha256: manifest.lookup.index.uncompressed_sha256,
      facts_sha256: manifest.lookup.facts?.uncompressed_sha256 ?? null,
    },
  };
}

const trim = (url: string) => url.replace(/\/+$/, '');

/** Lookup files the cache keeps at most: a few megabytes, hundreds of places looked up. */
const CACHED_FILES = 2000;

/**
 * Opens the lookup of a release: the current one (one small request, the
 * current-release answer, which carries the index's root), or a pinned
 * `version` (its manifest).
 */
export async function openLookup(options: OpenLookupOptions): Promise<DistrictLookup> {
  if (!options.baseUrl && !options.releasesUrl)
    throw new GeobundleError(
      'openLookup needs baseUrl (a geobundle server) or releasesUrl (a releases directory served as files)',
    );
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  const files: LookupFetch = {
    filesUrl: options.releasesUrl ? trim(options.releasesUrl) : `${trim(options.baseUrl!)}/bundles`,
    cache: options.cache === undefined ? await openFileCache(undefined, 'lookup') : options.cache,
    fetch: fetchFn,
    memory: new Map(),
  };
  await files.cache?.limit(CACHED_FILES).catch(() => 0);
  const { version, lookup } =
    options.version === undefined
      ? await currentLookup(options, fetchFn)
      : await pinnedLookup(options, parseVersion(options.version), files);
  const { root } = lookup;

  async function cellAt(lon: number, lat: number, trail: LookupAnswer['files']): Promise<LookupCell | null> {
    const key = pointKey(root, lon, lat);
    let page: LookupPage = root;
    for (;;) {
      const entry = page.entries.find(([k]) => key.startsWith(k));
      if (!entry) return null;
      const [, kind, sha256] = entry;
      const got: Fetched<LookupPage | LookupCell> = await fetchLookupFile(
        kind === 'page' ? 'lookup' : 'lookup',
        sha256,
        files,
      );
      trail.push({ kind, sha256, from: got.from });
      if (kind === 'cell') return got.value as LookupCell;
      page = got.value as LookupPage;
    }
  }

  async function factsOf(dataClass: string, district: CellDistrict, trail: LookupAnswer['files']) {
    if (!lookup.facts_sha256) return null;
    const step = async <T>(sha256: string, kind: 'facts-root' | 'facts-directory' | 'facts') => {
      const got = await fetchLookupFile<T>('facts', sha256, files);
      trail.push({ kind, sha256, from: got.from });
      return got.value;
    };
    const factsRoot = await step<FactsRoot>(lookup.facts_sha256, 'facts-root');
    const directorySha = factsRoot.classes[dataClass]?.[district[2] ?? ''];
    if (!directorySha) return null;
    const directory = await step<FactsDirectory>(directorySha, 'facts-directory');
    const fileSha = directory.ids[district[0]];
    return fileSha ? step<FactsFile>(fileSha, 'facts') : null;
  }

  return {
    version,
    classes: root.classes,
    async lookup(point, lookupOptions: LookupOptions = {}) {
      const { lat, lon } = checkPoint(point);
      const trail: LookupAnswer['files'] = [];
      const cell = await cellAt(lon, lat, trail);
      const districts: Record<string, FoundDistrict | null> = {};
      const found: Array<[string, CellDistrict]> = [];
      for (const dataClass of root.classes) {
        const district = cell?.classes[dataClass]?.find((d) => holds(root, cell, d, lon, lat)) ?? null;
        districts[dataClass] = district && { id: district[0], name: district[1], state_fips: district[2] };
        if (district) found.push([dataClass, district]);
      }
      if (lookupOptions.facts) {
        await Promise.all(
          found.map(async ([dataClass, district]) => {
            const facts = await factsOf(dataClass, district, trail);
            districts[dataClass] = {
              ...districts[dataClass]!,
              census: (facts?.census as CensusFacts | null) ?? null,
              wikipedia: (facts?.wikipedia as WikipediaFacts | null) ?? null,
            };
          }),
        );
      }
      return { lat, lon, version, districts, files: trail };
    },
  };
}
