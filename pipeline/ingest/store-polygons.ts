/**
 * Writes a class's boundaries into its two tables (pipeline/class-tables.ts):
 * `polygons_<class>`, one row each, and `geometry_<class>`, each geometry in
 * parts. The tables are created afresh inside the ingest's transaction, so
 * until COMMIT every reader sees the class as it was, and a failed or killed
 * ingest leaves it so: there is no staging table to leave behind, only what
 * DuckDB spilled, which the next write removes (pipeline/db.ts). Nothing
 * else is touched, so what else the database holds costs nothing.
 */
import crypto from 'node:crypto';
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { Geometry } from 'geojson';
import { appendGeometryParts, createClassTables, geometryTable, polygonsTable } from '../class-tables.ts';
import { appendNullable } from '../sql.ts';
import { GeobundleError } from '../../core/errors.ts';
import { geometryProblem } from '../geometry.ts';
import type { DataClassName, FeatureId, StateFips } from '../../core/types.ts';

/** One boundary as ingest reads it, before it is stored. */
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

/** Flush the geometry appender after this much text, so its buffer stays small on 100 MB+ inputs. */
const FLUSH_CHARS = 32 * 1024 * 1024;

export interface ReplaceOptions {
  /** What the records were read from (a file, a directory, a package), for the message when there are none. */
  input: string;
  onProgress?: (count: number) => void;
  /** Where a record is, for error messages; its source by default. */
  where?: (record: PolygonRecord) => string;
}

/** Appends one boundary: its row, and its geometry's parts; returns the characters appended. */
function appendPolygon(rows: DuckDBAppender, parts: DuckDBAppender, r: PolygonRecord): number {
  const geometry = JSON.stringify(r.geometry);
  const bytes = Buffer.from(geometry);
  rows.appendVarchar(r.id);
  rows.appendVarchar(r.name);
  appendNullable(rows, r.stateFips);
  rows.appendVarchar(r.source);
  appendNullable(rows, r.vintage);
  rows.appendVarchar(crypto.createHash('sha256').update(bytes).digest('hex'));
  rows.appendBigInt(BigInt(bytes.length));
  rows.endRow();
  appendGeometryParts(parts, r.id, geometry);
  return geometry.length;
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
  await createClassTables(connection, dataClass);
  // Column order of the tables in class-tables.ts.
  const rows = await connection.createAppender(polygonsTable(dataClass));
  const parts = await connection.createAppender(geometryTable(dataClass));
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
      pending += appendPolygon(rows, parts, r);
      if (pending >= FLUSH_CHARS) {
        parts.flushSync();
        pending = 0;
      }
      features += 1;
      onProgress?.(features);
    }
    rows.flushSync();
    parts.flushSync();
  } finally {
    rows.closeSync();
    parts.closeSync();
  }
  if (features === 0) throw new GeobundleError(`${input}: no ${dataClass} features in it`);
  return { dataClass, features };
}
