/**
 * One class's files in a build, in `<buildDir>/<class>/`: every file whose
 * input fingerprint an earlier release already has is linked from it (no
 * serialising, no compressing); the bundles and the GIS files are written
 * in one pass over the features. The maps are left to the caller, which
 * runs mapshaper on the polygons file beside the next classes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ManifestFile } from '../../core/release-format.ts';
import { formatBytes } from '../format-bytes.ts';
import type { Progress } from '../progress.ts';
import { GeobundleError } from '../../core/errors.ts';
import type { WrittenFile } from './formats/bundles/bundle-file.ts';
import { serializeFeature } from './formats/bundles/feature.ts';
import type { CompressionQueue } from './formats/bundles/compression-queue.ts';
import { BundlesWriter } from './formats/bundles/write-bundles.ts';
import { EXTENSION } from './formats/compression.ts';
import { GisWriter } from './formats/gis/write-gis.ts';
import type { LookupIndexWriter } from './formats/lookup/write-index.ts';
import { classFiles, type ClassFile } from './plan/class-files.ts';
import type { ClassPlan, PlannedFeature } from './plan/class-plan.ts';
import { readGeometries } from './plan/read-geometries.ts';
import type { BuildSettings } from './plan/fingerprint.ts';
import { canonicalPaths } from './store/content-store.ts';
import type { PublishedFiles } from './store/published-files.ts';

export interface WriteClassOptions {
  connection: DuckDBConnection;
  plan: ClassPlan;
  buildDir: string;
  settings: BuildSettings;
  /** What earlier releases hold, for reuse. */
  published: PublishedFiles;
  /** The lookup index to hand every district to, when it is being written. */
  lookup: LookupIndexWriter | null;
  /** Compresses what the pass writes, while the build goes on. */
  queue: CompressionQueue;
  /** Where the class's uncompressed texts wait for the queue (and mapshaper). */
  scratchDir: string;
  progress: Progress;
  signal?: AbortSignal;
}

export interface WrittenClass {
  /** The manifest entries of every file but the maps still to be made, once the queue has compressed them. */
  entries: Promise<ManifestFile[]>;
  /** The maps to make (none reusable). */
  maps: ClassFile[];
  /** The polygons' uncompressed text, when the pass wrote it: the maps' input. */
  polygonsText: string | null;
  /** Logical files written anew (the maps included), and linked from an earlier release. */
  written: number;
  reused: number;
}

/** The manifest entries of a written file: one per stored encoding. */
export function manifestEntries(dataClass: string, { file, result, vertices }: WrittenFile): ManifestFile[] {
  const canonical = canonicalPaths(
    file.name,
    result.files.map((f) => ({ encoding: f.encoding, sha256: f.sha256, extension: EXTENSION[f.encoding] })),
  );
  return result.files.map((f) => ({
    path: `${dataClass}/${file.name}${EXTENSION[f.encoding]}`,
    kind: file.kind,
    ...(file.stateFips === undefined ? {} : { state_fips: file.stateFips }),
    media_type: file.mediaType,
    encoding: f.encoding,
    compression_level: f.compression_level,
    bytes: f.bytes,
    sha256: f.sha256,
    uncompressed_bytes: result.uncompressed_bytes,
    uncompressed_sha256: result.uncompressed_sha256,
    feature_count: result.feature_count,
    bbox: result.bbox,
    input_fingerprint: file.inputFingerprint,
    canonical_path: canonical.get(f.encoding)!,
    ...(file.simplified && vertices
      ? {
          scale_denominator: file.simplified.scale.scale_denominator,
          format: file.simplified.format,
          vertex_count: vertices.kept,
          source_vertex_count: vertices.source,
        }
      : {}),
  }));
}

export async function writeClass(options: WriteClassOptions): Promise<WrittenClass> {
  const { plan, buildDir, settings, published, progress } = options;
  const { dataClass } = plan;
  fs.mkdirSync(path.join(buildDir, dataClass, 'by_state'), { recursive: true });
  const entries: ManifestFile[] = [];
  const toWrite: ClassFile[] = [];
  const reusedFrom = new Set<string>();
  let reused = 0;
  for (const file of classFiles(plan, settings)) {
    const found = published.find(file.inputFingerprint);
    if (!found) {
      toWrite.push(file);
      continue;
    }
    for (const entry of found.entries) published.linkInto(found.version, entry.path, path.join(buildDir, entry.path));
    entries.push(...found.entries);
    reusedFrom.add(found.version);
    reused += 1;
  }
  progress.info(
    `${dataClass}: ${plan.features.length} features, ${formatBytes(plan.geometryBytes)} of source geometry; ` +
      `${toWrite.length} files to write` +
      (reused > 0 ? `, ${reused} unchanged (linked from ${[...reusedFrom].join(', ')})` : ''),
  );
  options.lookup?.startClass(dataClass);
  const pass = await writeFeatureFiles(options, toWrite);
  const polygons = [...pass.texts].find(([file]) => file.kind === 'polygons');
  const all = pass.written.then((written) => [...entries, ...written.flatMap((w) => manifestEntries(dataClass, w))]);
  all.catch(() => {});
  return {
    entries: all,
    maps: toWrite.filter((f) => f.madeFrom === 'maps'),
    polygonsText: polygons?.[1] ?? null,
    written: toWrite.length,
    reused,
  };
}

/**
 * Writes the files made from the class's features (bundles and GIS files)
 * in one pass over them, reading the geometry of only the features a file
 * to write holds, or of every feature when the lookup index is being
 * written; the facts files need no pass.
 */
async function writeFeatureFiles(
  { connection, plan, buildDir, settings, progress, signal, lookup, queue, scratchDir }: WriteClassOptions,
  files: readonly ClassFile[],
): Promise<{ texts: Map<ClassFile, string>; written: Promise<WrittenFile[]> }> {
  const { dataClass } = plan;
  fs.mkdirSync(scratchDir, { recursive: true });
  const bundles = new BundlesWriter(
    { plan, buildDir, scratchDir, queue, progress },
    files.filter((f) => f.madeFrom === 'features' || f.madeFrom === 'facts'),
  );
  const gisFiles = files.filter((f) => f.madeFrom === 'gis');
  let gis: GisWriter | undefined;
  try {
    await bundles.writeFacts();
    gis = gisFiles.length > 0 ? await GisWriter.open({ connection, plan, buildDir, progress }, gisFiles) : undefined;
    const wanted = (f: PlannedFeature) => gis !== undefined || lookup !== null || bundles.wants(f);
    const total = plan.features.filter(wanted).length;
    let done = 0;
    let lastReport = Date.now();
    for await (const row of total > 0 ? readGeometries(connection, plan, wanted) : []) {
      signal?.throwIfAborted();
      const feature = serializeFeature(dataClass, row, settings.coordinatePrecision);
      lookup?.add(feature);
      await Promise.all([bundles.add(feature), gis?.add(feature)]);
      done += 1;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        progress.info(`  ${dataClass}: ${done}/${total} features`);
      }
    }
    if (done !== total || bundles.unfinishedStates > 0) {
      throw new GeobundleError(
        `${dataClass}: read ${done} features but planned ${total}; did the database change during the build?`,
      );
    }
    const { texts, written } = await bundles.end();
    const gisWritten = (await gis?.end()) ?? [];
    const all = written.then((w) => [...w, ...gisWritten]);
    all.catch(() => {});
    return { texts, written: all };
  } catch (err) {
    bundles.abort();
    await gis?.abort();
    throw err;
  }
}
