/**
 * Retention: removes old releases — never the current one nor the newest
 * `keep` — and then every content-store file no remaining release lists, so
 * each canonical path a kept release lists keeps answering. `--keep 0` with
 * no current release would remove every release, which a typo or an unset
 * variable in a cron line can ask for: that takes `force`. A release
 * disappears in one step (renamed to a dot-directory nginx never serves,
 * then deleted), so nginx and the API see it whole or not at all.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError, errorMessage } from '../../../core/errors.ts';
import type { ReleaseManifest } from '../../../core/release-format.ts';
import type { ReleaseVersion } from '../../../core/types.ts';
import { fsyncPath } from '../../atomic-files.ts';
import { fileSystemError } from '../../system-errors.ts';
import { collectGarbage, type GarbageCollected } from './content-store.ts';
import { manifestFiles, readManifest } from './manifest-file.ts';
import { readCurrent } from './current-pointer.ts';
import { readLookupTree } from './lookup-tree.ts';
import { listVersions } from './versions.ts';

export interface PruneResult {
  removed: ReleaseVersion[];
  kept: ReleaseVersion[];
  content: GarbageCollected;
}

/** `.pruned-<version>-<pid>-<hex>`: a release on its way out (left behind only by an interrupted prune). */
const PRUNED = /^\.pruned-/;

export function pruneReleases(releasesDir: string, keep: number, { dryRun = false, force = false } = {}): PruneResult {
  if (!Number.isInteger(keep) || keep < 0)
    throw new GeobundleError(`--keep must be a whole number of releases, got ${keep}`);
  if (!fs.existsSync(releasesDir))
    throw new GeobundleError(
      `there is no releases directory ${path.resolve(releasesDir)} to prune (pass --releases <dir> or set GEOBUNDLE_RELEASES)`,
    );
  const versions = listVersions(releasesDir);
  const current = readCurrent(releasesDir)?.version ?? null;
  const newest = new Set(versions.slice(Math.max(0, versions.length - keep)));
  const removed = versions.filter((v) => !newest.has(v) && v !== current);
  const kept = versions.filter((v) => !removed.includes(v));
  if (kept.length === 0 && removed.length > 0 && !force)
    throw new GeobundleError(
      `prune --keep ${keep} would remove every release in ${releasesDir} (${removed.join(', ')}; none is current): ` +
        'keep one with --keep 1 or geobundle set-current <version>, or pass --force to remove them all',
    );
  // What the kept releases list, read before anything is removed: a kept manifest that cannot
  // be read could list anything, so nothing is removed at all.
  const listed = new Set<string>();
  for (const version of kept) {
    const unreadable = (why: string) =>
      new GeobundleError(
        `cannot prune: the kept release ${version} is unreadable (${why}); run geobundle verify-release ${version}`,
      );
    let manifest: ReleaseManifest;
    try {
      manifest = readManifest(path.join(releasesDir, version));
    } catch (err) {
      throw unreadable(errorMessage(err));
    }
    for (const f of manifestFiles(manifest)) listed.add(f.canonical_path);
    if (manifest.lookup) {
      // A page that cannot be read hides what is below it: nothing may go.
      const tree = readLookupTree(releasesDir, manifest.lookup, { check: false });
      const unread = tree.problems.find((p) => !p.detail.startsWith('is missing'));
      if (unread) throw unreadable(`${unread.path} ${unread.detail}`);
      for (const f of tree.files) listed.add(f.path);
    }
  }
  if (dryRun) return { removed, kept, content: { files: 0, bytes: 0 } };

  try {
    for (const version of removed) {
      const doomed = path.join(
        releasesDir,
        `.pruned-${version}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
      );
      fs.renameSync(path.join(releasesDir, version), doomed);
      fsyncPath(releasesDir);
      fs.rmSync(doomed, { recursive: true, force: true });
    }
    for (const name of fs.readdirSync(releasesDir)) {
      if (PRUNED.test(name)) fs.rmSync(path.join(releasesDir, name), { recursive: true, force: true });
    }
    return { removed, kept, content: collectGarbage(releasesDir, listed) };
  } catch (err) {
    throw fileSystemError(err, { kind: 'releases', path: releasesDir, access: 'write' }) ?? err;
  }
}
