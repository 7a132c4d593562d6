/**
 * Writes the GIS files of a class from the features of the build's one pass
 * over them (write-class.ts), so they hold exactly what all.geojson holds.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { formatBytes } from '../../../format-bytes.ts';
import type { Progress } from '../../../progress.ts';
import type { ClassFile } from '../../plan/class-files.ts';
import type { ClassPlan } from '../../plan/class-plan.ts';
import { gisColumns, type GisColumn } from '../../plan/gis-columns.ts';
import type { WrittenFile } from '../bundles/bundle-file.ts';
import type { SerializedFeature } from '../bundles/feature.ts';
import type { GisFormat } from '../gis.ts';
import { FlatGeobufWriter } from './flatgeobuf-writer.ts';
import { GeoParquetWriter } from './geoparquet-writer.ts';
import { gisValues } from './values.ts';
import { asMultiPolygon } from './wkb.ts';

export interface GisWriterOptions {
  connection: DuckDBConnection;
  plan: ClassPlan;
  buildDir: string;
  progress: Progress;
}

/** What the GIS writers report of a finished file. */
interface GisResult {
  bytes: number;
  sha256: string;
  featureCount: number;
  bbox: WrittenFile['result']['bbox'];
}

export class GisWriter {
  private constructor(
    private readonly options: GisWriterOptions,
    private readonly scratch: string,
    private readonly columns: readonly GisColumn[],
    private readonly fgb: { file: ClassFile; writer: FlatGeobufWriter } | undefined,
    private readonly parquet: { file: ClassFile; writer: GeoParquetWriter } | undefined,
  ) {}

  /** Starts `files` (GIS files of the plan's class), in `<buildDir>/<class>/`. */
  static async open(options: GisWriterOptions, files: readonly ClassFile[]): Promise<GisWriter> {
    const { connection, plan, buildDir } = options;
    const scratch = path.join(buildDir, `.gis-${plan.dataClass}`);
    fs.mkdirSync(scratch, { recursive: true });
    const columns = gisColumns(plan);
    const target = (format: GisFormat) => files.find((f) => f.gis === format);
    const out = (file: ClassFile) => path.join(buildDir, plan.dataClass, file.name);
    const fgbFile = target('flatgeobuf');
    const parquetFile = target('geoparquet');
    const fgb = fgbFile && {
      file: fgbFile,
      writer: new FlatGeobufWriter(out(fgbFile), scratch, plan.dataClass, columns),
    };
    try {
      const parquet = parquetFile && {
        file: parquetFile,
        writer: await GeoParquetWriter.open(connection, plan, columns, out(parquetFile), scratch),
      };
      return new GisWriter(options, scratch, columns, fgb, parquet);
    } catch (err) {
      fgb?.writer.abort();
      fs.rmSync(scratch, { recursive: true, force: true });
      throw err;
    }
  }

  async add(feature: SerializedFeature): Promise<void> {
    const geometry = asMultiPolygon(feature.geometry);
    this.fgb?.writer.add(feature.id, geometry, gisValues(this.columns, feature.properties), feature.bbox);
    await this.parquet?.writer.add(feature.id, geometry, feature.bbox);
  }

  async end(): Promise<WrittenFile[]> {
    const { plan, buildDir, progress } = this.options;
    const written: WrittenFile[] = [];
    const done = (file: ClassFile, r: GisResult) => {
      const bytes = { bytes: r.bytes, sha256: r.sha256 };
      written.push({
        file,
        result: {
          uncompressed_bytes: r.bytes,
          uncompressed_sha256: r.sha256,
          files: [
            {
              file: path.join(buildDir, plan.dataClass, file.name),
              encoding: 'identity',
              compression_level: 0,
              ...bytes,
            },
          ],
          feature_count: r.featureCount,
          bbox: r.bbox,
        },
      });
      progress.info(`  ${plan.dataClass}/${file.name}: ${r.featureCount} features, ${formatBytes(r.bytes)}`);
    };
    try {
      if (this.fgb) done(this.fgb.file, this.fgb.writer.end());
      if (this.parquet) done(this.parquet.file, await this.parquet.writer.end());
      return written;
    } finally {
      fs.rmSync(this.scratch, { recursive: true, force: true });
    }
  }

  async abort(): Promise<void> {
    this.fgb?.writer.abort();
    await this.parquet?.writer.abort();
    fs.rmSync(this.scratch, { recursive: true, force: true });
  }
}
