/**
 * The versions of a releases directory: which exist (from directory names:
 * build directories are dot-prefixed, other names are not releases) and
 * what each holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../../../core/errors.ts';
import type { ReleaseVersion } from '../../../core/types.ts';
import { compareVersions, isReleaseVersion, nextPatch, parseVersion } from '../../../core/version.ts';
import { readCurrent } from './current-pointer.ts';
import { manifestTotals, readManifest } from './manifest-file.ts';

export interface ReleaseListing {
  version: ReleaseVersion;
  built_at: string | null;
  current: boolean;
  classes: string[];
  features: number;
  files: number;
  bytes: number;
  /** Set when the manifest cannot be read; the version is still listed so it is not silently hidden. */
  error?: string;
}

/**
 * Published versions, oldest first, from directory names alone (no manifest
 * or current.json is read). Build directories (dot-prefixed) and other names
 * are not releases.
 */
export function listVersions(releasesDir: string): ReleaseVersion[] {
  if (!fs.existsSync(releasesDir)) return [];
  return fs
    .readdirSync(releasesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && isReleaseVersion(e.name))
    .map((e) => e.name as ReleaseVersion)
    .sort(compareVersions);
}

/** More versions than this are summed up, not listed, in a release-not-found message. */
const LISTED_VERSIONS = 5;

/**
 * The directory of a published release, or a one-line error naming the
 * version, the releases directory and what it does hold: what every command
 * given a version (verify-release, set-current, diff) says when there is none.
 */
export function releaseDir(releasesDir: string, version: string): string {
  const v = parseVersion(version);
  const dir = path.join(releasesDir, v);
  if (fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return dir;
  const where = path.resolve(releasesDir);
  if (!fs.existsSync(releasesDir))
    throw new GeobundleError(
      `release ${v} not found: there is no releases directory ${where} (pass --releases <dir> or set GEOBUNDLE_RELEASES)`,
    );
  const versions = listVersions(releasesDir);
  const held =
    versions.length === 0
      ? 'it has none'
      : versions.length > LISTED_VERSIONS
        ? `it has ${versions.length}, the newest ${versions.slice(-3).join(', ')}`
        : `it has ${versions.join(', ')}`;
  throw new GeobundleError(`release ${v} not found in ${where} (${held}): see geobundle list-releases`);
}

/** The first version of a releases directory. */
export const FIRST_VERSION: ReleaseVersion = 'v1.0.0';

/**
 * The patch after the newest published version (v1.4.2 → v1.4.3), or
 * FIRST_VERSION when there is none: what the daily job builds next. Only
 * directory names are read, so a damaged manifest or current.json cannot
 * stop the job after its refresh.
 */
export function nextVersion(releasesDir: string): ReleaseVersion {
  const newest = listVersions(releasesDir).at(-1);
  return newest ? nextPatch(newest) : FIRST_VERSION;
}

/**
 * Published versions, oldest first, each with its manifest's summary.
 * `current` is the version current.json names; a caller that has read it
 * already passes it, so the flags agree with what it holds.
 */
export function listReleases(
  releasesDir: string,
  current: ReleaseVersion | null = readCurrent(releasesDir)?.version ?? null,
): ReleaseListing[] {
  if (!fs.existsSync(releasesDir)) return [];
  return listVersions(releasesDir).map((version) => {
    try {
      const manifest = readManifest(path.join(releasesDir, version));
      return {
        version,
        built_at: manifest.built_at,
        current: version === current,
        classes: Object.keys(manifest.classes),
        ...manifestTotals(manifest),
      };
    } catch (err) {
      return {
        version,
        built_at: null,
        current: version === current,
        classes: [],
        features: 0,
        files: 0,
        bytes: 0,
        error: errorMessage(err),
      };
    }
  });
}
