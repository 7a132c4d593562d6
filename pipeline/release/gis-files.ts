import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Feature } from 'geojson';
import { GeobundleError } from '../../core/errors.ts';
import type { ArealGeometry } from '../geometry.ts';
import type { Progress } from '../progress.ts';
import { geometryBbox } from './bbox.ts';
import { readBundleItems, type BundleFileResult } from './bundle-file.ts';
import type { ClassFile } from './class-files.ts';
import { FLATGEOBUF_WRITER, FlatGeobufWriter } from './flatgeobuf-writer.ts';
import { formatBytes } from './format-bytes.ts';
import { GEOPARQUET_WRITER, GeoParquetWriter } from './geoparquet-writer.ts';
import { columnsFingerprint, gisColumns, gisValues } from './gis-columns.ts';
import type { ClassPlan } from './source.ts';
import { asMultiPolygon } from './wkb.ts';

/**
 * The GIS files of a class: `all.fgb` (FlatGeobuf with its spatial index,
 * read by GDAL/QGIS over HTTP range requests) and `all.parquet`
 * (GeoParquet 1.1), each with the features of all.geojson and their facts
 * flattened into typed columns. Both are made from the class's all.geojson
 * in the build directory (written or linked already), so they hold exactly
 * what it holds, in one pass over its lines (one feature per line). They
 * are stored as they are, not as .gz/.br: a range request must address the
 * file's own bytes, and Parquet compresses its pages itself.
 */

export type GisFormat = 'flatgeobuf' | 'geoparquet';

export const GIS_FORMATS: readonly GisFormat[] = ['flatgeobuf', 'geoparquet'];

export const GIS_FILES: Record<GisFormat, { name: string; mediaType: string; writer: string }> = {
  // No registered type; the one the FlatGeobuf project and STAC settled on.
  flatgeobuf: { name: 'all.fgb', mediaType: 'application/vnd.flatgeobuf', writer: FLATGEOBUF_WRITER },
  // Registered with IANA in 2024.
  geoparquet: { name: 'all.parquet', mediaType: 'application/vnd.apache.parquet', writer: GEOPARQUET_WRITER },
};

/** What, besides the features' rows, decides a GIS file's bytes: its writer and its columns' types. */
export function gisFingerprint(plan: ClassPlan, format: GisFormat): string {
  return `${GIS_FILES[format].writer} ${columnsFingerprint(gisColumns(plan))}`;
}

export interface GisFilesOptions {
  connection: DuckDBConnection;
  plan: ClassPlan;
  buildDir: string;
  progress: Progress;
  signal?: AbortSignal;
}

/** Writes `files` (GIS files of the plan's class); resolves with each one's result, as a bundle file's. */
export async function writeGisFiles(
  { connection, plan, buildDir, progress, signal }: GisFilesOptions,
  files: readonly ClassFile[],
): Promise<Array<{ file: ClassFile; result: BundleFileResult }>> {
  const { dataClass } = plan;
  const started = Date.now();
  const scratch = path.join(buildDir, `.gis-${dataClass}`);
  fs.mkdirSync(scratch, { recursive: true });
  const columns = gisColumns(plan);
  const target = (format: GisFormat) => files.find((f) => f.gis === format);
  const out = (file: ClassFile) => path.join(buildDir, dataClass, file.name);
  const fgbFile = target('flatgeobuf');
  const parquetFile = target('geoparquet');
  const fgb = fgbFile && new FlatGeobufWriter(out(fgbFile), scratch, dataClass, columns);
  const parquet = parquetFile && (await GeoParquetWriter.open(connection, plan, columns, out(parquetFile), scratch));
  try {
    let count = 0;
    for await (const item of readBundleItems(path.join(buildDir, dataClass, 'all.geojson.gz'))) {
      const feature = JSON.parse(item) as Feature<ArealGeometry, Record<string, unknown>>;
      signal?.throwIfAborted();
      const id = String(feature.id);
      const geometry = asMultiPolygon(feature.geometry);
      const bbox = geometryBbox(feature.geometry);
      fgb?.add(id, geometry, gisValues(columns, feature.properties), bbox);
      await parquet?.add(id, geometry, bbox);
      count += 1;
    }
    if (count !== plan.features.length)
      throw new GeobundleError(`${dataClass}/all.geojson.gz holds ${count} features, the plan ${plan.features.length}`);
    const written: Array<{ file: ClassFile; result: BundleFileResult }> = [];
    const done = (
      file: ClassFile,
      r: { bytes: number; sha256: string; featureCount: number; bbox: BundleFileResult['bbox'] },
    ) => {
      written.push({
        file,
        result: {
          uncompressed_bytes: r.bytes,
          uncompressed_sha256: r.sha256,
          files: [{ file: out(file), encoding: 'identity', compression_level: 0, bytes: r.bytes, sha256: r.sha256 }],
          feature_count: r.featureCount,
          bbox: r.bbox,
        },
      });
      progress.info(`  ${dataClass}/${file.name}: ${r.featureCount} features, ${formatBytes(r.bytes)}`);
    };
    if (fgb) done(fgbFile!, fgb.end());
    if (parquet) done(parquetFile!, await parquet.end());
    progress.info(`  ${dataClass}: GIS files in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return written;
  } catch (err) {
    fgb?.abort();
    await parquet?.abort();
    throw err;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
