/**
 * What every loader does with one file of a release: take it from the
 * cache or the network, verify it against the manifest, report progress,
 * name it in errors, and check that its JSON has the expected shape.
 */
import { GeobundleError, errorMessage } from '../core/errors.ts';
import type { FileCache } from './cache.ts';
import { sha256Hex } from './checksum.ts';
import type { BundleFile, DistrictCollection, LoadOptions, Loading, Release, Origin } from './types.ts';

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

export interface Loaded {
  text: string;
  origin: Origin;
  stored: boolean;
}

/**
 * One file, from the cache when this exact content was kept before (no
 * bytes cross the network), else downloaded from its canonical URL — the
 * browser decodes br or gzip itself — and verified against the manifest's
 * sha256 of the decoded content. Only verified content is kept.
 */
export async function loadFile(
  release: Release,
  file: BundleFile,
  { cache, fetch: fetchFn }: Loading,
  onBytes: (n: number) => void,
): Promise<Loaded> {
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  const cached = cache ? await fromCache(cache, file) : undefined;
  if (cached) return { text: decode(cached), origin: 'cache', stored: true };
  const bytes = await download(file, fetchFn, onBytes);
  const sha256 = await sha256Hex(bytes);
  if (sha256 !== file.sha256) {
    throw new GeobundleError(
      `${what(release, file)} failed verification: its sha256 is ${sha256} (${bytes.byteLength} bytes decoded) ` +
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
  return { text: decode(bytes), origin: 'network', stored };
}

/** Where a set of files came from: `cache` when none was downloaded, `network` when all were, else `mixed`. */
export function summarise(origins: readonly Origin[]): Origin | 'mixed' {
  return origins.every((s) => s === 'cache') ? 'cache' : origins.every((s) => s === 'network') ? 'network' : 'mixed';
}

export const isCollection = (v: unknown) =>
  (v as Partial<DistrictCollection>)?.type === 'FeatureCollection' && Array.isArray((v as DistrictCollection).features);

/** Parses a file's JSON, checking its shape; a failure names the file and the release. */
export function parseJson<T>(text: string, name: string, check: (value: unknown) => boolean, expected: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new GeobundleError(`${name} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  if (!check(parsed)) throw new GeobundleError(`${name} is not ${expected}`);
  return parsed as T;
}
