import { GeobundleError, errorMessage } from '../core/errors.ts';
import { parseVersion } from '../core/version.ts';
import { loadBundle, type Bundle, type LoadBundleOptions } from './bundle.ts';
import { openBundleCache, type BundleCache } from './cache.ts';
import type { CurrentRelease, ManifestFile, ReleaseManifest } from './types.ts';

export interface OpenReleaseOptions {
  /** Origin (and optional path prefix) that serves `/api/v1/` and `/bundles/`, e.g. `https://example.org`. */
  baseUrl: string;
  /** A pinned version; default: whatever the server calls current. */
  version?: string;
  /** The bundle cache; default: IndexedDB, or none where IndexedDB is unavailable. */
  cache?: BundleCache | null;
  fetch?: typeof fetch;
}

export interface Release {
  readonly baseUrl: string;
  readonly version: string;
  readonly manifest: ReleaseManifest;
  /** Data classes in this release, in name order. */
  classes(): string[];
  /** The manifest entry of a class's bundle (`all`, or one state's). */
  file(dataClass: string, options?: { state?: string }): ManifestFile;
  /** Absolute URL of a file of this release. */
  url(file: ManifestFile): string;
  loadBundle(dataClass: string, options?: LoadBundleOptions): Promise<Bundle>;
}

/** GETs JSON, turning every failure into one line that names the URL. */
export async function fetchJson<T>(url: string, fetchFn: typeof fetch = fetch, init: RequestInit = {}): Promise<T> {
  let response: Response;
  try {
    response = await fetchFn(url, { ...init, headers: { accept: 'application/json' } });
  } catch (err) {
    throw new GeobundleError(`cannot reach ${url}: ${errorMessage(err)}`, { cause: err });
  }
  const text = await response.text();
  if (!response.ok) {
    let reason = '';
    try {
      // The API's error body is {"error": {"status", "message"}}.
      const error = (JSON.parse(text) as { error?: { message?: unknown } | null }).error;
      reason = typeof error?.message === 'string' ? error.message : '';
    } catch {
      // not a JSON error body: the status says enough
    }
    throw new GeobundleError(
      `GET ${url} failed: ${response.status} ${response.statusText}${reason ? ` (${reason})` : ''}`,
    );
  }
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new GeobundleError(`GET ${url} returned invalid JSON: ${errorMessage(err)}`, { cause: err });
  }
}

/**
 * Opens a release: asks the API which version is current (unless one is
 * given) and reads its manifest, which lists every bundle with its sha256.
 */
export async function openRelease(options: OpenReleaseOptions): Promise<Release> {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const fetchFn = options.fetch ?? globalThis.fetch.bind(globalThis);
  let version = options.version;
  if (version === undefined) {
    // Always revalidated (a 304 when unchanged): a new release must be seen on the next
    // page load, whatever max-age the server gave. A version's manifest never changes,
    // so it may come from the HTTP cache.
    const current = await fetchJson<CurrentRelease>(`${baseUrl}/api/v1/releases/current`, fetchFn, {
      cache: 'no-cache',
    });
    version = current.version;
  }
  // The API's answer is checked too: the version becomes a URL path segment.
  version = parseVersion(String(version));
  const manifest = await fetchJson<ReleaseManifest>(`${baseUrl}/api/v1/releases/${version}/manifest`, fetchFn);
  if (manifest.version !== version || typeof manifest.classes !== 'object' || manifest.classes === null) {
    throw new GeobundleError(`the manifest served for ${version} is not a release manifest of ${version}`);
  }
  const cache = options.cache === undefined ? await openBundleCache() : options.cache;
  const pinned = version;
  // Two callers asking for one bundle at once share one download.
  const inFlight = new Map<string, Promise<Bundle>>();

  const release: Release = {
    baseUrl,
    version: pinned,
    manifest,
    classes: () => Object.keys(manifest.classes).sort(),
    file(dataClass, { state } = {}) {
      const entry = manifest.classes[dataClass];
      if (!entry) {
        throw new GeobundleError(
          `release ${pinned} has no data class "${dataClass}" (it has: ${release.classes().join(', ')})`,
        );
      }
      const path = state === undefined ? `${dataClass}/all.geojson.gz` : `${dataClass}/by_state/${state}.geojson.gz`;
      const file = entry.files.find((f) => f.path === path);
      if (!file) {
        throw new GeobundleError(
          state === undefined
            ? `release ${pinned} lists no ${path}`
            : `release ${pinned} has no "${dataClass}" bundle for state ${state}`,
        );
      }
      return file;
    },
    url: (file) => `${baseUrl}/bundles/${pinned}/${file.path}`,
    async loadBundle(dataClass, loadOptions = {}) {
      const key = release.file(dataClass, loadOptions).path;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = loadBundle(release, dataClass, { cache, fetch: fetchFn, ...loadOptions }).finally(() =>
          inFlight.delete(key),
        );
        inFlight.set(key, pending);
      }
      return pending;
    },
  };
  return release;
}
