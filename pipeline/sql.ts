/**
 * How every module speaks to DuckDB: names and literals quoted, nullable
 * values appended, a write done in one transaction. Below the database file's
 * own modules (db.ts, class-tables.ts), which use these too.
 */
import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';

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
