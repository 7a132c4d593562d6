/**
 * The tables each data class has in the database file (docs/database.md):
 *
 * - `polygons_<class>`  one row per boundary: id, name, state, source, vintage and the sha256
 *                and byte length of its geometry, so a build plans (and decides what it can
 *                reuse) without reading any geometry.
 * - `geometry_<class>`  the class's geometries (validated GeoJSON text at source precision), each
 *                in consecutive parts of at most GEOMETRY_PART_CHARS characters. DuckDB works
 *                on 2,048 rows at a time and copies such a batch whole at COMMIT: as whole
 *                strings (83 KB on average in the state legislative lower chamber, 3.7 MB at
 *                most) a batch was up to 270 MB, copied three times over; as parts it is 32 MB.
 * - `census_<class>`    made by `ingest census` (census.ts).
 *
 * and the view `polygons`, every class as one table, for queries by hand;
 * geobundle's own readers use the class tables. A class has tables of its
 * own so that replacing it drops and refills them and touches nothing else:
 * in one table for all classes, the state legislative lower chamber's ingest
 * peaked at 1.1–1.2 GB into an empty file and at 1.4–2.0 GB into one holding
 * the upper chamber.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../core/errors.ts';
import type { DataClassName } from '../core/types.ts';
import { isDataClassName } from './data-class.ts';
import { quoteString } from './sql.ts';

/** See the module comment: 2,048 parts of this size are 32 MB. */
export const GEOMETRY_PART_CHARS = 16 * 1024;

function checkedClass(dataClass: string): DataClassName {
  if (!isDataClassName(dataClass)) {
    throw new GeobundleError(`invalid data class name "${dataClass}"`);
  }
  return dataClass;
}

/** Name of the class's table of boundaries; class names are validated identifiers. */
export function polygonsTable(dataClass: string): string {
  return `polygons_${checkedClass(dataClass)}`;
}

/** Name of the class's table of geometry parts. */
export function geometryTable(dataClass: string): string {
  return `geometry_${checkedClass(dataClass)}`;
}

/** Name of the class's census table. */
export function censusTable(dataClass: string): string {
  return `census_${checkedClass(dataClass)}`;
}

/**
 * Creates the two tables of a class, empty, dropping what they held: call it
 * inside the transaction that fills them, so other readers see the old rows
 * until COMMIT and a failed or killed write leaves them as they were.
 */
export async function createClassTables(connection: DuckDBConnection, dataClass: DataClassName): Promise<void> {
  const polygons = polygonsTable(dataClass);
  const geometry = geometryTable(dataClass);
  await connection.run(`
    DROP TABLE IF EXISTS ${polygons};
    DROP TABLE IF EXISTS ${geometry};
    CREATE TABLE ${polygons} (
      id              VARCHAR PRIMARY KEY,
      name            VARCHAR NOT NULL,
      state_fips      VARCHAR,
      source          VARCHAR NOT NULL,
      vintage         VARCHAR,
      geometry_sha256 VARCHAR NOT NULL,
      geometry_bytes  BIGINT NOT NULL
    );
    CREATE TABLE ${geometry} (
      id       VARCHAR NOT NULL,
      part     INTEGER NOT NULL,
      geometry VARCHAR NOT NULL,
      PRIMARY KEY (id, part)
    );`);
  await connection.run(`CREATE OR REPLACE VIEW polygons AS ${polygonsViewSql(await classesWithTables(connection))}`);
}

/** The classes that have tables, in name order (empty ones too). */
export async function classesWithTables(connection: DuckDBConnection): Promise<DataClassName[]> {
  const reader = await connection.runAndReadAll(
    "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND starts_with(table_name, 'polygons_') ORDER BY table_name",
  );
  return reader
    .getRows()
    .map(([name]) => String(name).slice('polygons_'.length))
    .filter(isDataClassName);
}

/** The geometry text of `g`'s id, reassembled from its parts. */
export const GEOMETRY_AGGREGATE = "string_agg(g.geometry, '' ORDER BY g.part)";

/** The query of the view `polygons` over these classes' tables (columns as in docs/database.md). */
export function polygonsViewSql(classes: DataClassName[]): string {
  if (classes.length === 0) {
    return `SELECT NULL::VARCHAR AS data_class, NULL::VARCHAR AS id, NULL::VARCHAR AS name, NULL::VARCHAR AS state_fips,
      NULL::VARCHAR AS geometry, NULL::VARCHAR AS source, NULL::VARCHAR AS vintage,
      NULL::VARCHAR AS geometry_sha256, NULL::BIGINT AS geometry_bytes WHERE false`;
  }
  // The geometry as a subquery, not a join: a query that does not select it never reads it.
  return classes
    .map(
      (c) => `SELECT ${quoteString(c)} AS data_class, p.id, p.name, p.state_fips,
      (SELECT ${GEOMETRY_AGGREGATE} FROM ${geometryTable(c)} g WHERE g.id = p.id) AS geometry,
      p.source, p.vintage, p.geometry_sha256, p.geometry_bytes FROM ${polygonsTable(c)} p`,
    )
    .join('\n    UNION ALL ');
}

/**
 * Consecutive slices of at most GEOMETRY_PART_CHARS; never between the two
 * halves of a surrogate pair, which DuckDB would store as U+FFFD.
 */
export function geometryParts(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  do {
    let end = Math.min(text.length, start + GEOMETRY_PART_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(text.slice(start, end));
    start = end;
  } while (start < text.length);
  return parts;
}

/** Appends the rows of one geometry's parts to an appender on its class's geometry table. */
export function appendGeometryParts(appender: DuckDBAppender, id: string, geometry: string): void {
  for (const [i, part] of geometryParts(geometry).entries()) {
    appender.appendVarchar(id);
    appender.appendInteger(i);
    appender.appendVarchar(part);
    appender.endRow();
  }
}
