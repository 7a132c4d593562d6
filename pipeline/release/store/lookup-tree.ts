/**
 * The files a release's lookup index and facts reach from their roots, read
 * from the content store: what prune must keep, what verify-release checks
 * and what a build may reuse. Each file is read once and checked against
 * the sha256 its path is made from; a page or directory that cannot be read
 * is reported, and what is below it cannot be listed.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { errorMessage } from '../../../core/errors.ts';
import {
  type FactsDirectory,
  type FactsRoot,
  type LookupFileKind,
  type LookupPage,
  lookupPath,
} from '../../../core/lookup-format.ts';
import type { ManifestLookup } from '../../../core/release-format.ts';
import { sha256Hex } from '../../sha256.ts';

export interface TreeFile {
  /** Relative to the releases directory. */
  path: string;
  /** What points at it: the manifest's root, or the page or directory above. */
  from: string;
}

export interface TreeProblem {
  path: string;
  detail: string;
}

export interface LookupTree {
  /** Every file reached, roots included. */
  files: TreeFile[];
  problems: TreeProblem[];
}

/**
 * A stored file's JSON, checked against its name; `check: false` only
 * tells whether it is there (no read, no hash) and returns null.
 */
function readStored<T>(releasesDir: string, relative: string, sha256: string, check: boolean): T | null {
  const file = path.join(releasesDir, relative);
  if (!check) {
    if (!fs.existsSync(file)) throw new Error('missing');
    return null;
  }
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
  const actual = sha256Hex(text);
  if (actual !== sha256) throw new Error(`its JSON has sha256 ${actual}, expected ${sha256}`);
  return JSON.parse(text) as T;
}

/** The roots to walk: a manifest's lookup section, or one of its two roots. */
export type LookupRoots = Partial<Pick<ManifestLookup, 'index' | 'facts'>>;

/**
 * Walks the index and the facts from their roots. With `check`, every file
 * is read and verified; without, leaves (cells and facts files) are only
 * looked for, and only pages and directories read.
 */
export function readLookupTree(releasesDir: string, lookup: LookupRoots, { check }: { check: boolean }): LookupTree {
  const tree: LookupTree = { files: [], problems: [] };
  const visit = <T>(kind: LookupFileKind, sha256: string, from: string, inner: boolean): T | null => {
    const relative = lookupPath(kind, sha256);
    tree.files.push({ path: relative, from });
    try {
      return readStored<T>(releasesDir, relative, sha256, check || inner);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      tree.problems.push({
        path: relative,
        detail: `${code === 'ENOENT' || errorMessage(err) === 'missing' ? 'is missing' : `cannot be read: ${errorMessage(err)}`} (named by ${from})`,
      });
      return null;
    }
  };
  const walkPage = (sha256: string, from: string) => {
    const page = visit<LookupPage>('lookup', sha256, from, true);
    for (const [key, kind, child] of page?.entries ?? []) {
      const at = `${page!.key === '' ? 'the root page' : `page ${page!.key}`}, entry ${key}`;
      if (kind === 'page') walkPage(child, at);
      else visit('lookup', child, at, false);
    }
  };
  if (lookup.index) walkPage(lookup.index.uncompressed_sha256, lookup.index.path);
  if (lookup.facts) {
    const root = visit<FactsRoot>('facts', lookup.facts.uncompressed_sha256, lookup.facts.path, true);
    for (const [dataClass, states] of Object.entries(root?.classes ?? {})) {
      for (const [state, sha256] of Object.entries(states)) {
        const directory = visit<FactsDirectory>(
          'facts',
          sha256,
          `the facts root, ${dataClass} state ${state || '(none)'}`,
          true,
        );
        for (const [id, file] of Object.entries(directory?.ids ?? {}))
          visit('facts', file, `the ${dataClass} facts directory of state ${state || '(none)'}, id ${id}`, false);
      }
    }
  }
  return tree;
}
