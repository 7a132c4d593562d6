import { GeobundleError, errorMessage } from '../core/errors.ts';
import type { FileCache } from './cache.ts';
import { sha256Hex } from './checksum.ts';
import { buildDistrictIndex } from './district-index.ts';
import type { BundleFile, Release } from './release.ts';
import type { CensusFacts, District, DistrictCollection, WikipediaFacts } from './types.ts';

export interface LoadBundleOptions {
  /** Two-digit state FIPS: load that state's file (`by_state/<fips>.geojson`) instead of the whole class. */
  state?: string;
  /** Called as decoded bytes arrive (never for files read from the cache). */
  onProgress?: (progress: { loaded: number; total: number }) => void;
}

export type Source = 'network' | 'cache';

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

async function download(file: BundleFile, fetchFn: typeof fetch, onBytes: (n: number) => void): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(file.url);
  } catch (err) {
    throw new GeobundleError(`cannot download ${file.url}: ${errorMessage(err)}`, { cause: err });
  }
  if (!response.ok || !response.body) {
    throw new GeobundleError(`cannot download ${file.url}: ${response.status} ${response.statusText}`);
  }
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.byteLength;
    onBytes(value.byteLength);
  }
  const bytes = new Uint8Array(loaded);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** A kept file whose bytes still match its key; one that does not is dropped. */
async function fromCache(cache: FileCache, file: BundleFile): Promise<Uint8Array | undefined> {
  let entry: Awaited<ReturnType<FileCache['get']>>;
  try {
    entry = await cache.get(file.sha256);
  } catch {
    return undefined;
  }
  if (!entry) return undefined;
  const bytes = new Uint8Array(entry.bytes);
  if ((await sha256Hex(bytes)) === file.sha256) return bytes;
  await cache.delete(file.sha256).catch(() => undefined);
  return undefined;
}

interface Loaded {
  text: string;
  source: Source;
  stored: boolean;
}

/**
 * One file, from the cache when this exact content was kept before (no
 * bytes cross the network), else downloaded from its canonical URL — the
 * browser decodes br or gzip itself — and verified against the manifest's
 * sha256 of the decoded content. Only verified content is kept.
 */
async function loadFile(
  release: Release,
  file: BundleFile,
  { cache, fetchFn, onBytes }: { cache: FileCache | null; fetchFn: typeof fetch; onBytes: (n: number) => void },
): Promise<Loaded> {
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const cached = cache ? await fromCache(cache, file) : undefined;
  if (cached) return { text: decode(cached), source: 'cache', stored: true };
  const bytes = await download(file, fetchFn, onBytes);
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== file.sha256) {
    throw new GeobundleError(
      `${file.path} of release ${release.version} failed verification: its sha256 is ${sha256} (${bytes.byteLength} bytes decoded) ` +
        `but the manifest says ${file.sha256} (${file.bytes} bytes); it was not used or stored`,
    );
  }
  let stored = false;
  if (cache) {
    try {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      await cache.put({ sha256, path: file.path, bytes: buffer, storedAt: new Date().toISOString() });
      stored = true;
    } catch {
      // Quota exceeded or storage refused: the file is still usable for this page.
    }
  }
  return { text: decode(bytes), source: 'network', stored };
}

function parseJson<T>(text: string, what: string, check: (value: unknown) => boolean, expected: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GeobundleError(`${what} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!check(parsed)) throw new GeobundleError(`${what} is not ${expected}`);
  return parsed as T;
}

const isCollection = (v: unknown) =>
  (v as Partial<DistrictCollection>)?.type === 'FeatureCollection' && Array.isArray((v as DistrictCollection).features);
const isKeyed = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

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
  options: LoadBundleOptions & { cache: FileCache | null; fetch: typeof fetch },
): Promise<Bundle> {
  const { cache, state, onProgress } = options;
  const files =
    state === undefined
      ? (['polygons', 'census', 'wikipedia'] as const).map((kind) => release.file(dataClass, kind))
      : [release.file(dataClass, 'by_state', { state })];
  const total = files.reduce((n, f) => n + f.bytes, 0);
  let loaded = 0;
  const onBytes = (n: number) => {
    loaded += n;
    onProgress?.({ loaded, total });
  };
  const parts = await Promise.all(files.map((f) => loadFile(release, f, { cache, fetchFn: options.fetch, onBytes })));
  const what = (f: BundleFile) => `${f.path} of release ${release.version}`;
  const districts = parseJson<DistrictCollection>(
    parts[0]!.text,
    what(files[0]!),
    isCollection,
    'a GeoJSON FeatureCollection',
  );
  if (state === undefined) {
    const census = parseJson<Record<string, CensusFacts>>(
      parts[1]!.text,
      what(files[1]!),
      isKeyed,
      'an object keyed by id',
    );
    const wikipedia = parseJson<Record<string, WikipediaFacts>>(
      parts[2]!.text,
      what(files[2]!),
      isKeyed,
      'an object keyed by id',
    );
    for (const d of districts.features) {
      d.properties.census = census[d.properties.id] ?? null;
      d.properties.wikipedia = wikipedia[d.properties.id] ?? null;
    }
  }
  const sources = parts.map((p) => p.source);
  const index = buildDistrictIndex(districts.features);
  return {
    version: release.version,
    dataClass,
    files,
    sources,
    source: sources.every((s) => s === 'cache') ? 'cache' : sources.every((s) => s === 'network') ? 'network' : 'mixed',
    stored: parts.every((p) => p.stored),
    districts,
    findDistrict: (lon, lat) => index.find(lon, lat),
  };
}
