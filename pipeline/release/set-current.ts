/**
 * `geobundle set-current`: points the releases directory's `current` at an
 * existing release whose files are all present with their listed sizes (a
 * full checksum run is `verify-release`); current.json carries the root of
 * its lookup index.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { GeobundleError } from '../../core/errors.ts';
import type { CurrentLookup, LookupRoot } from '../../core/lookup-format.ts';
import type { CurrentRelease, ManifestLookup } from '../../core/release-format.ts';
import { sha256Hex } from '../sha256.ts';
import type { ReleaseVersion } from '../../core/types.ts';
import { parseVersion } from '../../core/version.ts';
import { writeCurrent } from './store/current-pointer.ts';
import { readManifest } from './store/manifest-file.ts';
import { verifyRelease } from './verify-release.ts';

/** What current.json carries of a release's lookup index: its root page, read from the content store and checked. */
function currentLookup(releasesDir: string, lookup: ManifestLookup): CurrentLookup {
  const file = path.join(releasesDir, lookup.index.canonical_path);
  const text = zlib.gunzipSync(fs.readFileSync(file)).toString('utf8');
  if (sha256Hex(text) !== lookup.index.uncompressed_sha256)
    throw new GeobundleError(`${file} does not hold the lookup root its release lists: run geobundle verify-release`);
  return {
    root: JSON.parse(text) as LookupRoot,
    root_sha256: lookup.index.uncompressed_sha256,
    facts_sha256: lookup.facts?.uncompressed_sha256 ?? null,
  };
}

export async function setCurrent(
  releasesDir: string,
  version: string,
  now = new Date(),
): Promise<{ current: CurrentRelease; previous: ReleaseVersion | null }> {
  const v = parseVersion(version);
  const check = await verifyRelease({ releasesDir, version: v, structureOnly: true });
  if (!check.ok) {
    const first = check.problems
      .slice(0, 3)
      .map((p) => `${p.path}: ${p.detail}`)
      .join('; ');
    throw new GeobundleError(
      `release ${v} is incomplete, not making it current (${check.problems.length} problems: ${first})`,
    );
  }
  const { lookup } = readManifest(path.join(releasesDir, v));
  return writeCurrent(releasesDir, v, lookup ? currentLookup(releasesDir, lookup) : null, now);
}
