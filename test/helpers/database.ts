import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach } from 'vitest';
import { openDatabase, type Database } from '../../pipeline/db.ts';
import {
  classesWithTables,
  createClassTables,
  geometryParts,
  geometryTable,
  polygonsTable,
} from '../../pipeline/class-tables.ts';
import { tempDir } from '../../testkit/temp.ts';

/**
 * Every table of a DuckDB database, its columns and all its rows, as one
 * string: two snapshots are equal exactly when the content is. Tests use it
 * to prove a failed ingest left the database as it was.
 */
export async function snapshotDatabase(connection: DuckDBConnection): Promise<string> {
  const tables = await connection.runAndReadAll(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name",
  );
  const parts: string[] = [];
  for (const [name] of tables.getRows()) {
    const table = `"${String(name)}"`;
    const columns = await connection.runAndReadAll(`DESCRIBE ${table}`);
    const rows = await connection.runAndReadAll(`SELECT * FROM ${table} ORDER BY ALL`);
    parts.push(
      `${table} ${JSON.stringify(columns.getRowsJson())}`,
      ...rows.getRowsJson().map((row) => JSON.stringify(row)),
    );
  }
  return parts.join('\n');
}

export interface PolygonRow {
  id: string;
  name: string;
  stateFips: string | null;
  /** GeoJSON text, stored as given. */
  geometry: string;
  source?: string;
  vintage?: string | null;
}

/** Stores a geometry's text in its class's parts table, cut as ingest cuts it. */
async function insertGeometry(connection: DuckDBConnection, dataClass: string, id: string, geometry: string) {
  for (const [i, part] of geometryParts(geometry).entries()) {
    await connection.run(`INSERT INTO ${geometryTable(dataClass)} VALUES ($1, $2, $3)`, [id, i, part]);
  }
}

/**
 * Writes one polygon straight into its class's tables (made if the class has
 * none), as ingest stores it but without its checks, so tests can plant bad ones.
 */
export async function insertPolygon(connection: DuckDBConnection, dataClass: string, row: PolygonRow): Promise<void> {
  if (!(await classesWithTables(connection)).includes(dataClass)) await createClassTables(connection, dataClass);
  await connection.run(`INSERT INTO ${polygonsTable(dataClass)} VALUES ($1, $2, $3, $4, $5, sha256($6), strlen($6))`, [
    row.id,
    row.name,
    row.stateFips,
    row.source ?? 'fixture',
    row.vintage ?? 'test',
    row.geometry,
  ]);
  await insertGeometry(connection, dataClass, row.id, row.geometry);
}

/** Gives a stored polygon another geometry (text, stored as given), as a new edition of its source would. */
export async function setGeometry(
  connection: DuckDBConnection,
  dataClass: string,
  id: string,
  geometry: string,
): Promise<void> {
  await connection.run(
    `UPDATE ${polygonsTable(dataClass)} SET geometry_sha256 = sha256($2), geometry_bytes = strlen($2) WHERE id = $1`,
    [id, geometry],
  );
  await connection.run(`DELETE FROM ${geometryTable(dataClass)} WHERE id = $1`, [id]);
  await insertGeometry(connection, dataClass, id, geometry);
}

/** Removes polygons of a class: those of `ids`, or all. */
export async function deletePolygons(connection: DuckDBConnection, dataClass: string, ids?: string[]): Promise<void> {
  for (const table of [polygonsTable(dataClass), geometryTable(dataClass)]) {
    if (!ids) await connection.run(`DELETE FROM ${table}`);
    for (const id of ids ?? []) await connection.run(`DELETE FROM ${table} WHERE id = $1`, [id]);
  }
}

/**
 * A fresh DuckDB file in a temp directory for each test of the calling file,
 * removed afterwards. `db` is the open database; `whileClosed` lets another
 * process (the CLI) use the file, DuckDB allowing one writer at a time.
 */
export function useTempDatabase(prefix: string) {
  let dir = '';
  let db: Database | undefined;
  const dbPath = () => path.join(dir, 'test.duckdb');
  beforeEach(async () => {
    dir = tempDir(prefix);
    db = await openDatabase(dbPath());
  });
  afterEach(() => {
    db?.close();
    db = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    get db(): Database {
      if (!db) throw new Error('useTempDatabase: no database outside a test');
      return db;
    },
    get path(): string {
      return dbPath();
    },
    async whileClosed<T>(fn: (dbPath: string) => Promise<T>): Promise<T> {
      db?.close();
      db = undefined;
      try {
        return await fn(dbPath());
      } finally {
        db = await openDatabase(dbPath());
      }
    },
  };
}
