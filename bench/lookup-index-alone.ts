/**
 * The lookup index alone, as build-release makes it — the build's reader and
 * serialiser hand every district of every class to the index writer, which
 * then builds the cells and pages — with no other file written, so GNU time
 * around it gives the index's own cost and peak memory. Run as a child
 * process by bench/lookup-bench.ts:
 *
 *   node --import tsx bench/lookup-index-alone.ts <db.duckdb> <outDir> <precision>
 *
 * Prints {"cells", "pages", "bytes"} as JSON.
 */
import fs from 'node:fs';
import { withDatabase } from '../pipeline/db.ts';
import { DUCKDB_MEMORY_LIMIT } from '../pipeline/release/build-release.ts';
import { serializeFeature } from '../pipeline/release/formats/bundles/feature.ts';
import { LookupSink } from '../pipeline/release/formats/lookup/lookup-files.ts';
import { LookupIndexWriter } from '../pipeline/release/formats/lookup/write-index.ts';
import { classesWithData, planClass } from '../pipeline/release/plan/class-plan.ts';
import { readGeometries } from '../pipeline/release/plan/read-geometries.ts';
import { silentProgress } from '../pipeline/progress.ts';

const [dbPath, outDir, precisionArg] = process.argv.slice(2);
if (!dbPath || !outDir || !precisionArg) {
  process.stderr.write('usage: node --import tsx bench/lookup-index-alone.ts <db.duckdb> <outDir> <precision>\n');
  process.exit(2);
}
const precision = Number(precisionArg);
fs.mkdirSync(outDir, { recursive: true });

const writer = new LookupIndexWriter(outDir, precision, new LookupSink({ dir: outDir, existing: () => null }));
// As the build: the database is closed before the cells are made.
await withDatabase(dbPath, { readOnly: true }, async ({ connection }) => {
  await connection.run(`SET memory_limit = '${DUCKDB_MEMORY_LIMIT}'`);
  for (const dataClass of await classesWithData(connection)) {
    const plan = await planClass(connection, dataClass);
    writer.startClass(dataClass);
    for await (const row of readGeometries(connection, plan, () => true))
      writer.add(serializeFeature(dataClass, row, precision));
  }
});
const built = await writer.end(silentProgress);
process.stdout.write(`${JSON.stringify({ cells: built.cells, pages: built.pages, bytes: built.bytes })}\n`);
