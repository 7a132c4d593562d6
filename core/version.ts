/**
 * Release versions are plain semantic versions with a `v` prefix and nothing
 * else: the string becomes a directory name and a URL path segment, so it is
 * checked before anything touches the file system (`v1.0.0/../x` must never
 * reach path.join).
 */
import { GeobundleError } from './errors.ts';
import type { ReleaseVersion } from './types.ts';

export const VERSION_PATTERN = String.raw`v(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)`;
const VERSION_RE = new RegExp(`^${VERSION_PATTERN}$`);

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

/** The three numbers of a version: v1.10.0 → [1, 10, 0]. */
export function versionNumbers(version: ReleaseVersion): [major: number, minor: number, patch: number] {
  const [major, minor, patch] = version.slice(1).split('.').map(Number);
  return [major!, minor!, patch!];
}

/** Orders versions by their numbers (v1.10.0 after v1.9.0), for listings. */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  const pa = versionNumbers(a);
  const pb = versionNumbers(b);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** The next patch version: v1.4.2 → v1.4.3. */
export function nextPatch(version: ReleaseVersion): ReleaseVersion {
  const [major, minor, patch] = versionNumbers(version);
  return `v${major}.${minor}.${patch + 1}`;
}
