import { GeobundleError } from '../errors.ts';
import type { ReleaseVersion } from '../types.ts';

/**
 * Release versions are plain semantic versions with a `v` prefix and nothing
 * else: the string becomes a directory name and a URL path segment, so it is
 * checked before anything touches the file system (`v1.0.0/../x` must never
 * reach path.join).
 */
const VERSION_RE = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function isReleaseVersion(value: string): value is ReleaseVersion {
  return VERSION_RE.test(value);
}

export function parseVersion(value: string): ReleaseVersion {
  if (!isReleaseVersion(value)) {
    throw new GeobundleError(
      `invalid release version ${JSON.stringify(value)}: expected vMAJOR.MINOR.PATCH, e.g. v1.0.0`,
    );
  }
  return value;
}

/** Orders versions by their numbers (v1.10.0 after v1.9.0), for listings. */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  const pa = a.slice(1).split('.').map(Number);
  const pb = b.slice(1).split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d;
  }
  return 0;
}
