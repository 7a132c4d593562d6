/**
 * The client's entry point: openRelease asks the server which release is
 * current, reads its manifest and hands out a Release whose loaders share
 * one cache and one fetch.
 */
import { GeobundleError } from '../core/errors.ts';
import type { ManifestFile } from '../core/release-format.ts';
import { parseVersion } from '../core/version.ts';
import { fetchJson } from './fetch-json.ts';
import { loadBundle, loadFacts } from './bundle.ts';
import { openFileCache } from './cache.ts';
import { loadMap } from './map.ts';
import type {
  Bundle,
  BundleFile,
  CurrentRelease,
  MapScale,
  OpenReleaseOptions,
  Release,
  ReleaseManifest,
} from './types.ts';

/** The logical files of each class of a manifest: its entries grouped by path without encoding. */
function logicalFiles(baseUrl: string, manifest: ReleaseManifest): Map<string, BundleFile[]> {
  const scaleOf = new Map(manifest.simplification.scales.map((s) => [s.scale_denominator, s.name as MapScale]));
  const byClass = new Map<string, BundleFile[]>();
  for (const [dataClass, cls] of Object.entries(manifest.classes)) {
    const files = new Map<string, BundleFile>();
    for (const entry of cls.files) {
      const path = entry.path.replace(/\.(gz|br)$/, '');
      const file = files.get(path) ?? {
        path,
        kind: entry.kind,
        ...(entry.state_fips === undefined ? {} : { stateFips: entry.state_fips }),
        ...(entry.kind === 'simplified'
          ? { scale: scaleOf.get(entry.scale_denominator ?? 0), format: entry.format }
          : {}),
        sha256: entry.uncompressed_sha256,
        bytes: entry.uncompressed_bytes,
        encodedBytes: {},
        url: `${baseUrl}/bundles/${canonicalBase(entry)}`,
      };
      file.encodedBytes[entry.encoding] = entry.bytes;
      files.set(path, file);
    }
    byClass.set(dataClass, [...files.values()]);
  }
  return byClass;
}

function canonicalBase(entry: ManifestFile): string {
  return entry.canonical_path.replace(/\.(gz|br)$/, '');
}

/**
 * The contents every release opened in this page needs: what the cache
 * keeps when it evicts (a page may have pinned one version and opened the
 * current one besides).
 */
const openedContents = new Set<string>();

/**
 * Opens a release: asks the API which version is current (unless one is
 * given), reads its manifest, which lists every file with its sha256 and
 * canonical URL, and drops from the cache what no release opened here lists.
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
  const files = logicalFiles(baseUrl, manifest);
  for (const f of [...files.values()].flat()) openedContents.add(f.sha256);
  const cache = options.cache === undefined ? await openFileCache() : options.cache;
  await cache?.retainOnly(openedContents).catch(() => 0);
  const pinned = version;
  // Two callers asking for one class at once share one load.
  const inFlight = new Map<string, Promise<Bundle>>();

  const release: Release = {
    baseUrl,
    version: pinned,
    manifest,
    classes: () => Object.keys(manifest.classes).sort(),
    file(dataClass, kind, { state, scale, format } = {}) {
      if (!manifest.classes[dataClass]) {
        throw new GeobundleError(
          `release ${pinned} has no data class "${dataClass}" (it has: ${release.classes().join(', ')})`,
        );
      }
      const file = files
        .get(dataClass)!
        .find(
          (f) =>
            f.kind === kind &&
            (kind !== 'by_state' || f.stateFips === state) &&
            (kind !== 'simplified' || (f.scale === scale && f.format === format)),
        );
      if (!file) {
        throw new GeobundleError(
          kind === 'by_state'
            ? `release ${pinned} has no "${dataClass}" bundle for state ${state}`
            : kind === 'simplified'
              ? `release ${pinned} lists no ${dataClass} map at scale ${scale} as ${format}`
              : `release ${pinned} lists no ${dataClass} ${kind} file`,
        );
      }
      return file;
    },
    files: () => [...files.values()].flat(),
    async loadBundle(dataClass, loadOptions = {}) {
      const key = `${dataClass}/${loadOptions.state ?? ''}`;
      let pending = inFlight.get(key);
      if (!pending) {
        pending = loadBundle(release, dataClass, { cache, fetch: fetchFn, ...loadOptions }).finally(() =>
          inFlight.delete(key),
        );
        inFlight.set(key, pending);
      }
      return pending;
    },
    loadMap: (dataClass, mapOptions) => loadMap(release, dataClass, { cache, fetch: fetchFn, ...mapOptions }),
    loadFacts: (dataClass, factOptions = {}) =>
      loadFacts(release, dataClass, { cache, fetch: fetchFn, ...factOptions }),
  };
  return release;
}
