import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import pLimit from 'p-limit';
import { withDatabase } from '../pipeline/db.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { planClass, readGeometries } from '../pipeline/release/source.ts';
import { measureCommand, measureInProcess, round, sumCosts } from './measure.ts';
import type { PeerRun, ProcessCost } from './results.ts';

/**
 * The peers: what a release engineer would script instead of geobundle to get
 * the per-state files — GDAL's ogr2ogr (one `-where` pass per state) and
 * mapshaper's `-split` — each followed by gzip of the pieces with Node's zlib
 * at the build's level. Both write RFC 7946 GeoJSON at the build's coordinate
 * precision, so the pieces are comparable with our by_state files.
 */

const gzip = promisify(zlib.gzip);
/** The mapshaper the build simplifies with (a dependency of geobundle), run as its CLI. */
export const MAPSHAPER = path.join(projectRoot, 'node_modules', '.bin', 'mapshaper');

export interface PeerInput {
  dataClass: string;
  file: string;
  features: number;
  states: string[];
}

/** A joined census/wikipedia row as the build puts it in properties: parsed, without its key columns. */
function joined(json: string | null, keys: readonly string[]): Record<string, unknown> | null {
  if (json === null) return null;
  const value = JSON.parse(json) as Record<string, unknown>;
  for (const k of keys) delete value[k];
  return value;
}

/**
 * Writes one class of the benchmark's DuckDB as a GeoJSON FeatureCollection
 * with the properties our by_state features carry (id, name, state_fips,
 * census, wikipedia), read with the build's own row reader, and the geometry
 * text as stored (source precision, not yet rounded): the peers get the same
 * features and the same rounding work as our build.
 */
export async function exportPeerInput(dbPath: string, dataClass: string, file: string): Promise<PeerInput> {
  return withDatabase(dbPath, { readOnly: true }, async (db) => {
    const out = fs.createWriteStream(file);
    const write = async (text: string) => {
      if (!out.write(text)) await once(out, 'drain');
    };
    const states = new Set<string>();
    let features = 0;
    await write('{"type":"FeatureCollection","features":[\n');
    for await (const row of readGeometries(db.connection, await planClass(db.connection, dataClass))) {
      const props = {
        id: row.id,
        name: row.name,
        state_fips: row.stateFips,
        census: joined(row.census, ['id']),
        wikipedia: joined(row.wikipedia, ['data_class', 'id']),
      };
      if (row.stateFips !== null) states.add(row.stateFips);
      await write(
        `${features ? ',\n' : ''}{"type":"Feature","properties":${JSON.stringify(props)},"geometry":${row.geometry}}`,
      );
      features += 1;
    }
    await write('\n]}\n');
    out.end();
    await once(out, 'finish');
    return { dataClass, file, features, states: [...states].sort() };
  });
}

/** The coordinate precision as each tool spells it. */
const mapshaperPrecision = (decimals: number) => (10 ** -decimals).toFixed(decimals);

/**
 * ogr2ogr has no split: one `-where` run per state. Straight from GeoJSON
 * each run re-parses the whole file (a minute per state for the 400 MB
 * lower chambers), so the script does what a GDAL user would: one pass into
 * a GeoPackage with an index on state_fips, then the per-state runs read
 * only their rows.
 */
async function ogr2ogrSplit(
  input: PeerInput,
  outDir: string,
  precision: number,
  concurrency: number,
): Promise<ProcessCost> {
  const gpkg = path.join(outDir, `${input.dataClass}.gpkg`);
  const started = performance.now();
  const convert = await measureCommand('ogr2ogr', ['-f', 'GPKG', '-nln', 'districts', gpkg, input.file]);
  const index = await measureCommand('ogrinfo', [
    gpkg,
    '-sql',
    'CREATE INDEX districts_state_fips ON districts (state_fips)',
  ]);
  const limit = pLimit(concurrency);
  const splits = await Promise.all(
    input.states.map((fips) =>
      limit(() =>
        measureCommand('ogr2ogr', [
          '-f',
          'GeoJSON',
          '-lco',
          'RFC7946=YES',
          '-lco',
          `COORDINATE_PRECISION=${precision}`,
          '-where',
          `state_fips = '${fips}'`,
          path.join(outDir, `${fips}.geojson`),
          gpkg,
        ]),
      ),
    ),
  );
  const wall = round((performance.now() - started) / 1000);
  fs.rmSync(gpkg);
  return { ...sumCosts([convert, index, ...splits]), wall_s: wall };
}

async function mapshaperSplit(input: PeerInput, outDir: string, precision: number): Promise<ProcessCost> {
  // mapshaper-xl would raise the heap limit; Node's default is enough for 400 MB of GeoJSON on 24 GiB.
  const { stdout: _ignored, ...cost } = await measureCommand(process.execPath, [
    '--max-old-space-size=8192',
    MAPSHAPER,
    '-i',
    input.file,
    '-split',
    'state_fips',
    '-o',
    `${outDir}/`,
    'format=geojson',
    `precision=${mapshaperPrecision(precision)}`,
    'extension=.geojson',
  ]);
  return cost;
}

/** The gzip level our build gave a class's by_state file for a state. */
export type PieceLevel = (dataClass: string, stateFips: string) => number;

/**
 * gzips every piece (`<fips>.geojson`) in `dir` with zlib at the level our
 * build used for that state's file, `concurrency` at a time (zlib runs on
 * libuv's thread pool).
 */
async function gzipPieces(dir: string, dataClass: string, level: PieceLevel, concurrency: number) {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.geojson'));
  const limit = pLimit(concurrency);
  const run = await measureInProcess(async () => {
    const sizes = await Promise.all(
      files.map((f) =>
        limit(async () => {
          const raw = await fs.promises.readFile(path.join(dir, f));
          const gz = await gzip(raw, { level: level(dataClass, path.basename(f, '.geojson')) });
          await fs.promises.writeFile(path.join(dir, `${f}.gz`), gz);
          return { raw: raw.length, gz: gz.length };
        }),
      ),
    );
    return sizes;
  });
  return {
    wall_s: run.wall_s,
    cpu_s: run.cpu_s,
    pieces: files.length,
    gz_bytes: run.value.reduce((s, x) => s + x.gz, 0),
    uncompressed_bytes: run.value.reduce((s, x) => s + x.raw, 0),
  };
}

export type PeerTool = 'ogr2ogr' | 'mapshaper';

export const PEER_COMMANDS: Record<PeerTool, string> = {
  ogr2ogr:
    "ogr2ogr -f GPKG -nln districts <class>.gpkg <class>.geojson; ogrinfo <class>.gpkg -sql 'CREATE INDEX … (state_fips)'; " +
    'ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=<p> -where "state_fips = \'<fips>\'" <fips>.geojson <class>.gpkg (one per state, <cores> at a time); then zlib gzip',
  mapshaper:
    'mapshaper -i <class>.geojson -split state_fips -o <dir>/ format=geojson precision=<10^-p> extension=.geojson, then zlib gzip',
};

/** Runs one peer over every input (one per class), adding the costs up as one run. */
export async function runPeer(
  tool: PeerTool,
  inputs: PeerInput[],
  {
    workDir,
    precision,
    gzipLevel,
    concurrency = os.availableParallelism(),
  }: {
    workDir: string;
    precision: number;
    gzipLevel: PieceLevel;
    concurrency?: number;
  },
): Promise<PeerRun> {
  const run: PeerRun = {
    tool,
    command: PEER_COMMANDS[tool],
    split: { wall_s: 0, user_s: 0, sys_s: 0, cpu_s: 0, max_rss_mb: 0 },
    gzip: { wall_s: 0, cpu_s: 0 },
    wall_s: 0,
    cpu_s: 0,
    max_rss_mb: 0,
    pieces: 0,
    gz_bytes: 0,
    uncompressed_bytes: 0,
  };
  for (const input of inputs) {
    const outDir = path.join(workDir, `${tool}-${input.dataClass}`);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outDir, { recursive: true });
    const split =
      tool === 'ogr2ogr'
        ? await ogr2ogrSplit(input, outDir, precision, concurrency)
        : await mapshaperSplit(input, outDir, precision);
    const gz = await gzipPieces(outDir, input.dataClass, gzipLevel, concurrency);
    for (const k of ['wall_s', 'user_s', 'sys_s', 'cpu_s'] as const) run.split[k] = round(run.split[k] + split[k], 3);
    run.split.max_rss_mb = Math.max(run.split.max_rss_mb, split.max_rss_mb);
    run.gzip.wall_s = round(run.gzip.wall_s + gz.wall_s);
    run.gzip.cpu_s = round(run.gzip.cpu_s + gz.cpu_s, 2);
    run.pieces += gz.pieces;
    run.gz_bytes += gz.gz_bytes;
    run.uncompressed_bytes += gz.uncompressed_bytes;
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  run.wall_s = round(run.split.wall_s + run.gzip.wall_s);
  run.cpu_s = round(run.split.cpu_s + run.gzip.cpu_s, 2);
  run.max_rss_mb = run.split.max_rss_mb;
  return run;
}
