import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { writeFileAtomic } from '../atomic-files.ts';
import { fileSystemError } from '../system-errors.ts';
import type { DataClassName, FeatureId } from '../../core/types.ts';
import type { PageFacts } from './summary.ts';

/**
 * One district's Wikipedia facts as cached in `<cache>/<class>/<id>.json`.
 * A page is only ever replaced by a newer good fetch, so the file always holds
 * the last good data; the DuckDB table mirrors these files.
 */
export interface CacheEntry {
  data_class: DataClassName;
  id: FeatureId;
  article: PageFacts | null;
  representative: PageFacts | null;
}

export function cacheFile(cacheDir: string, dataClass: DataClassName, id: FeatureId): string {
  return path.join(cacheDir, dataClass, `${encodeURIComponent(id)}.json`);
}

/**
 * The cached entry, or null when there is none. A file that cannot be read
 * as an entry is reported (not deleted) and treated as missing, so the page is
 * fetched again and the file replaced by good data.
 */
export function readCacheEntry(
  cacheDir: string,
  dataClass: DataClassName,
  id: FeatureId,
  warn: (message: string) => void,
): CacheEntry | null {
  const file = cacheFile(cacheDir, dataClass, id);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new GeobundleError(`cannot read cache file ${file}: ${errorMessage(err)}`, { cause: err });
  }
  try {
    const entry = JSON.parse(text) as CacheEntry;
    if (entry.data_class !== dataClass || entry.id !== id || !('article' in entry) || !('representative' in entry)) {
      throw new Error(`it is not the entry of ${dataClass} ${id}`);
    }
    return entry;
  } catch (err) {
    warn(`ignoring unreadable cache file ${file} (will refetch): ${errorMessage(err)}`);
    return null;
  }
}

/** Writes an entry atomically: a temporary file beside it, fsync, rename — readers see the old or the new file, never half of one. */
export function writeCacheEntry(cacheDir: string, entry: CacheEntry): void {
  const file = cacheFile(cacheDir, entry.data_class, entry.id);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(entry, null, 2)}\n`);
  } catch (err) {
    throw (
      fileSystemError(err, { kind: 'cache', path: cacheDir, access: 'write' }) ??
      new GeobundleError(`cannot write cache file ${file}: ${errorMessage(err)}`, { cause: err })
    );
  }
}
