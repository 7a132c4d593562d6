/**
 * The browser's copy of downloaded bundle files, in IndexedDB: localStorage
 * holds about 5 MB of strings per origin, too little for one bundle, while
 * IndexedDB stores binary values within the origin's (much larger) quota.
 *
 * Entries are keyed by content — the sha256 of the decoded file, the
 * manifest's `uncompressed_sha256` — not by release: a file that did not
 * change between two releases has the same key in both, so a returning
 * visitor downloads only what changed. Each entry's bytes are checked
 * against its key on every read, so a corrupted entry is dropped instead of
 * trusted; entries no open release lists are evicted. The files of a
 * lookup index (client/lookup-files.ts) are kept in a store of their own,
 * `lookup`, which no release lists in full: it is bounded by a number of
 * files instead.
 */
export interface CachedFile {
  /** sha256 (hex) of `bytes`: the manifest's uncompressed_sha256 of the file. */
  sha256: string;
  /** Where the file was first seen, for people reading the cache: `county/polygons.geojson`. */
  path: string;
  bytes: ArrayBuffer;
  storedAt: string;
}

export interface FileCache {
  get(sha256: string): Promise<CachedFile | undefined>;
  put(entry: CachedFile): Promise<void>;
  delete(sha256: string): Promise<void>;
  /** Removes every entry whose key is not in `needed`; resolves with how many went. */
  retainOnly(needed: ReadonlySet<string>): Promise<number>;
  /** Removes entries (the first by key: by content, so as good as at random) until at most `max` are left; resolves with how many went. */
  limit(max: number): Promise<number>;
  list(): Promise<Array<Omit<CachedFile, 'bytes'>>>;
  close(): void;
}

export const CACHE_DB_NAME = 'geobundle';
/** Version 2: content-keyed `files` (version 1 kept `bundles` keyed by [version, sha256]); version 3 adds `lookup`. */
const DB_VERSION = 3;

/** The stores of the cache: a release's bundle files, and lookup and facts files. */
export type CacheStore = 'files' | 'lookup';

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * Opens one store of the cache, or resolves to null where IndexedDB is
 * unavailable or refused (some private-browsing modes): files then still
 * load, just without being kept.
 */
export async function openFileCache(
  factory: IDBFactory | undefined = globalThis.indexedDB,
  storeName: CacheStore = 'files',
): Promise<FileCache | null> {
  if (!factory) return null;
  let db: IDBDatabase;
  try {
    const request = factory.open(CACHE_DB_NAME, DB_VERSION);
    request.onupgradeneeded = (event) => {
      const upgrading = request.result;
      if (event.oldVersion < 2) {
        // What version 1 of this library kept is keyed by release: start afresh.
        for (const name of Array.from(upgrading.objectStoreNames)) upgrading.deleteObjectStore(name);
        upgrading.createObjectStore('files', { keyPath: 'sha256' });
      }
      upgrading.createObjectStore('lookup', { keyPath: 'sha256' });
    };
    db = await done(request);
  } catch {
    return null;
  }
  // Let a future version of this library upgrade the database from another tab.
  db.onversionchange = () => db.close();
  const store = (mode: IDBTransactionMode) => {
    const tx = db.transaction(storeName, mode);
    return { tx, store: tx.objectStore(storeName) };
  };
  return {
    async get(sha256) {
      return (await done(store('readonly').store.get(sha256))) as CachedFile | undefined;
    },
    async put(entry) {
      const { tx, store: s } = store('readwrite');
      s.put(entry);
      await committed(tx);
    },
    async delete(sha256) {
      const { tx, store: s } = store('readwrite');
      s.delete(sha256);
      await committed(tx);
    },
    async retainOnly(needed) {
      const { tx, store: s } = store('readwrite');
      const keys = (await done(s.getAllKeys())) as string[];
      const unneeded = keys.filter((k) => !needed.has(k));
      for (const key of unneeded) s.delete(key);
      await committed(tx);
      return unneeded.length;
    },
    async limit(max) {
      const { tx, store: s } = store('readwrite');
      const count = await done(s.count());
      if (count <= max) return 0;
      const keys = (await done(s.getAllKeys(null, count - max))) as string[];
      for (const key of keys) s.delete(key);
      await committed(tx);
      return keys.length;
    },
    async list() {
      const entries = (await done(store('readonly').store.getAll())) as CachedFile[];
      return entries.map(({ bytes: _bytes, ...rest }) => rest);
    },
    close() {
      db.close();
    },
  };
}
