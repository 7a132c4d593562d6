import { GeobundleError, errorMessage } from '../core/errors.ts';
import type { BundleCache } from './cache.ts';
import { sha256Hex } from './checksum.ts';
import { buildDistrictIndex } from './district-index.ts';
import { gunzipToText } from './gunzip.ts';
import type { Release } from './release.ts';
import type { District, DistrictCollection, ManifestFile } from './types.ts';

export interface LoadBundleOptions {
  /** Two-digit state FIPS: load `by_state/<fips>.geojson.gz` instead of `all.geojson.gz`. */
  state?: string;
  /** Called as bundle bytes arrive (never for a bundle read from the cache). */
  onProgress?: (progress: { loaded: number; total: number }) => void;
}

export interface Bundle {
  readonly version: string;
  readonly dataClass: string;
  readonly file: ManifestFile;
  /** Where the bytes came from on this call. */
  readonly source: 'network' | 'cache';
  /** Whether the bundle is (now) kept in IndexedDB for later page loads. */
  readonly stored: boolean;
  readonly districts: DistrictCollection;
  /** The district containing a point (longitude, latitude in degrees), or undefined. */
  findDistrict(lon: number, lat: number): District | undefined;
}

async function download(
  url: string,
  file: ManifestFile,
  fetchFn: typeof fetch,
  onProgress: LoadBundleOptions['onProgress'],
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url);
  } catch (err) {
    throw new GeobundleError(`cannot download ${url}: ${errorMessage(err)}`, { cause: err });
  }
  if (!response.ok || !response.body) {
    throw new GeobundleError(`cannot download ${url}: ${response.status} ${response.statusText}`);
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onProgress?.({ loaded, total: file.bytes });
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

function parseDistricts(text: string, what: string): DistrictCollection {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GeobundleError(`${what} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  const fc = parsed as Partial<DistrictCollection>;
  if (fc?.type !== 'FeatureCollection' || !Array.isArray(fc.features)) {
    throw new GeobundleError(`${what} is not a GeoJSON FeatureCollection`);
  }
  return fc as DistrictCollection;
}

/** Reads a verified entry from the cache; an entry whose bytes no longer match is dropped. */
async function fromCache(cache: BundleCache, version: string, file: ManifestFile): Promise<Uint8Array | undefined> {
  let entry: Awaited<ReturnType<BundleCache['get']>>;
  try {
    entry = await cache.get(version, file.sha256);
  } catch {
    return undefined;
  }
  if (!entry) return undefined;
  const bytes = new Uint8Array(entry.bytes);
  if ((await sha256Hex(bytes)) === file.sha256) return bytes;
  await cache.delete(version, file.sha256).catch(() => undefined);
  return undefined;
}

/**
 * Loads one bundle of a release: from IndexedDB when this exact file
 * (version + sha256) was kept before — no bundle bytes cross the network —
 * else by downloading the .gz file as stored (nginx sends it with no
 * Content-Encoding, so the bytes received are the bytes the manifest hashed),
 * verifying its sha256, decompressing and parsing it. Only a verified,
 * parsed bundle is stored, and storing it drops other releases' entries.
 */
export async function loadBundle(
  release: Release,
  dataClass: string,
  options: LoadBundleOptions & { cache: BundleCache | null; fetch: typeof fetch },
): Promise<Bundle> {
  const { cache, state, onProgress } = options;
  const file = release.file(dataClass, { state });
  const url = release.url(file);
  const what = `bundle ${file.path} of release ${release.version}`;

  let bytes = cache ? await fromCache(cache, release.version, file) : undefined;
  const source = bytes ? 'cache' : 'network';
  if (!bytes) {
    bytes = await download(url, file, options.fetch, onProgress);
    const sha256 = await sha256Hex(bytes);
    if (sha256 !== file.sha256) {
      throw new GeobundleError(
        `${what} failed verification: its sha256 is ${sha256} (${bytes.byteLength} bytes) but the manifest says ` +
          `${file.sha256} (${file.bytes} bytes); it was not used or stored`,
      );
    }
  }
  const districts = parseDistricts(await gunzipToText(bytes, { label: what }), what);

  let stored = source === 'cache';
  if (cache && source === 'network') {
    try {
      await cache.put({
        version: release.version,
        sha256: file.sha256,
        path: file.path,
        bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        storedAt: new Date().toISOString(),
      });
      await cache.deleteOtherVersions(release.version);
      stored = true;
    } catch {
      // Quota exceeded or storage refused: the bundle is still usable for this page.
    }
  }

  const index = buildDistrictIndex(districts.features);
  return {
    version: release.version,
    dataClass,
    file,
    source,
    stored,
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
  };
}
