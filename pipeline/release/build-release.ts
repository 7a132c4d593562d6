import fs from 'node:fs';
import path from 'node:path';
import { GeobundleError } from '../../core/errors.ts';
import { MAX_LOOKUP_PRECISION } from '../../core/lookup-format.ts';
import { byteOrder } from '../../core/byte-order.ts';
import type { ClassManifest, ManifestFile, ReleaseChanges, ReleaseManifest } from '../../core/release-format.ts';
import { parseVersion } from '../../core/version.ts';
import { READ_ONLY, syncFileSystem, writeFileSynced } from '../atomic-files.ts';
import { withDatabase } from '../db.ts';
import { returnFreedHeap } from '../free-memory.ts';
import { packageVersion } from '../paths.ts';
import { sha256Hex } from '../sha256.ts';
import { duckdbError, fileSystemError, type Place } from '../system-errors.ts';
import { silentProgress, type Progress } from '../progress.ts';
import { diffReleases, serializeChanges } from './changes.ts';
import { formatSha256Sums, SHA256SUMS_FILE } from './store/checksums.ts';
import { COMPRESSION_TIERS } from './formats/compression.ts';
import { linkIntoContentStore } from './store/content-store.ts';
import { Digest } from './plan/fingerprint.ts';
import {
  assertValidManifest,
  CHANGES_FILE,
  lookupRoots,
  MANIFEST_FILE,
  serializeManifest,
} from './store/manifest-file.ts';
import { PublishedFiles } from './store/published-files.ts';
import { SIMPLIFICATION } from './formats/maps.ts';
import {
  alreadyExists,
  createBuildDir,
  fsyncTree,
  publishBuildDir,
  removeBuildDir,
  removeStaleBuildDirs,
} from './store/publish.ts';
import { type ClassPlan, classesWithData, planClass } from './plan/class-plan.ts';
import { manifestEntries, writeClass } from './write-class.ts';
import { LookupBuild } from './write-lookup.ts';
import { writeMaps } from './formats/maps/write-maps.ts';
import { CompressionQueue } from './formats/bundles/compression-queue.ts';
import { DEFAULT_PRECISION } from './formats/bundles.ts';

/** Where a build's uncompressed texts and mapshaper's files wait, inside the build directory (gone before publishing). */
const SCRATCH_DIR = '.scratch';
export const DUCKDB_MEMORY_LIMIT = '128MB';

export interface BuildOptions {
  dbPath: string;
  releasesDir: string;
  version: string;
  /** Decimal places of output coordinates (default 6, ~0.1 m). */
  precision?: number;
  progress?: Progress;
  /** Overrides the build time; by default SOURCE_DATE_EPOCH, else now. */
  builtAt?: Date;
  /** Where SOURCE_DATE_EPOCH is read from (default process.env). */
  env?: Record<string, string | undefined>;
  /** Aborting it stops the build before anything is published (Ctrl-C). */
  signal?: AbortSignal;
}

export interface BuildSummary {
  version: string;
  dir: string;
  manifest: ReleaseManifest;
  changes: ReleaseChanges;
  /** Logical files (each .gz + .br) written anew, and linked unchanged from an earlier release. */
  written: number;
  reused: number;
  seconds: number;
}

/** SOURCE_DATE_EPOCH (reproducible-builds.org) fixes built_at so two builds are byte-identical. */
function buildTime(env: Record<string, string | undefined>): Date {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch === undefined || epoch === '') return new Date();
  if (!/^\d+$/.test(epoch))
    throw new GeobundleError(`SOURCE_DATE_EPOCH must be a whole number of seconds, got ${JSON.stringify(epoch)}`);
  return new Date(Number(epoch) * 1000);
}

/** Past 13 decimals the lookup index's whole units (degrees × 10^precision) no longer fit a double exactly. */
function checkPrecision(precision: number): number {
  if (!Number.isInteger(precision) || precision < 0 || precision > MAX_LOOKUP_PRECISION) {
    throw new GeobundleError(
      `invalid coordinate precision ${precision}: expected a whole number of decimals from 0 to ${MAX_LOOKUP_PRECISION} (default ${DEFAULT_PRECISION})`,
    );
  }
  return precision;
}

/**
 * Builds `<releasesDir>/<version>/` from the database: every class with data,
 * manifest.json, changes.json and SHA256SUMS, written into a private
 * directory and renamed into place only when complete; files an earlier
 * release already has are linked from it, not written again. Nothing is
 * touched before the version, the precision and the database have been
 * checked.
 */
export async function buildRelease(options: BuildOptions): Promise<BuildSummary> {
  const started = process.hrtime.bigint();
  const version = parseVersion(options.version);
  const precision = checkPrecision(options.precision ?? DEFAULT_PRECISION);
  const progress = options.progress ?? silentProgress;
  const builtAt = options.builtAt ?? buildTime(options.env ?? process.env);
  const releasesDir = path.resolve(options.releasesDir);
  const target = path.join(releasesDir, version);
  if (fs.existsSync(target)) throw alreadyExists(version, target);

  return withDatabase(options.dbPath, { readOnly: true, progress }, async (database) => {
    const { connection } = database;
    // Timestamps (wikipedia.fetched_at) are rendered in the session time zone: pin it, or the bytes depend on the machine's TZ.
    await connection.run("SET TimeZone = 'UTC'");
    // DuckDB otherwise keeps every block it reads cached (up to 80% of RAM); a build reads
    // each block once, but a scan pins the geometry blocks around the rows it selects
    // (docs/release-format.md, "Bounded memory").
    await connection.run(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
    // One DuckDB thread for the reads and the GeoParquet COPYs alike: a second one only took a core
    // from the compressors (2 cores: the whole set's passes took 83 s with two, 76 s with one).
    await connection.run('SET threads = 1');
    const classes = await classesWithData(connection);
    if (classes.length === 0) {
      throw new GeobundleError(`database ${options.dbPath} has no polygons: run "geobundle ingest …" first`);
    }
    // A full disk, a permission or a read-only mount is reported by the releases directory and its remedy.
    const releases: Place = { kind: 'releases', path: releasesDir, access: 'write', left: 'nothing was published' };
    let buildDir: string | undefined;
    let lookup: LookupBuild | undefined;
    // The files of each class, once compressed, and its maps: the queue compresses and mapshaper (a
    // child process) simplifies while the build goes on with the next class and the lookup index.
    const queue = new CompressionQueue();
    const pending: Array<Promise<ManifestFile[]>> = [];
    try {
      fs.mkdirSync(releasesDir, { recursive: true });
      for (const name of removeStaleBuildDirs(releasesDir))
        progress.info(`removed ${name}, left by a build that did not finish`);
      // What earlier releases hold, read before this build exists, so it can only reuse published files.
      const published = PublishedFiles.read(releasesDir);
      buildDir = createBuildDir(releasesDir, version);
      const settings = { generatorVersion: packageVersion(), coordinatePrecision: precision };
      const classManifests: Record<string, ClassManifest> = {};
      const scratch = path.join(buildDir, SCRATCH_DIR);
      const plans: ClassPlan[] = [];
      for (const dataClass of classes) plans.push(await planClass(connection, dataClass));
      lookup = new LookupBuild({ releasesDir, buildDir, plans, settings, published, progress, signal: options.signal });
      let written = 0;
      let reused = 0;
      for (const plan of plans) {
        const { dataClass } = plan;
        const result = await writeClass({
          connection,
          plan,
          buildDir,
          settings,
          published,
          lookup: lookup.index,
          queue,
          scratchDir: path.join(scratch, dataClass),
          progress,
          signal: options.signal,
        });
        const maps =
          result.maps.length === 0
            ? Promise.resolve([])
            : writeMaps(
                {
                  dataClass,
                  buildDir,
                  polygonsText: result.polygonsText,
                  scratchDir: path.join(scratch, `maps-${dataClass}`),
                  queue,
                  progress,
                  signal: options.signal,
                },
                result.maps,
              ).then((w) => w.flatMap((file) => manifestEntries(dataClass, file)));
        const files = Promise.all([result.entries, maps]).then(([entries, made]) => [...entries, ...made]);
        // Awaited below, after the other classes; until then a failure must not count as unhandled.
        files.catch(() => {});
        pending.push(files);
        written += result.written;
        reused += result.reused;
      }
      // Every class is read: what DuckDB holds (its buffers and what its scans left in the allocator,
      // a few hundred MB after the state-legislative chambers) goes back before the index is built.
      database.close();
      returnFreedHeap();
      // The index is built while the queue compresses and the last maps are made.
      const lookupManifest = await lookup.finish();
      returnFreedHeap();
      for (const [i, files] of (await Promise.all(pending)).entries()) {
        const all = files.find((e) => e.kind === 'all')!;
        classManifests[classes[i]!] = {
          feature_count: all.feature_count,
          bbox: all.bbox,
          files: files.sort((a, b) => byteOrder(a.path, b.path)),
        };
      }
      fs.rmSync(scratch, { recursive: true, force: true });
      const previous = published.previous(version);
      const changes = await diffReleases(
        previous && { version: previous.version, dir: previous.dir, classes: previous.manifest.classes },
        { version, dir: buildDir, classes: classManifests },
      );
      const changesText = serializeChanges(changes);
      writeFileSynced(path.join(buildDir, CHANGES_FILE), changesText, READ_ONLY);
      const files = Object.values(classManifests).flatMap((c) => c.files);
      const manifest: ReleaseManifest = {
        version,
        built_at: builtAt.toISOString(),
        generator: { name: 'geobundle', version: settings.generatorVersion },
        source_fingerprint: new Digest().add(...files.map((f) => `${f.path} ${f.input_fingerprint}`)).value(),
        coordinate_precision: precision,
        compression: { tiers: [...COMPRESSION_TIERS] },
        changes: {
          from: changes.from,
          path: CHANGES_FILE,
          bytes: Buffer.byteLength(changesText),
          sha256: sha256Hex(changesText),
        },
        simplification: SIMPLIFICATION,
        classes: classManifests,
        lookup: lookupManifest,
      };
      assertValidManifest(manifest, `the manifest built for ${version}`);
      const manifestText = serializeManifest(manifest);
      writeFileSynced(path.join(buildDir, MANIFEST_FILE), manifestText, READ_ONLY);
      writeFileSynced(
        path.join(buildDir, SHA256SUMS_FILE),
        formatSha256Sums([
          ...files.map((f) => ({ path: f.path, sha256: f.sha256 })),
          ...lookupRoots(lookupManifest).map((f) => ({ path: f.path, sha256: f.sha256 })),
          { path: CHANGES_FILE, sha256: manifest.changes.sha256 },
          { path: MANIFEST_FILE, sha256: sha256Hex(manifestText) },
        ]),
        READ_ONLY,
      );
      // The lookup files were written unsynced, thousands of them: one syncfs(2) covers them all.
      syncFileSystem(buildDir);
      fsyncTree(buildDir);
      options.signal?.throwIfAborted();
      linkIntoContentStore(releasesDir, buildDir, files);
      lookup.publish();
      publishBuildDir(buildDir, target, version);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      progress.info(`published ${target} in ${seconds.toFixed(1)} s: ${written} files written, ${reused} unchanged`);
      return { version, dir: target, manifest, changes, written, reused, seconds };
    } catch (err) {
      // Files may still be in the making: let running compressions and mapshaper finish or fail before they go.
      queue.cancel(err);
      await Promise.allSettled(pending);
      lookup?.abort();
      if (buildDir) removeBuildDir(buildDir);
      throw fileSystemError(err, releases) ?? duckdbError(err, releases) ?? err;
    }
  });
}
