/**
 * Prints the next patch version after the newest release in the releases
 * directory (v1.4.2 → v1.4.3; v1.0.0 when there is none), for the daily
 * refresh job. Versions are read and compared by pipeline/release, the one
 * place that knows what a release version is.
 *
 *   node --import tsx deploy/next-version.ts [--releases DIR]
 */
import { pathToFileURL } from 'node:url';
import { defaultReleasesDir } from '../pipeline/paths.ts';
import { listReleases } from '../pipeline/release/releases.ts';
import { parseVersion } from '../pipeline/release/version.ts';
import type { ReleaseVersion } from '../pipeline/types.ts';

export const FIRST_VERSION: ReleaseVersion = 'v1.0.0';

/** The patch after the highest of `versions`, which are sorted oldest first (as listReleases returns them). */
export function nextPatchVersion(versions: readonly ReleaseVersion[]): ReleaseVersion {
  const newest = versions.at(-1);
  if (!newest) return FIRST_VERSION;
  const [major, minor, patch] = newest.slice(1).split('.').map(Number) as [number, number, number];
  return parseVersion(`v${major}.${minor}.${patch + 1}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--releases');
  const releasesDir = i > 0 ? process.argv[i + 1]! : defaultReleasesDir();
  process.stdout.write(`${nextPatchVersion(listReleases(releasesDir).map((r) => r.version))}\n`);
}
