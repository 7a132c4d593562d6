/**
 * Ours on the peers' first job: only the by_state files, gzip only — the
 * build's own reader, serialiser and framing, gzip at the level its tier
 * gives each state's file, one pass per class, each state's file closed at
 * its last feature, as build-release writes them. Run as a child
 * process under GNU time by bench/peer-bench.ts:
 *
 *   node --import tsx bench/ours-by-state.ts <db.duckdb> <outDir> <precision>
 *
 * Prints {"files", "gz_bytes", "uncompressed_bytes"} as JSON.
 */
import { once } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { withDatabase } from '../pipeline/db.ts';
import { BUNDLE_SHAPES } from '../pipeline/release/formats/bundles.ts';
import { compressorOptions, tierFor } from '../pipeline/release/formats/compression.ts';
import { serializeFeature } from '../pipeline/release/formats/bundles/feature.ts';
import { classesWithData, planClass } from '../pipeline/release/plan/class-plan.ts';
import { readGeometries } from '../pipeline/release/plan/read-geometries.ts';

const [dbPath, outDir, precisionArg] = process.argv.slice(2);
if (!dbPath || !outDir || !precisionArg) {
  process.stderr.write('usage: node --import tsx bench/ours-by-state.ts <db.duckdb> <outDir> <precision>\n');
  process.exit(2);
}
const precision = Number(precisionArg);

const totals = { files: 0, gz_bytes: 0, uncompressed_bytes: 0 };
const SHAPE = BUNDLE_SHAPES['feature-collection'];

interface StateFile {
  count: number;
  add(feature: string): Promise<void>;
  end(): Promise<void>;
}

/** A state's file, gzip alone, framed as the build frames it. */
function openStateFile(file: string, estimatedBytes: number): StateFile {
  const gzip = zlib.createGzip(compressorOptions('gzip', tierFor(estimatedBytes, 'by_state'), estimatedBytes));
  const written = pipeline(gzip, fs.createWriteStream(file));
  let uncompressed = 0;
  const write = async (text: string) => {
    uncompressed += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  const state: StateFile = {
    count: 0,
    async add(feature) {
      const prefix = state.count === 0 ? `${SHAPE.open}\n` : ',\n';
      state.count += 1;
      await write(prefix + feature);
    },
    async end() {
      await write(`\n${SHAPE.close}`);
      gzip.end();
      await written;
      totals.files += 1;
      totals.uncompressed_bytes += uncompressed;
      totals.gz_bytes += fs.statSync(file).size;
    },
  };
  return state;
}
await withDatabase(dbPath, { readOnly: true }, async ({ connection }) => {
  for (const dataClass of await classesWithData(connection)) {
    const plan = await planClass(connection, dataClass);
    const dir = path.join(outDir, dataClass, 'by_state');
    fs.mkdirSync(dir, { recursive: true });
    const open = new Map<string, StateFile>();
    const closing: Promise<void>[] = [];
    for await (const row of readGeometries(connection, plan, (f) => f.stateFips !== null)) {
      const fips = row.stateFips!;
      let file = open.get(fips);
      if (!file) {
        file = openStateFile(path.join(dir, `${fips}.geojson.gz`), plan.stateGeometryBytes.get(fips) ?? 0);
        open.set(fips, file);
      }
      await file.add(serializeFeature(dataClass, row, precision).full);
      if (file.count === plan.stateFeatureCounts.get(fips)) {
        open.delete(fips);
        closing.push(file.end());
      }
    }
    await Promise.all(closing);
  }
});
process.stdout.write(`${JSON.stringify(totals)}\n`);
