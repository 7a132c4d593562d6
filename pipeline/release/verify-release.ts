/**
 * Checks a published release against its own manifest.json and SHA256SUMS:
 * every listed file present with the listed size and checksum, nothing
 * unlisted, the two lists in agreement. Every problem is collected, so one
 * run names them all.
 */
import fs from 'node:fs';
import path from 'node:path';
import pLimit from 'p-limit';
import { errorMessage } from '../../core/errors.ts';
import { toPosix } from '../paths.ts';
import { sha256File } from '../sha256.ts';
import { parseSha256Sums, SHA256SUMS_FILE } from './store/checksums.ts';
import { lookupRoots, MANIFEST_FILE, manifestFiles, manifestProblems } from './store/manifest-file.ts';
import { readLookupTree } from './store/lookup-tree.ts';
import { releaseDir } from './store/versions.ts';
import { byteOrder } from '../../core/byte-order.ts';
import type { ManifestFile, ReleaseManifest } from '../../core/release-format.ts';

export type ProblemKind =
  | 'missing'
  | 'extra'
  | 'size'
  | 'checksum'
  | 'manifest'
  | 'sha256sums'
  | 'canonical'
  | 'lookup';

export interface VerifyProblem {
  path: string;
  kind: ProblemKind;
  detail: string;
}

export interface VerifyResult {
  version: string;
  dir: string;
  ok: boolean;
  /** Files whose size (and, unless structureOnly, checksum) matched. */
  filesChecked: number;
  problems: VerifyProblem[];
}

export interface VerifyOptions {
  releasesDir: string;
  version: string;
  /** Sizes and presence only, no hashing: the quick check set-current makes before pointing at a version. */
  structureOnly?: boolean;
}

function walkFiles(root: string, dir = root): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? walkFiles(root, full) : [toPosix(path.relative(root, full))];
  });
}

/**
 * A file's canonical path must serve exactly its bytes: there, with the
 * listed size, and the same inode as the version's copy (a hard link) or,
 * where the file system could not link, the listed sha256.
 */
async function canonicalProblem(
  releasesDir: string,
  dir: string,
  f: Pick<ManifestFile, 'path' | 'canonical_path' | 'bytes' | 'sha256'>,
  structureOnly: boolean,
): Promise<VerifyProblem | null> {
  const canonical = path.join(path.resolve(releasesDir), f.canonical_path);
  const stat = fs.statSync(canonical, { throwIfNoEntry: false });
  const problem = (detail: string): VerifyProblem => ({
    path: f.path,
    kind: 'canonical',
    detail: `canonical path ${f.canonical_path} ${detail}`,
  });
  if (!stat) return problem('is missing');
  if (stat.size !== f.bytes) return problem(`is ${stat.size} bytes, manifest says ${f.bytes}`);
  const own = fs.statSync(path.join(dir, f.path), { throwIfNoEntry: false });
  if (structureOnly || (own && own.ino === stat.ino && own.dev === stat.dev)) return null;
  const actual = await sha256File(canonical);
  return actual === f.sha256 ? null : problem(`has sha256 ${actual}, expected ${f.sha256}`);
}

export async function verifyRelease({
  releasesDir,
  version,
  structureOnly = false,
}: VerifyOptions): Promise<VerifyResult> {
  const dir = path.resolve(releaseDir(releasesDir, version));
  const problems: VerifyProblem[] = [];
  const onDisk = new Set(walkFiles(dir));

  // Listed file → expected size (when the manifest gives one) and checksum(s) from each list.
  const expected = new Map<string, { bytes?: number; sha256: Set<string> }>();
  const expect = (file: string, sha256: string, bytes?: number) => {
    const e = expected.get(file) ?? { sha256: new Set<string>() };
    e.sha256.add(sha256);
    if (bytes !== undefined) e.bytes = bytes;
    expected.set(file, e);
  };

  let manifest: ReleaseManifest | undefined;
  if (!onDisk.has(MANIFEST_FILE)) {
    problems.push({ path: MANIFEST_FILE, kind: 'missing', detail: 'the release has no manifest.json' });
  } else {
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8'));
      const schema = manifestProblems(parsed);
      if (schema.length > 0)
        problems.push({
          path: MANIFEST_FILE,
          kind: 'manifest',
          detail: `does not match the schema: ${schema.slice(0, 3).join('; ')}`,
        });
      else manifest = parsed as ReleaseManifest;
    } catch (err) {
      problems.push({ path: MANIFEST_FILE, kind: 'manifest', detail: `is not valid JSON: ${errorMessage(err)}` });
    }
  }
  if (manifest && manifest.version !== version) {
    problems.push({
      path: MANIFEST_FILE,
      kind: 'manifest',
      detail: `says version ${manifest.version}, but sits in ${version}/`,
    });
  }
  const manifestPaths = new Set<string>();
  const listedFiles = manifest ? [...manifestFiles(manifest), ...lookupRoots(manifest.lookup)] : [];
  for (const f of listedFiles) {
    manifestPaths.add(f.path);
    expect(f.path, f.sha256, f.bytes);
  }
  if (manifest) {
    manifestPaths.add(manifest.changes.path);
    expect(manifest.changes.path, manifest.changes.sha256, manifest.changes.bytes);
  }

  if (!onDisk.has(SHA256SUMS_FILE)) {
    problems.push({ path: SHA256SUMS_FILE, kind: 'missing', detail: 'the release has no SHA256SUMS' });
  } else {
    const { entries, malformed } = parseSha256Sums(fs.readFileSync(path.join(dir, SHA256SUMS_FILE), 'utf8'));
    for (const line of malformed)
      problems.push({ path: SHA256SUMS_FILE, kind: 'sha256sums', detail: `malformed line ${JSON.stringify(line)}` });
    const listed = new Set(entries.map((e) => e.path));
    for (const e of entries) {
      if (manifest && e.path !== MANIFEST_FILE && !manifestPaths.has(e.path)) {
        problems.push({ path: e.path, kind: 'sha256sums', detail: 'listed in SHA256SUMS but not in manifest.json' });
      }
      expect(e.path, e.sha256);
    }
    for (const p of manifestPaths) {
      if (!listed.has(p))
        problems.push({ path: p, kind: 'sha256sums', detail: 'listed in manifest.json but not in SHA256SUMS' });
    }
    if (!listed.has(MANIFEST_FILE))
      problems.push({ path: MANIFEST_FILE, kind: 'sha256sums', detail: 'SHA256SUMS does not cover manifest.json' });
  }

  // Hashing reads every byte of a release: a few files at a time keeps the disk and the thread pool busy.
  const limit = pLimit(4);
  const checks = await Promise.all(
    [...expected].map(([file, want]) =>
      limit(async (): Promise<VerifyProblem | null> => {
        if (!onDisk.has(file)) return { path: file, kind: 'missing', detail: 'listed but not on disk' };
        const full = path.join(dir, file);
        const bytes = fs.statSync(full).size;
        if (want.bytes !== undefined && bytes !== want.bytes)
          return { path: file, kind: 'size', detail: `is ${bytes} bytes, manifest says ${want.bytes}` };
        if (want.sha256.size > 1)
          return { path: file, kind: 'checksum', detail: 'manifest.json and SHA256SUMS list different checksums' };
        if (structureOnly) return null;
        const actual = await sha256File(full);
        const [listed] = want.sha256;
        return actual === listed
          ? null
          : { path: file, kind: 'checksum', detail: `sha256 is ${actual}, expected ${listed}` };
      }),
    ),
  );
  const canonical = await Promise.all(
    listedFiles.map((f) => limit(() => canonicalProblem(releasesDir, dir, f, structureOnly))),
  );
  // Every file the lookup roots reach: there, and (unless structureOnly) its JSON the sha256 its name is made of.
  const lookup: VerifyProblem[] = manifest?.lookup
    ? readLookupTree(path.resolve(releasesDir), manifest.lookup, { check: !structureOnly }).problems.map((p) => ({
        path: p.path,
        kind: 'lookup',
        detail: p.detail,
      }))
    : [];
  const fileProblems = [...checks, ...canonical, ...lookup]
    .filter((p): p is VerifyProblem => p !== null)
    .sort((a, b) => byteOrder(a.path, b.path));
  problems.push(...fileProblems);
  const filesChecked = checks.filter((p) => p === null).length;
  for (const file of [...onDisk].sort()) {
    if (file !== SHA256SUMS_FILE && !expected.has(file))
      problems.push({ path: file, kind: 'extra', detail: 'on disk but listed nowhere' });
  }
  return { version, dir, ok: problems.length === 0, filesChecked, problems };
}
