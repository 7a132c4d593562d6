/**
 * The current pointer of a releases directory: two things kept in step —
 * current.json for programs, and the relative symlink `current` that nginx
 * follows per request — each replaced by an atomic rename, never edited in
 * place.
 */
import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../../../core/errors.ts';
import type { CurrentLookup } from '../../../core/lookup-format.ts';
import type { CurrentRelease } from '../../../core/release-format.ts';
import type { ReleaseVersion } from '../../../core/types.ts';
import { isReleaseVersion } from '../../../core/version.ts';
import { fsyncPath, replaceAtomically, writeFileAtomic } from '../../atomic-files.ts';
import { fileSystemError } from '../../system-errors.ts';

export const CURRENT_JSON = 'current.json';
const CURRENT_LINK = 'current';

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
 * Points `current` at `version` (whose release the caller has checked):
 * current.json first — with the release's lookup root, so a lookup starts
 * from it — then the link, each replaced atomically.
 */
export function writeCurrent(
  releasesDir: string,
  version: ReleaseVersion,
  lookup: CurrentLookup | null,
  now = new Date(),
): { current: CurrentRelease; previous: ReleaseVersion | null } {
  // Checked up front so a `current` that is not ours to replace cannot leave current.json and the link disagreeing.
  const link = fs.lstatSync(path.join(releasesDir, CURRENT_LINK), { throwIfNoEntry: false });
  if (link && !link.isSymbolicLink()) {
    throw new GeobundleError(
      `${path.join(releasesDir, CURRENT_LINK)} exists and is not a symlink; move it away, then run set-current again`,
    );
  }
  const previous = readCurrent(releasesDir)?.version ?? null;
  const current: CurrentRelease = { version, updated_at: now.toISOString(), ...(lookup ? { lookup } : {}) };
  // Writable (0o666 less umask) as it always was: unlike a release's files, the pointer is replaced.
  update(releasesDir, CURRENT_JSON, (file) => writeFileAtomic(file, `${JSON.stringify(current, null, 2)}\n`, 0o666));
  // Relative, so the releases directory can be moved or mounted elsewhere (nginx, containers).
  update(releasesDir, CURRENT_LINK, (link) => replaceAtomically(link, (tmp) => fs.symlinkSync(version, tmp)));
  fsyncPath(releasesDir);
  return { current, previous };
}
