import fs from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterEach, beforeEach } from 'vitest';
import { openDatabase, type Database } from '../../pipeline/db.ts';
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
