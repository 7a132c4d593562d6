import crypto from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { censusTable, quoteIdent, quoteString } from '../db.ts';
import type { DataClassName, FeatureId, StateFips } from '../../core/types.ts';

/**
 * Reads a class out of DuckDB for a build, read-only and in id order.
 *
 * Rows are fetched in batches of bounded total geometry size (~4 MB), each batch an
 * id range of the class, so neither DuckDB nor Node ever holds a whole class
 * (the state-legislative lower chamber alone is 400 MB of GeoJSON): a single
 * `ORDER BY id` over the class would make DuckDB sort every geometry first.
 */

export interface SourceRow {
  id: FeatureId;
  name: string;
  stateFips: StateFips | null;
  /** GeoJSON geometry text as stored (validated at ingest, source precision). */
  geometry: string;
  /** The census row (minus id) as JSON text, or null when the class has no census row for the id. */
  census: string | null;
  /** The wikipedia row as JSON text, or null. */
  wikipedia: string | null;
}

interface Column {
  name: string;
  type: string;
}

interface PlannedFeature {
  id: FeatureId;
  stateFips: StateFips | null;
  geometryBytes: number;
}

export interface ClassPlan {
  dataClass: DataClassName;
  features: PlannedFeature[];
  /** Columns of census_<class> / wikipedia that go into the bundles (keys excluded); null when the table is absent. */
  censusColumns: Column[] | null;
  wikipediaColumns: Column[] | null;
  /** Source geometry bytes in total and per state: an upper bound of the output, used to pick compression settings. */
  geometryBytes: number;
  stateGeometryBytes: Map<StateFips, number>;
  stateFeatureCounts: Map<StateFips, number>;
  /** JSON size of the class's census and wikipedia rows, for the same purpose. */
  censusBytes: number;
  wikipediaBytes: number;
}

async function tableExists(connection: DuckDBConnection, name: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $1",
    [name],
  );
  return (reader.getRowObjectsJS()[0]?.n as number) > 0;
}

/** The table's columns in declaration order, minus its key columns; null when there is no such table. */
async function valueColumns(connection: DuckDBConnection, table: string, keys: string[]): Promise<Column[] | null> {
  if (!(await tableExists(connection, table))) return null;
  const reader = await connection.runAndReadAll(
    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index",
    [table],
  );
  return reader
    .getRowObjectsJS()
    .map((r) => ({ name: r.column_name as string, type: r.data_type as string }))
    .filter((c) => !keys.includes(c.name));
}

/**
 * SQL for one JSON object of a joined row, columns in table order. Numbers
 * stay numbers; timestamps become ISO 8601 UTC (DuckDB's own text form,
 * "2026-11-01 12:00:00+00", is not one JavaScript's Date parses).
 */
function jsonObjectSql(alias: string, columns: Column[]): string {
  const members = columns.map((c) => {
    const ref = `${alias}.${quoteIdent(c.name)}`;
    const value = /^TIMESTAMP/.test(c.type) ? `strftime(${ref}, '%Y-%m-%dT%H:%M:%S.%gZ')` : ref;
    return `${quoteString(c.name)}, ${value}`;
  });
  return `CASE WHEN ${alias}.id IS NULL THEN NULL ELSE json_object(${members.join(', ')}) END`;
}

async function jsonBytes(connection: DuckDBConnection, from: string, where: string, params: string[]): Promise<number> {
  const reader = await connection.runAndReadAll(
    `SELECT coalesce(sum(strlen(to_json(t))), 0)::BIGINT AS n FROM ${from} WHERE ${where}`,
    params,
  );
  return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
}

/** The classes that have polygons, in name order: only these get bundles. */
export async function classesWithData(connection: DuckDBConnection): Promise<DataClassName[]> {
  if (!(await tableExists(connection, 'polygons'))) return [];
  const reader = await connection.runAndReadAll('SELECT DISTINCT data_class FROM polygons ORDER BY data_class');
  return reader.getRowObjectsJS().map((r) => r.data_class as string);
}

export async function planClass(connection: DuckDBConnection, dataClass: DataClassName): Promise<ClassPlan> {
  const reader = await connection.runAndReadAll(
    'SELECT id, state_fips, strlen(geometry)::BIGINT AS bytes FROM polygons WHERE data_class = $1 ORDER BY id',
    [dataClass],
  );
  const features = reader.getRowObjectsJS().map((r) => ({
    id: r.id as string,
    stateFips: (r.state_fips as string | null) ?? null,
    geometryBytes: Number(r.bytes),
  }));
  const stateGeometryBytes = new Map<StateFips, number>();
  const stateFeatureCounts = new Map<StateFips, number>();
  let geometryBytes = 0;
  for (const f of features) {
    geometryBytes += f.geometryBytes;
    if (f.stateFips === null) continue;
    stateGeometryBytes.set(f.stateFips, (stateGeometryBytes.get(f.stateFips) ?? 0) + f.geometryBytes);
    stateFeatureCounts.set(f.stateFips, (stateFeatureCounts.get(f.stateFips) ?? 0) + 1);
  }
  const censusColumns = await valueColumns(connection, censusTable(dataClass), ['id']);
  const wikipediaColumns = await valueColumns(connection, 'wikipedia', ['data_class', 'id']);
  return {
    dataClass,
    features,
    censusColumns,
    wikipediaColumns,
    geometryBytes,
    stateGeometryBytes,
    stateFeatureCounts,
    censusBytes: censusColumns ? await jsonBytes(connection, `${quoteIdent(censusTable(dataClass))} t`, 'TRUE', []) : 0,
    wikipediaBytes: wikipediaColumns ? await jsonBytes(connection, 'wikipedia t', 't.data_class = $1', [dataClass]) : 0,
  };
}

/** Consecutive id ranges whose geometries add up to about `batchBytes` (at least one feature each). */
function idRanges(features: PlannedFeature[], batchBytes: number): Array<[FeatureId, FeatureId]> {
  const ranges: Array<[FeatureId, FeatureId]> = [];
  let start = 0;
  let bytes = 0;
  for (let i = 0; i < features.length; i++) {
    bytes += features[i]!.geometryBytes;
    if (bytes >= batchBytes || i === features.length - 1) {
      ranges.push([features[start]!.id, features[i]!.id]);
      start = i + 1;
      bytes = 0;
    }
  }
  return ranges;
}

const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

/** Every row of the class joined with its census and wikipedia rows, in id order. */
export async function* readClassRows(
  connection: DuckDBConnection,
  plan: ClassPlan,
  batchBytes = DEFAULT_BATCH_BYTES,
): AsyncGenerator<SourceRow> {
  const { censusColumns, wikipediaColumns } = plan;
  const sql = `
    SELECT p.id, p.name, p.state_fips, p.geometry,
      ${censusColumns ? jsonObjectSql('c', censusColumns) : 'NULL'} AS census,
      ${wikipediaColumns ? jsonObjectSql('w', wikipediaColumns) : 'NULL'} AS wikipedia
    FROM polygons p
    ${censusColumns ? `LEFT JOIN ${quoteIdent(censusTable(plan.dataClass))} c ON c.id = p.id` : ''}
    ${wikipediaColumns ? 'LEFT JOIN wikipedia w ON w.data_class = p.data_class AND w.id = p.id' : ''}
    WHERE p.data_class = $1 AND p.id >= $2 AND p.id <= $3
    ORDER BY p.id`;
  const statement = await connection.prepare(sql);
  for (const [first, last] of idRanges(plan.features, batchBytes)) {
    statement.bind([plan.dataClass, first, last]);
    const reader = await statement.runAndReadAll();
    for (const r of reader.getRowObjectsJS()) {
      yield {
        id: r.id as string,
        name: r.name as string,
        stateFips: (r.state_fips as string | null) ?? null,
        geometry: r.geometry as string,
        census: (r.census as string | null) ?? null,
        wikipedia: (r.wikipedia as string | null) ?? null,
      };
    }
  }
}

/**
 * A deterministic digest of everything a build reads, fed row by row: two
 * builds with the same fingerprint came from the same data. Each value is
 * length-prefixed so no two different inputs hash alike.
 */
export class SourceFingerprint {
  private readonly hash = crypto.createHash('sha256');

  add(...values: Array<string | null>): void {
    for (const v of values) {
      if (v === null) this.hash.update('-;');
      else
        this.hash
          .update(`${Buffer.byteLength(v)}:`)
          .update(v)
          .update(';');
    }
  }

  digest(): string {
    return `sha256:${this.hash.digest('hex')}`;
  }
}
