import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { byteOrder } from '../../core/byte-order.ts';
import { GeobundleError } from '../../core/errors.ts';
import type { Bbox, ClassManifest, ManifestFile } from '../../core/manifest.ts';
import type { Progress } from '../progress.ts';
import type { ArealGeometry } from '../geometry.ts';
import { emptyBbox, extendBbox, geometryBbox } from './bbox.ts';
import { BundleFileWriter, type BundleFileResult, type BundleShape } from './bundle-file.ts';
import { classFiles, type ClassFile } from './class-files.ts';
import { CompressedPairWriter, EXTENSION } from './compress.ts';
import { canonicalPaths } from './content-store.ts';
import { keyedMember, serializeFeature } from './feature.ts';
import type { BuildSettings } from './fingerprint.ts';
import { formatBytes } from './format-bytes.ts';
import { GIS_FILES, writeGisFiles } from './gis-files.ts';
import type { PublishedFiles } from './published-files.ts';
import { simplifyClass } from './simplify.ts';
import { readGeometries, type ClassPlan, type PlannedFeature } from './source.ts';

/**
 * Writes the bundles of one class into `<buildDir>/<class>/`. Every file
 * whose input fingerprint an earlier release already has is linked from it
 * (no serialising, no compressing); the others are written in one pass over
 * the rows they need: census and wikipedia straight from the plan, the
 * GeoJSON files from the geometry read for their features only. all and
 * polygons stay open for the whole pass; a state's file is opened at its
 * first feature and closed as soon as its last one (known from the plan) is
 * written, so only a few state files are open at once (ids group by state
 * in every class scheme).
 */

const MEDIA_TYPE: Record<BundleShape, string> = {
  'feature-collection': 'application/geo+json',
  'keyed-object': 'application/json',
};

/** What a simplified file adds to its manifest entries. */
interface SimplifiedCounts {
  vertexCount: number;
  sourceVertexCount: number;
}

function manifestEntries(
  dataClass: string,
  file: ClassFile,
  result: BundleFileResult,
  counts?: SimplifiedCounts,
): ManifestFile[] {
  const canonical = canonicalPaths(
    file.name,
    result.files.map((f) => ({ encoding: f.encoding, sha256: f.sha256, extension: EXTENSION[f.encoding] })),
  );
  return result.files.map((f) => ({
    path: `${dataClass}/${file.name}${EXTENSION[f.encoding]}`,
    kind: file.kind,
    ...(file.stateFips === undefined ? {} : { state_fips: file.stateFips }),
    media_type: MEDIA_TYPE[file.shape],
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
    ...(file.simplified && counts
      ? {
          scale_denominator: file.simplified.scale.scale_denominator,
          format: file.simplified.format,
          vertex_count: counts.vertexCount,
          source_vertex_count: counts.sourceVertexCount,
        }
      : {}),
  }));
}

const MEDIA_TYPE_OF_FORMAT = { geojson: 'application/geo+json', topojson: 'application/json' } as const;

export interface WriteClassOptions {
  connection: DuckDBConnection;
  plan: ClassPlan;
  buildDir: string;
  settings: BuildSettings;
  /** What earlier releases hold, for reuse. */
  published: PublishedFiles;
  progress: Progress;
  signal?: AbortSignal;
}

export interface WrittenClass {
  /**
   * The class's manifest, once its last files are written: the simplified
   * maps, which mapshaper makes in a child process from the polygons file
   * while the build goes on with the next class (so they take the core the
   * build leaves idle, not build time of their own).
   */
  manifest: Promise<ClassManifest>;
  /** Logical files written anew, and linked from an earlier release. */
  written: number;
  reused: number;
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
    for (const entry of found.entries) published.linkInto(found, entry, path.join(buildDir, entry.path));
    entries.push(...found.entries);
    reusedFrom.add(found.version);
    reused += 1;
  }
  progress.info(
    `${dataClass}: ${plan.features.length} features, ${formatBytes(plan.geometryBytes)} of source geometry; ` +
      `${toWrite.length} files to write` +
      (reused > 0 ? `, ${reused} unchanged (linked from ${[...reusedFrom].join(', ')})` : ''),
  );
  const simplified = toWrite.filter((f) => f.source === 'simplify');
  const gis = toWrite.filter((f) => f.source === 'gis');
  const direct = toWrite.filter((f) => f.source === 'rows' || f.source === 'plan');
  if (direct.length > 0) entries.push(...(await writeFiles(options, direct)));
  const maps = simplified.length > 0 ? writeSimplified(options, simplified) : Promise.resolve([]);
  // Awaited by the caller after the other classes; until then a failure must not count as unhandled.
  maps.catch(() => {});
  // DuckDB writes the GIS files on the build's connection, which the next class needs: they are
  // done before it starts, while mapshaper works in its child process.
  if (gis.length > 0) {
    try {
      entries.push(...(await writeGis(options, gis)));
    } catch (err) {
      await Promise.allSettled([maps]);
      throw err;
    }
  }
  const allEntry = entries.find((e) => e.kind === 'all')!;
  const manifest = maps.then(
    (made): ClassManifest => ({
      feature_count: allEntry.feature_count,
      bbox: allEntry.bbox,
      files: [...entries, ...made].sort((a, b) => byteOrder(a.path, b.path)),
    }),
  );
  manifest.catch(() => {});
  return { manifest, written: toWrite.length, reused };
}

/** An output file being written. */
interface Open {
  file: ClassFile;
  writer: BundleFileWriter;
}

/** Writes `files` (none of them reusable) in one pass; resolves with their manifest entries. */
async function writeFiles(
  { connection, plan, buildDir, settings, progress, signal }: WriteClassOptions,
  files: ClassFile[],
): Promise<ManifestFile[]> {
  const { dataClass } = plan;
  const entries: ManifestFile[] = [];
  const open = new Set<Open>();
  const openFile = (file: ClassFile): Open => {
    const o = {
      file,
      writer: new BundleFileWriter(
        path.join(buildDir, dataClass, file.name),
        file.shape,
        file.kind,
        file.estimatedBytes,
      ),
    };
    open.add(o);
    return o;
  };
  const closeFile = async (o: Open): Promise<void> => {
    open.delete(o);
    const result = await o.writer.end();
    entries.push(...manifestEntries(dataClass, o.file, result));
    const size = (encoding: string) => formatBytes(result.files.find((f) => f.encoding === encoding)!.bytes);
    progress.info(
      `  ${dataClass}/${o.file.name}: ${result.feature_count} entries, ${formatBytes(result.uncompressed_bytes)} → gz ${size('gzip')}, br ${size('br')}`,
    );
  };

  try {
    // census.json and wikipedia.json need no geometry: their members come from the plan.
    for (const file of files.filter((f) => f.source === 'plan')) {
      const o = openFile(file);
      const what = file.kind as 'census' | 'wikipedia';
      for (const feature of plan.features) {
        const member = keyedMember(dataClass, feature.id, what, feature[what]);
        if (member !== null) await o.writer.add(member);
      }
      await closeFile(o);
    }

    const whole = files.filter((f) => f.source === 'rows' && f.kind !== 'by_state').map(openFile);
    const stateFiles = new Map(files.filter((f) => f.kind === 'by_state').map((f) => [f.stateFips!, f]));
    if (whole.length === 0 && stateFiles.size === 0) return entries;
    const states = new Map<string, Open>();
    const wanted = (f: PlannedFeature) => whole.length > 0 || (f.stateFips !== null && stateFiles.has(f.stateFips));
    const total = whole.length > 0 ? plan.features.length : plan.features.filter(wanted).length;
    let done = 0;
    let lastReport = Date.now();
    for await (const row of readGeometries(connection, plan, wanted)) {
      signal?.throwIfAborted();
      const feature = serializeFeature(dataClass, row, settings.coordinatePrecision);
      const writes = whole.map((o) =>
        o.writer.add(o.file.kind === 'polygons' ? feature.polygon : feature.full, feature.bbox),
      );
      const stateFile = feature.stateFips === null ? undefined : stateFiles.get(feature.stateFips);
      let state: Open | undefined;
      if (stateFile) {
        state = states.get(stateFile.stateFips!) ?? openFile(stateFile);
        states.set(stateFile.stateFips!, state);
        writes.push(state.writer.add(feature.full, feature.bbox));
      }
      await Promise.all(writes);
      if (state && state.writer.featureCount === plan.stateFeatureCounts.get(feature.stateFips!))
        await closeFile(state);
      done += 1;
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        progress.info(`  ${dataClass}: ${done}/${total} features`);
      }
    }
    await Promise.all(whole.map(closeFile));
    if (done !== total || open.size > 0) {
      throw new GeobundleError(
        `${dataClass}: read ${done} features but planned ${total}; did the database change during the build?`,
      );
    }
    return entries;
  } catch (err) {
    for (const o of open) o.writer.abort();
    throw err;
  }
}

/** Writes the GIS files of a class from its all.geojson (in the build directory already, written or linked). */
async function writeGis(options: WriteClassOptions, files: ClassFile[]): Promise<ManifestFile[]> {
  const written = await writeGisFiles(options, files);
  return written.flatMap(({ file, result }) =>
    manifestEntries(options.plan.dataClass, file, result).map((e) => ({
      ...e,
      media_type: GIS_FILES[file.gis!].mediaType,
    })),
  );
}

/**
 * Writes the simplified maps of a class, made by mapshaper from its
 * polygons file (in the build directory already, written or linked), in a
 * scratch directory of the build that is gone before the build is published.
 */
async function writeSimplified(
  { plan, buildDir, progress, signal }: WriteClassOptions,
  files: ClassFile[],
): Promise<ManifestFile[]> {
  const { dataClass } = plan;
  const scratch = path.join(buildDir, `.simplify-${dataClass}`);
  const started = Date.now();
  try {
    const { outputs, sourceVertexCount } = await simplifyClass(
      path.join(buildDir, dataClass, 'polygons.geojson.gz'),
      scratch,
      { objectName: dataClass, signal },
    );
    fs.mkdirSync(path.join(buildDir, dataClass, 'simplified'), { recursive: true });
    const texts = new Map(outputs.map((o) => [o.file, fs.readFileSync(o.file, 'utf8')]));
    // Feature count and box per scale, from its GeoJSON (the TopoJSON holds the same features).
    const extents = new Map<string, { featureCount: number; bbox: Bbox | null }>();
    for (const output of outputs.filter((o) => o.format === 'geojson')) {
      const collection = JSON.parse(texts.get(output.file)!) as {
        features: Array<{ geometry: ArealGeometry | null }>;
      };
      const box = emptyBbox();
      for (const f of collection.features) if (f.geometry) extendBbox(box, geometryBbox(f.geometry));
      extents.set(output.scale.name, {
        featureCount: collection.features.length,
        bbox: box.empty ? null : box.value(),
      });
    }
    // All at once: one file's brotli at quality 10 would otherwise leave the other core idle
    // (the embedded default's county maps were the end of its build).
    const written = await Promise.all(
      files.map(async (file) => {
        const { scale, format } = file.simplified!;
        const output = outputs.find((o) => o.scale.name === scale.name && o.format === format)!;
        const text = texts.get(output.file)!;
        const writer = new CompressedPairWriter(
          path.join(buildDir, dataClass, file.name),
          file.kind,
          Buffer.byteLength(text),
        );
        await writer.write(text);
        const extent = extents.get(scale.name)!;
        const result = { ...(await writer.end()), feature_count: extent.featureCount, bbox: extent.bbox };
        return { file, output, result };
      }),
    );
    const entries: ManifestFile[] = [];
    for (const { file, output, result } of written) {
      entries.push(
        ...manifestEntries(dataClass, file, result, { vertexCount: output.vertexCount, sourceVertexCount }).map(
          (e) => ({
            ...e,
            media_type: MEDIA_TYPE_OF_FORMAT[file.simplified!.format],
          }),
        ),
      );
      progress.info(
        `  ${dataClass}/${file.name}: ${result.feature_count} features, ${output.vertexCount} of ${sourceVertexCount} vertices, ` +
          `${formatBytes(result.uncompressed_bytes)} → br ${formatBytes(result.files.find((f) => f.encoding === 'br')!.bytes)}`,
      );
    }
    progress.info(`  ${dataClass}: simplified in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return entries;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
