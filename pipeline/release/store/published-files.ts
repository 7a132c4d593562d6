/**
 * What the published releases of a releases directory already hold, by
 * input fingerprint: a build reuses the files of any of them whose
 * fingerprint it would write again, by hard link (the same inode, no bytes
 * copied), copying only where the file system cannot link. A release whose
 * manifest cannot be read offers nothing (verify-release reports it).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LookupRootFile, ManifestFile, ReleaseManifest } from '../../../core/release-format.ts';
import type { ReleaseVersion } from '../../../core/types.ts';
import { compareVersions } from '../../../core/version.ts';
import { readLookupTree } from './lookup-tree.ts';
import { readManifest } from './manifest-file.ts';
import { listVersions } from './versions.ts';
import { linkOrCopy } from '../../atomic-files.ts';

export interface PublishedFile {
  version: ReleaseVersion;
  /** The release's manifest entries of this logical file, one per encoding. */
  entries: ManifestFile[];
}

export interface ReleaseWithManifest {
  version: ReleaseVersion;
  dir: string;
  manifest: ReleaseManifest;
}

export class PublishedFiles {
  private readonly byFingerprint = new Map<string, PublishedFile>();

  private constructor(
    readonly releasesDir: string,
    /** Every readable published release, oldest first. */
    readonly releases: ReleaseWithManifest[],
  ) {
    // Newest last, so the newest release holding a file is the one reused from.
    for (const { version, manifest } of releases) {
      const groups = new Map<string, ManifestFile[]>();
      for (const entry of Object.values(manifest.classes).flatMap((c) => c.files)) {
        groups.set(entry.input_fingerprint, [...(groups.get(entry.input_fingerprint) ?? []), entry]);
      }
      for (const [fingerprint, entries] of groups) this.byFingerprint.set(fingerprint, { version, entries });
    }
  }

  static read(releasesDir: string): PublishedFiles {
    const releases: ReleaseWithManifest[] = [];
    for (const version of listVersions(releasesDir)) {
      const dir = path.join(releasesDir, version);
      try {
        releases.push({ version, dir, manifest: readManifest(dir) });
      } catch {
        // Unreadable or from an older format: nothing to reuse from it.
      }
    }
    return new PublishedFiles(releasesDir, releases);
  }

  /** The newest published release below `version`: the one a build of `version` records its changes against. */
  previous(version: ReleaseVersion): ReleaseWithManifest | null {
    return this.releases.filter((r) => compareVersions(r.version, version) < 0).at(-1) ?? null;
  }

  /** The published file with this fingerprint whose every encoding is still on disk with its listed size. */
  find(fingerprint: string): PublishedFile | undefined {
    const found = this.byFingerprint.get(fingerprint);
    if (!found) return undefined;
    const intact = found.entries.every(
      (e) =>
        fs.statSync(path.join(this.releasesDir, found.version, e.path), { throwIfNoEntry: false })?.size === e.bytes,
    );
    return intact ? found : undefined;
  }

  /**
   * The newest published lookup index (or facts) with this input
   * fingerprint whose root is in its version directory and every file below
   * it in the content store.
   */
  findLookup(
    part: 'index' | 'facts',
    fingerprint: string,
  ): { version: ReleaseVersion; root: LookupRootFile } | undefined {
    for (const { version, manifest } of [...this.releases].reverse()) {
      const root = manifest.lookup?.[part];
      if (!root || root.input_fingerprint !== fingerprint) continue;
      const linked = fs.statSync(path.join(this.releasesDir, version, root.path), { throwIfNoEntry: false });
      if (linked?.size !== root.bytes) continue;
      if (readLookupTree(this.releasesDir, { [part]: root }, { check: false }).problems.length > 0) continue;
      return { version, root };
    }
    return undefined;
  }

  /** Puts a published release's file (`relative` to its directory) at `target`: a hard link, or a copy across file systems. */
  linkInto(version: ReleaseVersion, relative: string, target: string): void {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    linkOrCopy(path.join(this.releasesDir, version, relative), target);
  }
}
