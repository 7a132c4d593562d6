import crypto from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendNullable } from '../db.ts';
import { GeobundleError } from '../../core/errors.ts';
import { geometryProblem } from '../geometry.ts';
import type { Geometry } from 'geojson';
import type { DataClassName, FeatureId, StateFips } from '../../core/types.ts';

/** One boundary as stored in DuckDB's `polygons` table. */
export interface PolygonRecord {
  dataClass: DataClassName;
  id: FeatureId;
  name: string;
  stateFips: StateFips | null;
  geometry: Geometry;
  /** Where the shape came from: a file path relative to the ingested root, or a package name. */
  source: string;
  /** Which edition of the boundaries (e.g. `2024`, `cd119`, `2016`). */
  vintage: string | null;
}

export interface StoreSummary {
  dataClass: DataClassName;
  features: number;
}

/** Flush the appender after this much geometry text, so its buffer stays small on 100 MB+ inputs. */
const FLUSH_BYTES = 32 * 1024 * 1024;

export interface ReplaceOptions {
  /** What the records were read from (a file, a directory, a package), for the message when there are none. */
  input: string;
  onProgress?: (count: number) => void;
  /** Where a record is, for error messages; its source by default. */
  where?: (record: PolygonRecord) => string;
}

/**
 * Replaces every polygon of one class with `records`. Call it inside the
 * ingest's transaction (`inTransaction`): the class then ends up exactly as
 * the source says, or — on the first invalid geometry or duplicate id —
 * exactly as it was. Records are consumed one at a time so a directory of
 * hundreds of MB never sits in memory, and written with DuckDB's appender
 * (one prepared INSERT per row took half of the 676 MB state-legislative ingest).
 */
export async function replaceClassPolygons(
  connection: DuckDBConnection,
  dataClass: DataClassName,
  records: AsyncIterable<PolygonRecord> | Iterable<PolygonRecord>,
  { input, onProgress, where = (r) => r.source }: ReplaceOptions,
): Promise<StoreSummary> {
  await connection.run('DELETE FROM polygons WHERE data_class = $1', [dataClass]);
  // Column order of the polygons table in db.ts.
  const appender = await connection.createAppender('polygons');
  const seen = new Map<string, string>();
  let features = 0;
  let pending = 0;
  try {
    for await (const r of records) {
      const problem = geometryProblem(r.geometry);
      if (problem) {
        throw new GeobundleError(`${where(r)}: ${dataClass} feature "${r.id}": geometry: ${problem}`);
      }
      const earlier = seen.get(r.id);
      if (earlier !== undefined) {
        throw new GeobundleError(`${where(r)}: duplicate ${dataClass} id "${r.id}" (also in ${earlier})`);
      }
      seen.set(r.id, r.source);
      const geometry = JSON.stringify(r.geometry);
      const bytes = Buffer.from(geometry);
      appender.appendVarchar(dataClass);
      appender.appendVarchar(r.id);
      appender.appendVarchar(r.name);
      appendNullable(appender, r.stateFips);
      appender.appendVarchar(geometry);
      appender.appendVarchar(r.source);
      appendNullable(appender, r.vintage);
      appender.appendVarchar(crypto.createHash('sha256').update(bytes).digest('hex'));
      appender.appendBigInt(BigInt(bytes.length));
      appender.endRow();
      pending += bytes.length;
      if (pending >= FLUSH_BYTES) {
        appender.flushSync();
        pending = 0;
      }
      features += 1;
      onProgress?.(features);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  if (features === 0) throw new GeobundleError(`${input}: no ${dataClass} features in it`);
  return { dataClass, features };
}
