/**
 * Reads a class out of DuckDB for a build, read-only and in id order, in
 * two steps. The plan (this file) is everything but geometry: per feature its id, name,
 * state, the sha256 and size of its geometry (kept by ingest) and its census
 * and wikipedia rows as the bundles carry them — enough to fingerprint every
 * output file and so decide what an earlier release already holds before
 * any work is done. Geometry is read afterwards (read-geometries.ts), only for the features of
 * files that must be written, in batches of bounded size (~4 MB), each batch
 * an id range of the class, so neither DuckDB nor Node ever holds a whole
 * class (the state-legislative lower chamber alone is 400 MB of GeoJSON).
 */

import type { DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../../../core/errors.ts';
import type { DataClassName, FeatureId, StateFips } from '../../../core/types.ts';
import { censusTable, classesWithTables, polygonsTable } from '../../class-tables.ts';
import { quoteIdent, quoteString } from '../../sql.ts';

export interface PlannedFeature {
  id: FeatureId;
  name: string;
  stateFips: StateFips | null;
  /** sha256 (hex) and UTF-8 length of the stored geometry text. */
  geometrySha256: string;
  geometryBytes: number;
  /** The census row (minus id) as JSON text, or null when the class has no census row for the id. */
  census: string | null;
  /** The wikipedia row (minus keys and refresh bookkeeping) as JSON text, or null. */
  wikipedia: string | null;
}

export interface ClassPlan {
  dataClass: DataClassName;
  features: PlannedFeature[];
  /** Source geometry bytes in total and per state: an upper bound of the output, used to pick compression settings. */
  geometryBytes: number;
  stateGeometryBytes: Map<StateFips, number>;
  stateFeatureCounts: Map<StateFips, number>;
  /** JSON size of the class's census and wikipedia rows, for the same purpose. */
  censusBytes: number;
  wikipediaBytes: number;
  /** The published columns of the census and wikipedia rows with their DuckDB types (empty without the table), for typed outputs. */
  censusColumns: Column[];
  wikipediaColumns: Column[];
}

export interface Column {
  name: string;
  type: string;
}

/**
 * Columns of the wikipedia table that say when and how the refresh last
 * asked, not what the page says: a daily refresh revalidates every page and
 * rewrites them even when nothing changed, so publishing them would make
 * every district's bundles new every day.
 */
const WIKIPEDIA_BOOKKEEPING = ['etag', 'fetched_at', 'representative_etag', 'representative_fetched_at'];

async function tableExists(connection: DuckDBConnection, name: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $1",
    [name],
  );
  return (reader.getRowObjectsJS()[0]?.n as number) > 0;
}

/** The table's columns in declaration order, minus `omit`; null when there is no such table. */
async function valueColumns(connection: DuckDBConnection, table: string, omit: string[]): Promise<Column[] | null> {
  if (!(await tableExists(connection, table))) return null;
  const reader = await connection.runAndReadAll(
    "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = $1 ORDER BY column_index",
    [table],
  );
  return reader
    .getRowObjectsJS()
    .map((r) => ({ name: r.column_name as string, type: r.data_type as string }))
    .filter((c) => !omit.includes(c.name));
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

/** The classes that have polygons, in name order: only these get bundles. */
export async function classesWithData(connection: DuckDBConnection): Promise<DataClassName[]> {
  const classes: DataClassName[] = [];
  for (const dataClass of await classesWithTables(connection)) {
    const reader = await connection.runAndReadAll(`SELECT EXISTS (SELECT 1 FROM ${polygonsTable(dataClass)}) AS found`);
    if (reader.getRowObjectsJS()[0]?.found === true) classes.push(dataClass);
  }
  return classes;
}

/**
 * `FROM polygons_<class> p`, with the class's census row (`c`) and wikipedia
 * row (`w`) joined to each district where there are columns of them to show:
 * the rows every file of the class is made from.
 */
export function classRowsSql(dataClass: DataClassName, join: { census: boolean; wikipedia: boolean }): string {
  return `FROM ${polygonsTable(dataClass)} p
     ${join.census ? `LEFT JOIN ${quoteIdent(censusTable(dataClass))} c ON c.id = p.id` : ''}
     ${join.wikipedia ? `LEFT JOIN wikipedia w ON w.data_class = ${quoteString(dataClass)} AND w.id = p.id` : ''}`;
}

export async function planClass(connection: DuckDBConnection, dataClass: DataClassName): Promise<ClassPlan> {
  const censusColumns = await valueColumns(connection, censusTable(dataClass), ['id']);
  const wikipediaColumns = await valueColumns(connection, 'wikipedia', ['data_class', 'id', ...WIKIPEDIA_BOOKKEEPING]);
  const reader = await connection.runAndReadAll(
    `SELECT p.id, p.name, p.state_fips, p.geometry_sha256, p.geometry_bytes,
       ${censusColumns ? jsonObjectSql('c', censusColumns) : 'NULL'} AS census,
       ${wikipediaColumns ? jsonObjectSql('w', wikipediaColumns) : 'NULL'} AS wikipedia
     ${classRowsSql(dataClass, { census: Boolean(censusColumns), wikipedia: Boolean(wikipediaColumns) })}
     ORDER BY p.id`,
  );
  const features: PlannedFeature[] = reader.getRowObjectsJS().map((r) => ({
    id: r.id as string,
    name: r.name as string,
    stateFips: (r.state_fips as string | null) ?? null,
    geometrySha256: r.geometry_sha256 as string,
    geometryBytes: Number(r.geometry_bytes),
    census: (r.census as string | null) ?? null,
    wikipedia: (r.wikipedia as string | null) ?? null,
  }));
  const stateGeometryBytes = new Map<StateFips, number>();
  const stateFeatureCounts = new Map<StateFips, number>();
  let geometryBytes = 0;
  let censusBytes = 0;
  let wikipediaBytes = 0;
  for (const f of features) {
    // The code becomes a file name (by_state/<fips>): anything but two digits is refused before any work.
    if (f.stateFips !== null && !/^\d{2}$/.test(f.stateFips)) {
      throw new GeobundleError(
        `${dataClass} feature "${f.id}": state_fips ${JSON.stringify(f.stateFips)} is not a two-digit FIPS code`,
      );
    }
    geometryBytes += f.geometryBytes;
    censusBytes += f.census?.length ?? 0;
    wikipediaBytes += f.wikipedia?.length ?? 0;
    if (f.stateFips === null) continue;
    stateGeometryBytes.set(f.stateFips, (stateGeometryBytes.get(f.stateFips) ?? 0) + f.geometryBytes);
    stateFeatureCounts.set(f.stateFips, (stateFeatureCounts.get(f.stateFips) ?? 0) + 1);
  }
  return {
    dataClass,
    features,
    geometryBytes,
    stateGeometryBytes,
    stateFeatureCounts,
    censusBytes,
    wikipediaBytes,
    censusColumns: censusColumns ?? [],
    wikipediaColumns: wikipediaColumns ?? [],
  };
}
