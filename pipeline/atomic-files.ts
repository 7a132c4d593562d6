/**
 * Files that appear whole or not at all, and survive a power cut once
 * written: what releases, the current pointer and the Wikipedia cache are
 * made of. Written beside their target (same directory, so same file
 * system) and renamed over it, fsynced before the rename.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * fsync a file (its bytes) or a directory (the names in it: new files, a
 * rename), so what it holds survives a power cut.
 */
export function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A hard link to `source` at `target` (a new name), or a copy where links are
 * not possible (another file system), fsynced as a written file would be.
 */
export function linkOrCopy(source: string, target: string): void {
  try {
    fs.linkSync(source, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
    fs.copyFileSync(source, target, fs.constants.COPYFILE_EXCL);
    fsyncPath(target);
  }
}

/** Writes a new file (never over an existing one) and fsyncs it before close. */
export function writeFileSynced(file: string, text: string, mode: number): void {
  fs.writeFileSync(file, text, { flag: 'wx', flush: true, mode });
}

/**
 * Replaces `target` in one step: `create` makes a temporary entry beside it
 * (same directory, so same file system), which is renamed over the target —
 * readers see the old or the new one, never half of one. On failure the
 * temporary entry is removed and the error passed on for the caller to name.
 */
export function replaceAtomically(target: string, create: (tmp: string) => void): void {
  const tmp = path.join(
    path.dirname(target),
    `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`,
  );
  try {
    create(tmp);
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Replaces `file` with `text` atomically, the new content fsynced before the rename; `mode` defaults to Node's usual 0o666 (less umask). */
export function writeFileAtomic(file: string, text: string, mode = 0o666): void {
  replaceAtomically(file, (tmp) => writeFileSynced(tmp, text, mode));
}

/** Mode of every file of a release (r--r--r--): a published release is immutable, and a stray write should fail loudly. */
export const READ_ONLY = 0o444;

/**
 * Flushes everything written to the file system holding `dir` (syncfs(2),
 * through coreutils' `sync --file-system`): one call for thousands of small
 * files written unsynced, where fsync(2) on each would cost a disk flush
 * apiece.
 */
export function syncFileSystem(dir: string): void {
  execFileSync('sync', ['--file-system', dir]);
}
