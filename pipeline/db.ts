/**
 * The DuckDB file is geobundle's source of truth. Its schema (documented in
 * docs/database.md) is created here and in class-tables.ts, nowhere else:
 *
 * - `polygons_<class>`, `geometry_<class>`, `census_<class>` and the view `polygons`:
 *                the boundaries and census rows of each data class (class-tables.ts).
 * - `wikipedia`  per (data_class, id): district article facts, the representative
 *                (from the legislators data) and their article, derived facts.
 *
 * A file from before the class tables (one `polygons` table for all classes)
 * is migrated the first time it is opened (migrate-shared-polygons.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError, errorMessage } from '../core/errors.ts';
import { polygonsViewSql } from './class-tables.ts';
import { hasSharedPolygons, migrateSharedPolygons } from './migrate-shared-polygons.ts';
import { silentProgress, type Progress } from './progress.ts';
import { duckdbError, fileSystemError, type Place } from './system-errors.ts';

/**
 * DuckDB's own buffer when writing. Its default, 80 % of RAM, lets an ingest
 * keep every row it appends in memory until COMMIT; with a limit it spills
 * them to the spill directory and the rest of the process (Node, parsing) is what
 * remains. 128 MB was measured to be no slower than more on the 676 MB state-legislative ingest.
 */
const WRITE_MEMORY_LIMIT = '128MB';

/**
 * Where a writer spills (DuckDB's own default, named so it can be cleaned):
 * DuckDB removes it when it closes, but a killed writer leaves it behind.
 */
function spillDirectory(dbPath: string): string {
  return `${dbPath}.tmp`;
}

export const SCHEMA_SQL = `
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
CREATE VIEW IF NOT EXISTS polygons AS ${polygonsViewSql([])};
`;

export interface Database {
  path: string;
  connection: DuckDBConnection;
  close(): void;
}

/** The database as system-errors.ts names it: a build only reads it, everything else writes. */
function databasePlace(dbPath: string, readOnly: boolean): Place {
  return { kind: 'database', path: dbPath, access: readOnly ? 'read' : 'write' };
}

export interface OpenOptions {
  readOnly?: boolean;
  /** Where the lines saying a file is being migrated go (migrate-shared-polygons.ts). */
  progress?: Progress;
}

async function openOnce(dbPath: string, readOnly: boolean, progress: Progress): Promise<Database> {
  const place = databasePlace(dbPath, readOnly);
  let instance: DuckDBInstance | undefined;
  let connection: DuckDBConnection | undefined;
  let closed = false;
  // Idempotent: a build closes the file as soon as it has read every class, and withDatabase again at the end.
  const close = () => {
    if (closed) return;
    closed = true;
    try {
      connection?.closeSync();
    } finally {
      instance?.closeSync();
    }
  };
  try {
    if (!readOnly) fs.mkdirSync(path.dirname(path.resolve(dbPath)), { recursive: true });
    instance = await DuckDBInstance.create(
      dbPath,
      readOnly
        ? { access_mode: 'READ_ONLY' }
        : { memory_limit: WRITE_MEMORY_LIMIT, temp_directory: spillDirectory(dbPath) },
    );
    connection = await instance.connect();
    if (!readOnly) {
      // The file's lock is ours now, so whatever is in the spill directory is a dead writer's;
      // DuckDB makes the directory again when it first spills.
      fs.rmSync(spillDirectory(dbPath), { recursive: true, force: true });
      if (await hasSharedPolygons(connection)) await migrateSharedPolygons(connection, dbPath, progress);
      await connection.run(SCHEMA_SQL);
    }
    return { path: dbPath, connection, close };
  } catch (err) {
    close();
    throw (
      fileSystemError(err, place) ??
      duckdbError(err, place) ??
      (err instanceof GeobundleError
        ? err
        : new GeobundleError(`cannot open database ${dbPath}: ${errorMessage(err)}`, { cause: err }))
    );
  }
}

/**
 * Opens (creating if needed) the DuckDB file. Read-only opens let several
 * builds read one database at once; DuckDB's file lock makes a writer and
 * another process exclusive. That lock, a damaged file, one from another
 * DuckDB, a permission or a full disk is reported by what to do about it.
 * A file in the old layout is migrated first, even for a reader: otherwise
 * it could not be built from until something wrote to it.
 */
export async function openDatabase(
  dbPath: string,
  { readOnly = false, progress = silentProgress }: OpenOptions = {},
): Promise<Database> {
  if (readOnly && !fs.existsSync(dbPath)) {
    throw new GeobundleError(`database ${dbPath} does not exist: run "geobundle ingest …" first (or pass --db)`);
  }
  const db = await openOnce(dbPath, readOnly, progress);
  if (!readOnly || !(await hasSharedPolygons(db.connection))) return db;
  db.close();
  (await openOnce(dbPath, false, progress)).close();
  return openOnce(dbPath, true, progress);
}

/**
 * Opens the database, runs `fn`, and always closes it. DuckDB's errors about
 * the file on the way (a full disk at COMMIT, a truncated block read) are
 * reported like those of opening it; everything else passes through.
 */
export async function withDatabase<T>(
  dbPath: string,
  options: OpenOptions,
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
