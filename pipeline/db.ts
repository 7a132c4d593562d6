/**
 * The DuckDB file is geobundle's source of truth. Its schema (documented in
 * docs/database.md) is created here and nowhere else:
 *
 * - `polygons`   one row per boundary, all classes in one table keyed by (data_class, id);
 *                geometry is the validated GeoJSON geometry as text, at source precision,
 *                with its sha256 and byte length, so a build plans (and decides what it
 *                can reuse) without reading any geometry.
 * - `census_<class>`  one table per class, created from the ingested CSV: `id` plus the
 *                CSV's own columns with the types DuckDB's CSV sniffer gave them.
 * - `wikipedia`  per (data_class, id): district article facts, the representative
 *                (from the legislators data) and their article, derived facts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError, errorMessage } from '../core/errors.ts';
import { isDataClassName } from './data-class.ts';
import { duckdbError, fileSystemError, type Place } from './system-errors.ts';

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS polygons (
  data_class VARCHAR NOT NULL,
  id         VARCHAR NOT NULL,
  name       VARCHAR NOT NULL,
  state_fips VARCHAR,
  geometry   VARCHAR NOT NULL,
  source     VARCHAR NOT NULL,
  vintage    VARCHAR,
  geometry_sha256 VARCHAR,
  geometry_bytes  BIGINT,
  PRIMARY KEY (data_class, id)
);
-- Files written before the two columns existed get them, filled in once.
ALTER TABLE polygons ADD COLUMN IF NOT EXISTS geometry_sha256 VARCHAR;
ALTER TABLE polygons ADD COLUMN IF NOT EXISTS geometry_bytes BIGINT;
UPDATE polygons SET geometry_sha256 = sha256(geometry), geometry_bytes = strlen(geometry)
 WHERE geometry_sha256 IS NULL OR geometry_bytes IS NULL;
CREATE TABLE IF NOT EXISTS wikipedia (
  data_class                 VARCHAR NOT NULL,
  id                         VARCHAR NOT NULL,
  article_title              VARCHAR,
  article_url                VARCHAR,
  description                VARCHAR,
  extract                    VARCHAR,
  revision                   VARCHAR,
  article_timestamp          VARCHAR,
  etag                       VARCHAR,
  fetched_at                 TIMESTAMPTZ,
  representative             VARCHAR,
  party                      VARCHAR,
  representative_title       VARCHAR,
  representative_url         VARCHAR,
  representative_description VARCHAR,
  representative_extract     VARCHAR,
  representative_etag        VARCHAR,
  representative_fetched_at  TIMESTAMPTZ,
  partisan_lean              DOUBLE,
  partisan_lean_label        VARCHAR,
  PRIMARY KEY (data_class, id)
);
`;

/** Name of the per-class census table; class names are validated identifiers. */
export function censusTable(dataClass: string): string {
  if (!isDataClassName(dataClass)) {
    throw new GeobundleError(`invalid data class name "${dataClass}"`);
  }
  return `census_${dataClass}`;
}

/** A SQL identifier (table or column name) quoted for DuckDB, whatever characters it holds. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A SQL string literal, for the few places DuckDB takes no parameter (e.g. read_csv's path, json_object keys). */
export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** Appends a VARCHAR that may be SQL NULL. */
export function appendNullable(appender: DuckDBAppender, value: string | null): void {
  if (value === null) appender.appendNull();
  else appender.appendVarchar(value);
}

export interface Database {
  path: string;
  connection: DuckDBConnection;
  close(): void;
}

/** The database as system-errors.ts names it: a build only reads it, everything else writes. */
function databasePlace(dbPath: string, readOnly: boolean): Place {
  return { kind: 'database', path: dbPath, access: readOnly ? 'read' : 'write' };
}

/**
 * Opens (creating if needed) the DuckDB file. Read-only opens let several
 * builds read one database at once; DuckDB's file lock makes a writer and
 * another process exclusive. That lock, a damaged file, one from another
 * DuckDB, a permission or a full disk is reported by what to do about it.
 */
export async function openDatabase(
  dbPath: string,
  { readOnly = false }: { readOnly?: boolean } = {},
): Promise<Database> {
  if (readOnly && !fs.existsSync(dbPath)) {
    throw new GeobundleError(`database ${dbPath} does not exist: run "geobundle ingest …" first (or pass --db)`);
  }
  const place = databasePlace(dbPath, readOnly);
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  let closed = false;
  // Idempotent: a build closes the file as soon as it has read every class, and withDatabase again at the end.
  const close = () => {
    if (closed) return;
    closed = true;
    connection?.closeSync();
    instance?.closeSync();
  };
  try {
    if (!readOnly) fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
    instance = await DuckDBInstance.create(dbPath, readOnly ? { access_mode: 'READ_ONLY' } : {});
    connection = await instance.connect();
    if (!readOnly) await connection.run(SCHEMA_SQL);
    return { path: dbPath, connection, close };
  } catch (err) {
    close();
    throw (
      fileSystemError(err, place) ??
      duckdbError(err, place) ??
      new GeobundleError(`cannot open database ${dbPath}: ${errorMessage(err)}`, { cause: err })
    );
  }
}

/**
 * Opens the database, runs `fn`, and always closes it. DuckDB's errors about
 * the file on the way (a full disk at COMMIT, a truncated block read) are
 * reported like those of opening it; everything else passes through.
 */
export async function withDatabase<T>(
  dbPath: string,
  options: { readOnly?: boolean },
  fn: (db: Database) => Promise<T>,
): Promise<T> {
  const db = await openDatabase(dbPath, options);
  try {
    return await fn(db);
  } catch (err) {
    throw duckdbError(err, databasePlace(dbPath, Boolean(options.readOnly))) ?? err;
  } finally {
    db.close();
  }
}

/**
 * Runs `fn` in one transaction: every ingest either lands whole or leaves the
 * database exactly as it was.
 */
export async function inTransaction<T>(connection: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
  await connection.run('BEGIN TRANSACTION');
  let result: T;
  try {
    result = await fn();
  } catch (err) {
    await connection.run('ROLLBACK');
    throw err;
  }
  // Outside the try: a COMMIT that fails (a full disk) has already rolled the transaction
  // back, and a ROLLBACK then fails too ("no transaction is active"), hiding the cause.
  await connection.run('COMMIT');
  return result;
}
