/**
 * Files written before the class tables (0.1.0 and the first 0.2.0 builds)
 * keep every class's boundaries in one table `polygons`; the first time such
 * a file is opened, its rows move into the class tables (class-tables.ts),
 * in one transaction: a failed or killed migration leaves the file as it was,
 * to be migrated on the next open.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { GeobundleError } from '../core/errors.ts';
import type { DataClassName } from '../core/types.ts';
import { appendGeometryParts, createClassTables, geometryTable, polygonsTable } from './class-tables.ts';
import { isDataClassName } from './data-class.ts';
import type { Progress } from './progress.ts';
import { inTransaction } from './sql.ts';

/** Whether `polygons` is a table (the old layout), not the view over the class tables. */
export async function hasSharedPolygons(connection: DuckDBConnection): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    "SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = 'polygons'",
  );
  return (reader.getRowObjectsJS()[0]?.n as number) > 0;
}

/** Smaller batches were no smaller at peak (the legacy scan is), only slower: 1 MB took 7× as long. */
const MIGRATE_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Copies one class out of `legacy_polygons` into its own tables. The
 * geometry goes through Node in id ranges of about 16 MB and is cut into
 * parts as ingest cuts it: cut by DuckDB itself (substr over unnest), the
 * 3.7 MB strings of the state-legislative chambers overflowed its memory limit.
 */
async function migrateClass(connection: DuckDBConnection, dataClass: DataClassName): Promise<void> {
  await createClassTables(connection, dataClass);
  await connection.run(
    `INSERT INTO ${polygonsTable(dataClass)}
     SELECT id, name, state_fips, source, vintage, geometry_sha256, geometry_bytes FROM legacy_polygons WHERE data_class = $1`,
    [dataClass],
  );
  const ids = (
    await connection.runAndReadAll('SELECT id, geometry_bytes FROM legacy_polygons WHERE data_class = $1 ORDER BY id', [
      dataClass,
    ])
  ).getRowsJS();
  const read = await connection.prepare(
    'SELECT id, geometry FROM legacy_polygons WHERE data_class = $1 AND id >= $2 AND id <= $3',
  );
  const appender = await connection.createAppender(geometryTable(dataClass));
  try {
    let first = 0;
    let bytes = 0;
    for (const [i, [, size]] of ids.entries()) {
      bytes += Number(size);
      if (bytes < MIGRATE_BATCH_BYTES && i < ids.length - 1) continue;
      read.bind([dataClass, String(ids[first]![0]), String(ids[i]![0])]);
      for (const [id, geometry] of (await read.runAndReadAll()).getRows()) {
        appendGeometryParts(appender, String(id), String(geometry));
      }
      appender.flushSync();
      first = i + 1;
      bytes = 0;
    }
  } finally {
    appender.closeSync();
  }
}

/**
 * Moves every class out of the shared `polygons` table into its own tables,
 * saying so on `progress` before (it rewrites every geometry, which takes a
 * while on a large file) and after. Files older still, without the geometry
 * digests, get them on the way.
 */
export async function migrateSharedPolygons(
  connection: DuckDBConnection,
  dbPath: string,
  progress: Progress,
): Promise<void> {
  progress.info(`migrating database ${dbPath} to one table per data class (once; docs/database.md) …`);
  const moved = await inTransaction(connection, async () => {
    // Out of the way first: creating a class's tables points the view `polygons` at them.
    await connection.run(`
      ALTER TABLE polygons RENAME TO legacy_polygons;
      ALTER TABLE legacy_polygons ADD COLUMN IF NOT EXISTS geometry_sha256 VARCHAR;
      ALTER TABLE legacy_polygons ADD COLUMN IF NOT EXISTS geometry_bytes BIGINT;
      UPDATE legacy_polygons SET geometry_sha256 = sha256(geometry), geometry_bytes = strlen(geometry)
       WHERE geometry_sha256 IS NULL OR geometry_bytes IS NULL;`);
    const counts = (
      await connection.runAndReadAll(
        'SELECT data_class, count(*)::INTEGER AS n FROM legacy_polygons GROUP BY data_class ORDER BY data_class',
      )
    ).getRowObjectsJS() as Array<{ data_class: string; n: number }>;
    for (const { data_class: dataClass } of counts) {
      if (!isDataClassName(dataClass)) {
        throw new GeobundleError(
          `database ${dbPath}: table polygons has rows of data class "${dataClass}", which is not a class name ` +
            '(a lower-case letter, then letters, digits or _): rename or delete them with DuckDB, then run again',
        );
      }
      await migrateClass(connection, dataClass);
    }
    await connection.run('DROP TABLE legacy_polygons');
    return counts;
  });
  const rows = moved.reduce((n, c) => n + c.n, 0);
  progress.info(
    `migrated database ${dbPath}: moved ${rows} polygons of ${moved.length} classes (${moved.map((c) => c.data_class).join(', ') || 'none'}) ` +
      'from the shared table polygons into tables polygons_<class> and geometry_<class>',
  );
}
