import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../../core/errors.ts';
import { readManifest, manifestTotals } from './manifest.ts';
import { fsyncPath, replaceAtomically, writeFileAtomic } from '../atomic-files.ts';
import { fileSystemError } from '../system-errors.ts';
import { compareVersions, isReleaseVersion, nextPatch, parseVersion } from '../../core/version.ts';
import { verifyRelease } from './verify-release.ts';
import type { CurrentRelease } from '../../core/manifest.ts';
import type { ReleaseVersion } from '../../core/types.ts';

/**
 * The releases directory as a whole: which versions exist and which one is
 * current. The current pointer is two things kept in step — current.json for
 * programs, and the relative symlink `current` that nginx follows per request
 * — each replaced by an atomic rename, never edited in place.
 */

const CURRENT_JSON = 'current.json';
const CURRENT_LINK = 'current';

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

export function readCurrent(releasesDir: string): CurrentRelease | null {
  const file = path.join(releasesDir, CURRENT_JSON);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  const parsed = JSON.parse(text) as CurrentRelease;
  if (!isReleaseVersion(parsed.version))
    throw new GeobundleError(`${file} names an invalid version ${JSON.stringify(parsed.version)}`);
  return parsed;
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

/** Runs one replacement of an entry of the releases directory, naming that entry if it fails. */
function update(releasesDir: string, name: string, replace: (target: string) => void): void {
  const target = path.join(releasesDir, name);
  try {
    replace(target);
  } catch (err) {
    throw (
      fileSystemError(err, { kind: 'releases', path: releasesDir, access: 'write' }) ??
      new GeobundleError(`cannot update ${target}: ${errorMessage(err)}`, { cause: err })
    );
  }
}

/**
 * Points `current` at an existing release whose files are all present with
 * their listed sizes (a full checksum run is `verify-release`).
 */
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
  // Checked up front so a `current` that is not ours to replace cannot leave current.json and the link disagreeing.
  const link = fs.lstatSync(path.join(releasesDir, CURRENT_LINK), { throwIfNoEntry: false });
  if (link && !link.isSymbolicLink()) {
    throw new GeobundleError(
      `${path.join(releasesDir, CURRENT_LINK)} exists and is not a symlink; move it away, then run set-current again`,
    );
  }
  const previous = readCurrent(releasesDir)?.version ?? null;
  const current: CurrentRelease = { version: v, updated_at: now.toISOString() };
  // Writable (0o666 less umask) as it always was: unlike a release's files, the pointer is replaced.
  update(releasesDir, CURRENT_JSON, (file) => writeFileAtomic(file, `${JSON.stringify(current, null, 2)}\n`, 0o666));
  // Relative, so the releases directory can be moved or mounted elsewhere (nginx, containers).
  update(releasesDir, CURRENT_LINK, (link) => replaceAtomically(link, (tmp) => fs.symlinkSync(v, tmp)));
  fsyncPath(releasesDir);
  return { current, previous };
}
