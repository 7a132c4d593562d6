/**
 * The files of a lookup index and of the facts (core/lookup-format.ts),
 * fetched by the sha256 their parent names: from the cache when that exact
 * content was kept (no byte crosses the network, and it works offline),
 * else downloaded from the path made of the sha256 and verified. A file is
 * stored as gzip and served as it is, so a plain static host or object
 * store serves it too: the bytes are decoded here when they arrive as
 * gzip, and taken as they are when a server sent them with
 * `Content-Encoding: gzip` and the platform decoded them already. A file
 * whose content does not match is refused, never kept, and fetched once
 * more from the network, bypassing any cache on the way.
 */
import { GeobundleError, errorMessage } from '../core/errors.ts';
import { type LookupFileKind, lookupPath } from '../core/lookup-format.ts';
import type { FileCache } from './cache.ts';
import { sha256Hex } from './checksum.ts';

export interface LookupFetch {
  /** Where `content/…` is served: `<origin>/bundles`, or a releases directory's URL on a static host. */
  filesUrl: string;
  cache: FileCache | null;
  fetch: typeof fetch;
  /** Files parsed already, by sha256, the most recently used last: a second lookup in the same cell reads nothing at all. */
  memory: Map<string, unknown>;
}

/** Where a file of a lookup came from on this call. */
export interface Fetched<T> {
  value: T;
  from: 'memory' | 'cache' | 'network';
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Gunzips with the platform's DecompressionStream; a browser without one (before 2023) loads pako's inflate, and only then. */
async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof globalThis.DecompressionStream !== 'function') {
    const { inflate } = await import('pako');
    return inflate(bytes);
  }
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The decoded JSON bytes of a response: gunzipped here unless the platform did (Content-Encoding). */
async function decoded(response: Response): Promise<Uint8Array> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  return bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1] ? gunzip(bytes) : bytes;
}

async function download(url: string, fetchFn: typeof fetch, init: RequestInit): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchFn(url, init);
  } catch (err) {
    throw new GeobundleError(`cannot download ${url}: ${errorMessage(err)}`, { cause: err });
  }
  if (!response.ok) throw new GeobundleError(`cannot download ${url}: ${response.status} ${response.statusText}`);
  try {
    return await decoded(response);
  } catch (err) {
    throw new GeobundleError(`cannot decode ${url}: ${errorMessage(err)}`, { cause: err });
  }
}

/** A kept file whose bytes still match its key; one that does not is dropped. */
async function fromCache(cache: FileCache, sha256: string): Promise<Uint8Array | undefined> {
  const entry = await cache.get(sha256).catch(() => undefined);
  if (!entry) return undefined;
  const bytes = new Uint8Array(entry.bytes);
  if ((await sha256Hex(bytes)) === sha256) return bytes;
  await cache.delete(sha256).catch(() => undefined);
  return undefined;
}

/** Enough for every page and a few thousand cells; a batch that wanders further reads the oldest again from the cache. */
const MEMORY_FILES = 4096;

function remember(memory: Map<string, unknown>, sha256: string, value: unknown): void {
  memory.delete(sha256);
  memory.set(sha256, value);
  if (memory.size > MEMORY_FILES) memory.delete(memory.keys().next().value!);
}

/** A lookup or facts file's JSON, verified against `sha256`. */
export async function fetchLookupFile<T>(
  kind: LookupFileKind,
  sha256: string,
  { filesUrl, cache, fetch: fetchFn, memory }: LookupFetch,
): Promise<Fetched<T>> {
  const held = memory.get(sha256);
  if (held !== undefined) {
    remember(memory, sha256, held);
    return { value: held as T, from: 'memory' };
  }
  const path = lookupPath(kind, sha256);
  const url = `${filesUrl}/${path}`;
  let bytes = cache ? await fromCache(cache, sha256) : undefined;
  const from = bytes ? 'cache' : 'network';
  if (!bytes) {
    bytes = await download(url, fetchFn, {});
    let actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      // A cache or edge on the way may hold a damaged copy: once more, from the origin.
      bytes = await download(url, fetchFn, { cache: 'reload' });
      actual = await sha256Hex(bytes);
      if (actual !== sha256)
        throw new GeobundleError(
          `${url} failed verification: its content has sha256 ${actual}, not the ${sha256} its name and index give; it was not used or kept`,
        );
    }
    if (cache) {
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      await cache.put({ sha256, path, bytes: buffer, storedAt: new Date().toISOString() }).catch(() => undefined);
    }
  }
  let value: T;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes)) as T;
  } catch (err) {
    throw new GeobundleError(`${url} is not valid JSON: ${errorMessage(err)}`, { cause: err });
  }
  remember(memory, sha256, value);
  return { value, from };
}
