/**
 * A build's lookup index and facts files (core/lookup-format.ts): reused
 * whole from an earlier release when their input fingerprint matches — a
 * release that changed only facts writes no lookup byte — or written into
 * the build's scratch content store, a file already in the releases
 * directory linked rather than written again. Their two roots go into the
 * version directory (`lookup/index.json.gz`, `lookup/facts.json.gz`) like
 * every other listed file; the rest moves into `content/` just before the
 * build is published.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lookupPath } from '../../core/lookup-format.ts';
import type { LookupRootFile, ManifestLookup } from '../../core/release-format.ts';
import { formatBytes } from '../format-bytes.ts';
import type { Progress } from '../progress.ts';
import { sha256File } from '../sha256.ts';
import { CELL_BUDGET_BYTES, LOOKUP_FACTS_FILE, LOOKUP_INDEX_FILE } from './formats/lookup.ts';
import { writeFacts } from './formats/lookup/facts.ts';
import { LookupSink, type StoredJson } from './formats/lookup/lookup-files.ts';
import { LookupIndexWriter } from './formats/lookup/write-index.ts';
import type { ClassPlan } from './plan/class-plan.ts';
import type { BuildSettings } from './plan/fingerprint.ts';
import { factsFingerprint, lookupIndexFingerprint } from './plan/lookup-inputs.ts';
import { linkExistingContent, moveIntoContentStore } from './store/content-store.ts';
import type { PublishedFiles } from './store/published-files.ts';

export interface LookupBuildOptions {
  releasesDir: string;
  buildDir: string;
  plans: readonly ClassPlan[];
  settings: BuildSettings;
  published: PublishedFiles;
  progress: Progress;
  signal?: AbortSignal;
}

type Reused = ReturnType<PublishedFiles['findLookup']>;

/** The build's scratch content store: lookup and facts files on their way into `content/`. */
const SCRATCH = '.content-scratch';

export class LookupBuild {
  /** Fed every district by the build's pass over the classes; null when the index is reused. */
  readonly index: LookupIndexWriter | null;
  private readonly sink: LookupSink;
  private readonly scratch: string;
  private readonly fingerprints: { index: string; facts: string };
  private readonly reused: { index: Reused; facts: Reused };

  constructor(private readonly options: LookupBuildOptions) {
    const { releasesDir, buildDir, plans, settings, published } = options;
    this.scratch = path.join(buildDir, SCRATCH);
    fs.mkdirSync(this.scratch);
    this.sink = new LookupSink({
      dir: this.scratch,
      existing: (relative, target) => linkExistingContent(releasesDir, relative, target),
    });
    this.fingerprints = { index: lookupIndexFingerprint(plans, settings), facts: factsFingerprint(plans, settings) };
    this.reused = {
      index: published.findLookup('index', this.fingerprints.index),
      facts: published.findLookup('facts', this.fingerprints.facts),
    };
    this.index = this.reused.index
      ? null
      : new LookupIndexWriter(this.scratch, settings.coordinatePrecision, this.sink);
  }

  /** Finishes the index (the pass has handed it every district) and the facts; their manifest section. */
  async finish(): Promise<ManifestLookup> {
    const { buildDir, plans, published, progress, signal } = this.options;
    let index: { root: LookupRootFile; cells: number; pages: number; bytes: number };
    const reusedIndex = this.reused.index;
    if (reusedIndex) {
      const earlier = published.releases.find((r) => r.version === reusedIndex.version)!.manifest.lookup!;
      published.linkInto(reusedIndex.version, reusedIndex.root.path, path.join(buildDir, LOOKUP_INDEX_FILE));
      index = { root: reusedIndex.root, cells: earlier.cells, pages: earlier.pages, bytes: earlier.index_bytes };
      progress.info(`lookup index: unchanged (linked from ${reusedIndex.version})`);
    } else {
      const built = await this.index!.end(progress, signal);
      index = {
        root: await this.rootFile(LOOKUP_INDEX_FILE, built.rootFile, this.fingerprints.index),
        cells: built.cells,
        pages: built.pages,
        bytes: built.bytes,
      };
    }
    let facts: { root: LookupRootFile; files: number; bytes: number } | null;
    const reusedFacts = this.reused.facts;
    if (reusedFacts) {
      const earlier = published.releases.find((r) => r.version === reusedFacts.version)!.manifest.lookup!;
      published.linkInto(reusedFacts.version, reusedFacts.root.path, path.join(buildDir, LOOKUP_FACTS_FILE));
      facts = { root: reusedFacts.root, files: earlier.facts_files, bytes: earlier.facts_bytes };
    } else {
      const before = { ...this.sink.counts };
      const built = writeFacts(plans, this.sink);
      const bytes =
        this.sink.counts.writtenBytes - before.writtenBytes + this.sink.counts.reusedBytes - before.reusedBytes;
      facts = built && {
        root: await this.rootFile(LOOKUP_FACTS_FILE, built.root, this.fingerprints.facts),
        files: built.files,
        bytes,
      };
      if (built)
        progress.info(
          `lookup facts: ${built.files} files, ${formatBytes(bytes)}, ` +
            `${this.sink.counts.written - before.written} written anew`,
        );
    }
    return {
      index: index.root,
      facts: facts?.root ?? null,
      cell_budget_bytes: CELL_BUDGET_BYTES,
      cells: index.cells,
      pages: index.pages,
      facts_files: facts?.files ?? 0,
      index_bytes: index.bytes,
      facts_bytes: facts?.bytes ?? 0,
    };
  }

  /** Links a root from the scratch store into the version directory, and describes it as the manifest lists it. */
  private async rootFile(name: string, stored: StoredJson, fingerprint: string): Promise<LookupRootFile> {
    const target = path.join(this.options.buildDir, name);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.linkSync(path.join(this.scratch, stored.path), target);
    return {
      path: name,
      media_type: 'application/json',
      encoding: 'gzip',
      bytes: stored.bytes,
      sha256: await sha256File(target),
      uncompressed_bytes: stored.uncompressedBytes,
      uncompressed_sha256: stored.sha256,
      canonical_path: lookupPath(name === LOOKUP_INDEX_FILE ? 'lookup' : 'facts', stored.sha256),
      input_fingerprint: fingerprint,
    };
  }

  /** Moves the new files into the releases directory's content store; the version directory must be synced already. */
  publish(): void {
    moveIntoContentStore(this.options.releasesDir, this.scratch);
  }

  abort(): void {
    this.index?.abort();
  }
}
