/**
 * The browser's copy of downloaded bundles, in IndexedDB: localStorage holds
 * about 5 MB of strings per origin, too little for one bundle, while
 * IndexedDB stores binary values within the origin's (much larger) quota.
 *
 * Entries are keyed by [version, sha256] and hold the verified .gz bytes as
 * downloaded — the smallest form, and one whose checksum can be rechecked
 * on every read, so a corrupted entry is dropped instead of trusted.
 */
export interface CachedBundle {
  version: string;
  sha256: string;
  /** The file's path within the release, e.g. `county/all.geojson.gz`. */
  path: string;
  bytes: ArrayBuffer;
  storedAt: string;
}

export interface BundleCache {
  get(version: string, sha256: string): Promise<CachedBundle | undefined>;
  put(entry: CachedBundle): Promise<void>;
  delete(version: string, sha256: string): Promise<void>;
  /** Removes every entry of another release: a newer current release replaces what an older one stored. */
  deleteOtherVersions(version: string): Promise<number>;
  list(): Promise<Array<Omit<CachedBundle, 'bytes'>>>;
  close(): void;
}

export const CACHE_DB_NAME = 'geobundle';
const STORE = 'bundles';

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
 * Opens the cache, or resolves to null where IndexedDB is unavailable or
 * refused (some private-browsing modes): bundles then still load, just
 * without being kept.
 */
export async function openBundleCache(
  factory: IDBFactory | undefined = globalThis.indexedDB,
): Promise<BundleCache | null> {
  if (!factory) return null;
  let db: IDBDatabase;
  try {
    const request = factory.open(CACHE_DB_NAME, 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(STORE, { keyPath: ['version', 'sha256'] });
    };
    db = await done(request);
  } catch {
    return null;
  }
  // Let a future version of this library upgrade the database from another tab.
  db.onversionchange = () => db.close();
  const store = (mode: IDBTransactionMode) => {
    const tx = db.transaction(STORE, mode);
    return { tx, store: tx.objectStore(STORE) };
  };
  return {
    async get(version, sha256) {
      return (await done(store('readonly').store.get([version, sha256]))) as CachedBundle | undefined;
    },
    async put(entry) {
      const { tx, store: s } = store('readwrite');
      s.put(entry);
      await committed(tx);
    },
    async delete(version, sha256) {
      const { tx, store: s } = store('readwrite');
      s.delete([version, sha256]);
      await committed(tx);
    },
    async deleteOtherVersions(version) {
      const { tx, store: s } = store('readwrite');
      const keys = (await done(s.getAllKeys())) as Array<[string, string]>;
      const stale = keys.filter(([v]) => v !== version);
      for (const key of stale) s.delete(key);
      await committed(tx);
      return stale.length;
    },
    async list() {
      const entries = (await done(store('readonly').store.getAll())) as CachedBundle[];
      return entries.map(({ bytes: _bytes, ...rest }) => rest);
    },
    close() {
      db.close();
    },
  };
}
