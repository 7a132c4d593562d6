/**
 * `geobundle set-current`: points the releases directory's `current` at an
 * existing release whose files are all present with their listed sizes (a
 * full checksum run is `verify-release`).
 */
import { GeobundleError } from '../../core/errors.ts';
import type { CurrentRelease } from '../../core/release-format.ts';
import type { ReleaseVersion } from '../../core/types.ts';
import { parseVersion } from '../../core/version.ts';
import { writeCurrent } from './store/current-pointer.ts';
import { verifyRelease } from './verify-release.ts';

export async function setCurrent(
  releasesDir: string,
  version: string,
  now = new Date(),
): Promise<{ current: CurrentRelease; previous: ReleaseVersion | null }> {
  const v = parseVersion(version);
  const check = await verifyRelease({ releasesDir, version: v, structureOnly: true });
  if (!check.ok) {
    const first = check.problems
      .slice(0, 3)
      .map((p) => `${p.path}: ${p.detail}`)
      .join('; ');
    throw new GeobundleError(
      `release ${v} is incomplete, not making it current (${check.problems.length} problems: ${first})`,
    );
  }
  return writeCurrent(releasesDir, v, now);
}
