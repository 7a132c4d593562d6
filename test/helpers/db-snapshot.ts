import type { DuckDBConnection } from '@duckdb/node-api';

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
