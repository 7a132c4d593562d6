/**
 * Lookup and facts files as they are stored: JSON, gzip, under a path made
 * from the sha256 of the JSON (core/lookup-format.ts), written into the
 * build's scratch copy of the content store. A file whose path the
 * releases directory already holds is not written again: the sink's
 * `existing` links it instead (so no file is written twice, and a file
 * another release still needs is never removed under the build).
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { type LookupFileKind, lookupPath } from '../../../../core/lookup-format.ts';
import { READ_ONLY } from '../../../atomic-files.ts';
import { sha256Hex } from '../../../sha256.ts';
import { LOOKUP_GZIP_LEVEL } from '../lookup.ts';

export interface StoredJson {
  path: string;
  sha256: string;
  /** The JSON's length, and the stored (gzip) file's. */
  uncompressedBytes: number;
  bytes: number;
}

export interface LookupSinkOptions {
  /** The scratch content store: files go to `<dir>/<lookupPath(…)>`. */
  dir: string;
  /** Puts the releases directory's file at this content path into the scratch store (a hard link) and returns its length, or returns null when there is none. */
  existing(contentPath: string, scratchPath: string): number | null;
}

/** JSON text as a lookup file stores it. */
export function gzipJson(text: string): Buffer {
  return zlib.gzipSync(text, { level: LOOKUP_GZIP_LEVEL });
}

export class LookupSink {
  /** Files written anew and already held, with their bytes on disk. */
  readonly counts = { written: 0, writtenBytes: 0, reused: 0, reusedBytes: 0 };
  private readonly dirs = new Set<string>();

  constructor(private readonly options: LookupSinkOptions) {}

  /** Stores JSON text (deterministic: key order as built), once per content; `gzip` when the caller has it already. */
  put(kind: LookupFileKind, text: string, gzip?: Buffer): StoredJson {
    const sha256 = sha256Hex(text);
    const relative = lookupPath(kind, sha256);
    const file = path.join(this.options.dir, relative);
    const dir = path.dirname(file);
    if (!this.dirs.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      this.dirs.add(dir);
    }
    const uncompressedBytes = Buffer.byteLength(text);
    const held = this.options.existing(relative, file);
    if (held !== null) {
      this.counts.reused += 1;
      this.counts.reusedBytes += held;
      return { path: relative, sha256, uncompressedBytes, bytes: held };
    }
    const stored = gzip ?? gzipJson(text);
    // Synced together before the build is published (build-release), not one by one.
    fs.writeFileSync(file, stored, { flag: 'wx', mode: READ_ONLY });
    this.counts.written += 1;
    this.counts.writtenBytes += stored.length;
    return { path: relative, sha256, uncompressedBytes, bytes: stored.length };
  }
}
