import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Files that appear whole or not at all, and survive a power cut once
 * written: what releases, the current pointer and the Wikipedia cache are
 * made of. Written beside their target (same directory, so same file
 * system) and renamed over it, fsynced before the rename.
 */

/** fsync a directory, so the names in it (new files, a rename) survive a power cut. */
export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
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
