import path from 'node:path';
import fs from 'node:fs';
import { withDatabase } from '../pipeline/db.ts';
import { BundleFileWriter } from '../pipeline/release/bundle-file.ts';
import { serializeFeature } from '../pipeline/release/feature.ts';
import { classesWithData, planClass, readGeometries } from '../pipeline/release/source.ts';

/**
 * Ours on the peers' first job: only the by_state files, gzip only — the
 * build's own reader, serialiser and bundle writer (gzip alone, at the level
 * its tier gives each state's file), one pass per class, each state's file
 * closed at its last feature, as build-release writes them. Run as a child
 * process under GNU time by bench/peer-bench.ts:
 *
 *   node --import tsx bench/ours-by-state.ts <db.duckdb> <outDir> <precision>
 *
 * Prints {"files", "gz_bytes", "uncompressed_bytes"} as JSON.
 */

const [dbPath, outDir, precisionArg] = process.argv.slice(2);
if (!dbPath || !outDir || !precisionArg) {
  process.stderr.write('usage: node --import tsx bench/ours-by-state.ts <db.duckdb> <outDir> <precision>\n');
  process.exit(2);
}
const precision = Number(precisionArg);

const totals = { files: 0, gz_bytes: 0, uncompressed_bytes: 0 };
await withDatabase(dbPath, { readOnly: true }, async ({ connection }) => {
  for (const dataClass of await classesWithData(connection)) {
    const plan = await planClass(connection, dataClass);
    const dir = path.join(outDir, dataClass, 'by_state');
    fs.mkdirSync(dir, { recursive: true });
    const open = new Map<string, BundleFileWriter>();
    const closing: Promise<void>[] = [];
    for await (const row of readGeometries(connection, plan, (f) => f.stateFips !== null)) {
      const fips = row.stateFips!;
      let writer = open.get(fips);
      if (!writer) {
        const estimated = plan.stateGeometryBytes.get(fips) ?? 0;
        writer = new BundleFileWriter(path.join(dir, `${fips}.geojson`), 'feature-collection', 'by_state', estimated, [
          'gzip',
        ]);
        open.set(fips, writer);
      }
      const feature = serializeFeature(dataClass, row, precision);
      await writer.add(feature.full, feature.bbox);
      if (writer.featureCount === plan.stateFeatureCounts.get(fips)) {
        open.delete(fips);
        closing.push(
          writer.end().then((result) => {
            totals.files += 1;
            totals.uncompressed_bytes += result.uncompressed_bytes;
            totals.gz_bytes += result.files[0]!.bytes;
          }),
        );
      }
    }
    await Promise.all(closing);
  }
});
process.stdout.write(`${JSON.stringify(totals)}\n`);
