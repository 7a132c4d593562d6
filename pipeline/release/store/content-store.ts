/**
 * `releases/content/`: every bundle file of every kept release, once, at a
 * path made from its bytes — `content/<key>/<name>.<ext>`, the key a digest
 * of the sha256s of the file's encodings (.gz and .br side by side, so nginx
 * can still pick one by Accept-Encoding). That path is the file's
 * `canonical_path`: the same in every release whose file has the same
 * bytes, so browsers and CDN edges that fetched it for yesterday's release
 * hit their caches for today's. The version directories hold hard links to
 * the same inodes, so `/bundles/<version>/<path>` keeps working at no cost.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError } from '../../../core/errors.ts';
import type { Encoding, ManifestFile } from '../../../core/release-format.ts';
import { fsyncPath, linkOrCopy } from '../../atomic-files.ts';

export const CONTENT_DIR = 'content';

/** 128 bits of the digest: unique among any number of files a releases directory will see. */
const KEY_HEX = 32;

/** The canonical path of each encoding of one logical file (`by_state/06.geojson` → `content/<key>/06.geojson.gz`). */
export function canonicalPaths(
  name: string,
  files: ReadonlyArray<{ encoding: Encoding; sha256: string; extension: string }>,
): Map<Encoding, string> {
  const key = crypto
    .createHash('sha256')
    .update(
      files
        .map((f) => `${f.encoding}:${f.sha256}`)
        .sort()
        .join('\n'),
    )
    .digest('hex')
    .slice(0, KEY_HEX);
  return new Map(files.map((f) => [f.encoding, `${CONTENT_DIR}/${key}/${path.posix.basename(name)}${f.extension}`]));
}

/**
 * Links each entry's file of a finished build into the content store at its
 * canonical path, unless it is there already (same path, same bytes: a
 * reused file, or the same bytes written by another class or build). Called
 * just before the build is published, so a release never lists a canonical
 * path that is not there; a build that fails afterwards leaves only entries
 * no release lists, which prune removes.
 */
export function linkIntoContentStore(releasesDir: string, buildDir: string, entries: readonly ManifestFile[]): void {
  const dirs = new Set<string>();
  for (const entry of entries) {
    const target = path.join(releasesDir, entry.canonical_path);
    const existing = fs.statSync(target, { throwIfNoEntry: false });
    if (existing) {
      if (existing.size !== entry.bytes) {
        throw new GeobundleError(
          `${target} is ${existing.size} bytes where ${entry.path} is ${entry.bytes}: the content store is damaged; ` +
            'remove that file and run geobundle verify-release on the releases that list it',
        );
      }
      continue;
    }
    fs.mkdirSync(path.dirname(target), { recursive: true });
    try {
      linkOrCopy(path.join(buildDir, entry.path), target);
    } catch (err) {
      // A concurrent build linked the same bytes first.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    dirs.add(path.dirname(target));
  }
  for (const dir of dirs) fsyncPath(dir);
  if (dirs.size > 0) fsyncPath(path.join(releasesDir, CONTENT_DIR));
}

export interface GarbageCollected {
  files: number;
  bytes: number;
}

/**
 * The lookup index's and the facts' files (core/lookup-format.ts): under
 * `content/lookup/` and `content/facts/`, two hex digits of their sha256 a
 * directory; no version directory links them.
 */
const LOOKUP_DIRS = ['lookup', 'facts'];

/**
 * Removes from `dir` (a directory of content files) the files no kept
 * release lists and no directory still links (a build in progress holds
 * links to what it will publish), and `dir` itself once empty.
 */
function collectDirectory(releasesDir: string, dir: string, listed: ReadonlySet<string>, removed: GarbageCollected) {
  const full = path.join(releasesDir, dir);
  const before = removed.files;
  for (const name of fs.readdirSync(full)) {
    const stat = fs.statSync(path.join(full, name));
    if (listed.has(`${dir}/${name}`) || stat.nlink > 1) continue;
    fs.rmSync(path.join(full, name));
    removed.files += 1;
    removed.bytes += stat.size;
  }
  if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  else if (removed.files > before) fsyncPath(full);
}

/** Removes the content-store files no kept release lists: what prune leaves behind once old version directories are gone. */
export function collectGarbage(releasesDir: string, listed: ReadonlySet<string>): GarbageCollected {
  const root = path.join(releasesDir, CONTENT_DIR);
  const removed = { files: 0, bytes: 0 };
  if (!fs.existsSync(root)) return removed;
  for (const key of fs.readdirSync(root)) {
    if (!LOOKUP_DIRS.includes(key)) {
      collectDirectory(releasesDir, `${CONTENT_DIR}/${key}`, listed, removed);
      continue;
    }
    for (const shard of fs.readdirSync(path.join(root, key))) {
      collectDirectory(releasesDir, `${CONTENT_DIR}/${key}/${shard}`, listed, removed);
    }
    fsyncPath(path.join(root, key));
  }
  fsyncPath(root);
  return removed;
}

/**
 * Puts the content file at `contentPath` into a build's scratch store at
 * `scratchPath` by a hard link — from then on prune leaves it alone — and
 * returns its length; null when the releases directory has no such file.
 */
export function linkExistingContent(releasesDir: string, contentPath: string, scratchPath: string): number | null {
  const existing = path.join(releasesDir, contentPath);
  try {
    fs.linkSync(existing, scratchPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return fs.statSync(scratchPath).size;
}

/**
 * Moves a finished build's scratch store (`<scratch>/content/…`, lookup and
 * facts files) into the releases directory's: each file is renamed into
 * place unless the store has it already. Called just before the build is
 * published, after its files were synced; a build that fails afterwards
 * leaves only files no release lists, which prune removes.
 */
export function moveIntoContentStore(releasesDir: string, scratch: string): void {
  for (const kind of LOOKUP_DIRS) {
    const from = path.join(scratch, CONTENT_DIR, kind);
    if (!fs.existsSync(from)) continue;
    for (const shard of fs.readdirSync(from)) {
      const target = path.join(releasesDir, CONTENT_DIR, kind, shard);
      fs.mkdirSync(target, { recursive: true });
      for (const name of fs.readdirSync(path.join(from, shard))) {
        const file = path.join(from, shard, name);
        if (fs.existsSync(path.join(target, name))) fs.rmSync(file);
        else fs.renameSync(file, path.join(target, name));
      }
      fsyncPath(target);
    }
    fsyncPath(path.join(releasesDir, CONTENT_DIR, kind));
  }
  fsyncPath(path.join(releasesDir, CONTENT_DIR));
  fs.rmSync(scratch, { recursive: true, force: true });
}
