/**
 * Small tmpfs mounts: real file systems that fill up (ENOSPC) or turn
 * read-only (EROFS) on demand, for the tests of what geobundle says then.
 * Mounting needs root (CAP_SYS_ADMIN); a container may refuse it even so,
 * which `mountRefusal` reports so those tests can skip visibly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { tempDir } from '../../testkit/temp.ts';

/** Mounts a fresh tmpfs of `size` (mount(8) syntax: 512k, 2m) on a new temp dir and returns the dir. */
export async function mountTmpfs(prefix: string, size: string): Promise<string> {
  const dir = tempDir(prefix);
  const result = await execa('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { reject: false });
  if (result.exitCode !== 0) {
    fs.rmdirSync(dir);
    throw new Error(`mount -t tmpfs on ${dir} failed: ${result.stderr || result.message}`);
  }
  return dir;
}

export async function remountReadOnly(dir: string): Promise<void> {
  await execa('mount', ['-o', 'remount,ro', dir]);
}

/** Unmounts (lazily, should a straggling write still hold a file) and removes the mount point. */
export async function unmount(dir: string): Promise<void> {
  await execa('umount', ['--lazy', dir]);
  fs.rmdirSync(dir);
}

/** Why this process cannot mount a tmpfs, or null when it can. */
export async function mountRefusal(): Promise<string | null> {
  try {
    await unmount(await mountTmpfs('mount-probe', '64k'));
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Fills the file system holding `dir` with one file until `leave` bytes are free (0: until writes fail with ENOSPC). */
export function fillUp(dir: string, leave = 0): void {
  const { bavail, bsize } = fs.statfsSync(dir);
  const fd = fs.openSync(path.join(dir, 'filler'), 'wx');
  try {
    const chunk = Buffer.alloc(bsize);
    for (let blocks = bavail - Math.ceil(leave / bsize); blocks > 0; blocks -= 1) fs.writeSync(fd, chunk);
  } finally {
    fs.closeSync(fd);
  }
}
