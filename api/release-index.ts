/**
 * What the API knows about the releases directory, kept in memory.
 *
 * The listing (versions, classes, which is current) is rebuilt only when the
 * directory changes: fs.watch marks it stale, and because watches can miss
 * events (network file systems, a directory replaced), the directory's mtime
 * is also re-checked with one stat at most once per `revalidateMs`. Every
 * change a release engineer makes — a build renamed into place, set-current
 * renaming current.json and the `current` link — changes that mtime.
 *
 * A version's manifest and changes are read once and kept: published
 * releases never change. Only `<releasesDir>/<version>/manifest.json` (and
 * the changes.json it names) of a version found by
 * listReleases is ever read.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../core/errors.ts';
import { listReleases, type ReleaseListing } from '../pipeline/release/store/versions.ts';
import { readCurrent } from '../pipeline/release/store/current-pointer.ts';
import { MANIFEST_FILE } from '../pipeline/release/store/manifest-file.ts';
import { jsonRepresentation, representation, type Representation } from './representation.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import type { CurrentRelease } from '../core/release-format.ts';

export interface ReleaseIndexOptions {
  releasesDir: string;
  /** Cache-Control max-age of the listing and the current release, in seconds. */
  listMaxAge: number;
  /** Where the static bundles are served (`/bundles`, or a CDN origin). */
  bundlesBaseUrl: string;
  revalidateMs?: number;
}

/** A release as the API lists it: its listing and where its manifest and bundles are. */
export interface ReleaseEntry extends ReleaseListing {
  manifest_url: string;
  bundles_url: string;
}

export interface Snapshot {
  releases: Map<string, ReleaseEntry>;
  current: (CurrentRelease & ReleaseEntry) | null;
  list: Representation;
  currentBody: Representation | null;
  /** Versions whose manifest could not be read: not served, reported by /healthz. */
  problems: string[];
}

interface CachedManifest {
  body: Representation;
  manifest: ReleaseManifest;
}

export const IMMUTABLE = 'public, max-age=31536000, immutable';

export class ReleaseIndex {
  readonly releasesDir: string;
  private readonly options: Required<ReleaseIndexOptions>;
  private snapshot: Snapshot | null = null;
  private stale = true;
  private checkedAt = 0;
  private dirMtime = -1;
  private watcher: fs.FSWatcher | null = null;
  private readonly manifests = new Map<string, CachedManifest>();
  private readonly changesBodies = new Map<string, Representation>();

  constructor(options: ReleaseIndexOptions) {
    this.options = { revalidateMs: 1000, ...options };
    this.releasesDir = path.resolve(options.releasesDir);
    this.watch();
  }

  private watch(): void {
    if (this.watcher) return;
    try {
      this.watcher = fs.watch(this.releasesDir, { persistent: false }, () => {
        this.stale = true;
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = null;
        this.stale = true;
      });
    } catch {
      // Not there yet (or not watchable): the mtime re-check covers it.
    }
  }

  private mtime(): number {
    try {
      return fs.statSync(this.releasesDir).mtimeMs;
    } catch {
      return -1;
    }
  }

  /** The current view of the releases directory, rebuilt only if it changed. */
  get(now = Date.now()): Snapshot {
    if (!this.stale && this.snapshot && now - this.checkedAt < this.options.revalidateMs) return this.snapshot;
    const mtime = this.mtime();
    this.checkedAt = now;
    if (this.stale || !this.snapshot || mtime !== this.dirMtime) {
      // Clear first: a change during the scan marks it stale again.
      this.stale = false;
      this.dirMtime = mtime;
      this.watch();
      this.snapshot = this.scan();
    }
    return this.snapshot;
  }

  private scan(): Snapshot {
    const { bundlesBaseUrl, listMaxAge } = this.options;
    const listCache = `public, max-age=${listMaxAge}`;
    const releases = new Map<string, ReleaseEntry>();
    const problems: string[] = [];
    // Messages name files by their place in the releases directory, never by a server path.
    const problem = (message: string) => problems.push(message.split(this.releasesDir).join('releases'));
    // current.json is read once: the list's `current` flags and the pointer come from the same read.
    let pointer: CurrentRelease | null = null;
    try {
      pointer = readCurrent(this.releasesDir);
    } catch (err) {
      problem(`releases/current.json: ${errorMessage(err)}`);
    }
    let listings: ReleaseListing[];
    try {
      listings = listReleases(this.releasesDir, pointer?.version ?? null);
    } catch (err) {
      // E.g. an unreadable releases directory: keep serving what was known.
      problem(`cannot list releases: ${errorMessage(err)}`);
      listings = [...(this.snapshot?.releases.values() ?? [])].map((r) => ({
        ...r,
        current: r.version === pointer?.version,
      }));
    }
    for (const listing of listings) {
      if (listing.error) {
        problem(`${listing.version}: ${listing.error}`);
        continue;
      }
      releases.set(listing.version, {
        ...listing,
        manifest_url: `/api/v1/releases/${listing.version}/manifest`,
        bundles_url: `${bundlesBaseUrl}/${listing.version}/`,
      });
    }
    for (const cache of [this.manifests, this.changesBodies]) {
      for (const version of cache.keys()) if (!releases.has(version)) cache.delete(version);
    }

    const target = pointer ? releases.get(pointer.version) : undefined;
    if (pointer && !target) problem(`current.json names ${pointer.version}, which is not a published release`);
    const current = pointer && target ? { ...target, ...pointer } : null;
    const all = [...releases.values()];
    return {
      releases,
      current,
      problems,
      list: jsonRepresentation({ current: current?.version ?? null, releases: all }, listCache),
      currentBody: current ? jsonRepresentation(current, listCache) : null,
    };
  }

  /** A published version's manifest, read on first use and then kept; null for unknown versions. */
  manifest(version: string): CachedManifest | null {
    if (!this.get().releases.has(version)) return null;
    let cached = this.manifests.get(version);
    if (!cached) {
      const bytes = fs.readFileSync(path.join(this.releasesDir, version, MANIFEST_FILE));
      cached = {
        body: representation(bytes, IMMUTABLE),
        manifest: JSON.parse(bytes.toString('utf8')) as ReleaseManifest,
      };
      this.manifests.set(version, cached);
    }
    return cached;
  }

  /** What changed in a published version (its changes.json), read on first use and then kept; null for unknown versions. */
  changes(version: string): Representation | null {
    const cached = this.manifest(version);
    if (!cached) return null;
    let body = this.changesBodies.get(version);
    if (!body) {
      body = representation(
        fs.readFileSync(path.join(this.releasesDir, version, cached.manifest.changes.path)),
        IMMUTABLE,
      );
      this.changesBodies.set(version, body);
    }
    return body;
  }

  close(): void {
    this.watcher?.close();
    this.watcher = null;
  }
}
