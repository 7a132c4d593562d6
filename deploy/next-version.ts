/**
 * Prints the next patch version after the newest release in the releases
 * directory (v1.4.2 → v1.4.3; v1.0.0 when there is none), for the daily
 * refresh job. Only directory names are read (listVersions), so a damaged
 * manifest or current.json cannot fail the job after its refresh; what a
 * version is and what comes next is pipeline/release/version.ts's business.
 *
 *   node --import tsx deploy/next-version.ts [--releases DIR]
 */
import { pathToFileURL } from 'node:url';
import { defaultReleasesDir } from '../pipeline/paths.ts';
import { listVersions } from '../pipeline/release/releases.ts';
import { nextPatch } from '../pipeline/release/version.ts';
import type { ReleaseVersion } from '../pipeline/types.ts';

export const FIRST_VERSION: ReleaseVersion = 'v1.0.0';

/** The patch after the highest of `versions`, which are sorted oldest first (as listVersions returns them). */
export function nextPatchVersion(versions: readonly ReleaseVersion[]): ReleaseVersion {
  const newest = versions.at(-1);
  return newest ? nextPatch(newest) : FIRST_VERSION;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--releases');
  const releasesDir = i > 0 ? process.argv[i + 1]! : defaultReleasesDir();
  process.stdout.write(`${nextPatchVersion(listVersions(releasesDir))}\n`);
}
