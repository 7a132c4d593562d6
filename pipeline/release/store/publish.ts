/**
 * Builds become visible in one step: everything is written into a
 * dot-prefixed directory beside the target (same file system, never served),
 * fsynced, then renamed into place. rename(2) of a directory onto an existing
 * non-empty one fails, which is what makes a published version immutable even
 * against a concurrent build of the same version.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode, GeobundleError } from '../../../core/errors.ts';
import { fsyncPath } from '../../atomic-files.ts';
import { VERSION_PATTERN } from '../../../core/version.ts';

/** `.build-<version>-<pid>-<random>`, as createBuildDir names them. */
const BUILD_DIR = new RegExp(String.raw`^\.build-${VERSION_PATTERN}-(?<pid>\d+)-[0-9a-f]+$`);

export function alreadyExists(version: string, dir: string): GeobundleError {
  return new GeobundleError(
    `release ${version} already exists at ${dir}; published releases are immutable: build a new version instead`,
    { exitCode: ExitCode.exists },
  );
}

/** Build directories of this process not yet published or removed: what an interrupted CLI removes on its way out. */
const activeBuildDirs = new Set<string>();

/** A fresh build directory; its name carries our pid so a later build can tell a dead build's leftovers. */
export function createBuildDir(releasesDir: string, version: string): string {
  const dir = path.join(releasesDir, `.build-${version}-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir);
  activeBuildDirs.add(dir);
  return dir;
}

export function removeBuildDir(dir: string): void {
  // A compression still finishing may add a file while the tree goes: retried, as rm(1) would be.
  fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  activeBuildDirs.delete(dir);
}

/** Removes every unfinished build directory of this process (Ctrl-C, SIGTERM); synchronous, for signal handlers. */
export function removeActiveBuildDirs(): void {
  for (const dir of activeBuildDirs) removeBuildDir(dir);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes build directories whose process is gone (a build killed with -9
 * leaves one behind). Directories of running builds are left alone; unknown
 * dot-directories are not ours to touch.
 */
export function removeStaleBuildDirs(releasesDir: string): string[] {
  const removed: string[] = [];
  for (const name of fs.readdirSync(releasesDir)) {
    const m = BUILD_DIR.exec(name);
    if (!m || processAlive(Number(m.groups!.pid))) continue;
    fs.rmSync(path.join(releasesDir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

/** fsyncs every directory under (and including) `dir`; files were fsynced as they were closed. */
export function fsyncTree(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) fsyncTree(path.join(dir, entry.name));
  }
  fsyncPath(dir);
}

/** Renames the finished build into place; a version that appeared meanwhile is reported, never replaced. */
export function publishBuildDir(buildDir: string, target: string, version: string): void {
  try {
    fs.renameSync(buildDir, target);
    activeBuildDirs.delete(buildDir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EISDIR')
      throw alreadyExists(version, target);
    throw err;
  }
  fsyncPath(path.dirname(target));
}
