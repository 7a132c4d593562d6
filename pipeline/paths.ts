import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout root, so defaults work whatever the current directory is. */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** geobundle's own version, from package.json: what `--version` prints and every manifest records. */
export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

export function defaultDbPath(env = process.env): string {
  return env.GEOBUNDLE_DB ?? path.join('data', 'output', 'geobundle.duckdb');
}

export function defaultReleasesDir(env = process.env): string {
  return env.GEOBUNDLE_RELEASES ?? 'releases';
}

export function defaultCacheDir(env = process.env): string {
  return env.GEOBUNDLE_CACHE ?? path.join('data', 'cache', 'wikipedia');
}

/** The real source data shared beside the checkout (see ../shared/data/README.md). */
export function sharedDataDir(env = process.env): string {
  return env.GEOBUNDLE_SHARED_DATA ?? path.resolve(projectRoot, '..', 'shared', 'data');
}

/** A native path with `/` separators: the form manifests, checksums and class file patterns use on every OS. */
export function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}
