/**
 * The peers: what a release engineer would script instead of geobundle —
 * GDAL's ogr2ogr (one `-where` pass per state) and mapshaper's `-split` —
 * each followed by compression with Node's zlib at the settings our build
 * recorded for the same file. Both write RFC 7946 GeoJSON at the build's
 * coordinate precision, so their files are comparable with ours. Two jobs:
 * the per-state pieces gzipped (what the scripts first did), and the
 * files of our release a peer can make (all, polygons, by_state; .gz and .br).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import pLimit from 'p-limit';
import { withDatabase } from '../pipeline/db.ts';
import { planClass } from '../pipeline/release/plan/class-plan.ts';
import { readGeometries } from '../pipeline/release/plan/read-geometries.ts';
import { measureCommand, measureInProcess, round, sumCosts } from './measure.ts';
import { MAPSHAPER } from './peer-tools.ts';
import type { PeerRun, ProcessCost } from './results.ts';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);
/** The mapshaper the build simplifies with (a dependency of geobundle), run as its CLI. */
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

/** Where a peer writes a class's files: the layout of our release, `all.geojson`, `polygons.geojson`, `by_state/<fips>.geojson`. */
const outputs = (outDir: string) => ({
  all: path.join(outDir, 'all.geojson'),
  polygons: path.join(outDir, 'polygons.geojson'),
  byState: path.join(outDir, 'by_state'),
});

/**
 * What a peer makes: only the per-state pieces (`by_state`, what the peer
 * scripts wrote first), or the files our release has that a peer can make
 * (`release`: all, polygons and by_state).
 */
export type PeerJob = 'by_state' | 'release';

/**
 * ogr2ogr has no split: one `-where` run per state. Straight from GeoJSON
 * each run re-parses the whole file (a minute per state for the 400 MB
 * lower chambers), so the script does what a GDAL user would: one pass into
 * a GeoPackage with an index on state_fips, then the per-state runs (and,
 * for the release job, the whole class and its shapes-only copy) read
 * from it, `concurrency` at a time.
 */
async function ogr2ogrSplit(
  input: PeerInput,
  outDir: string,
  precision: number,
  concurrency: number,
  job: PeerJob,
): Promise<ProcessCost> {
  const gpkg = path.join(outDir, `${input.dataClass}.gpkg`);
  const out = outputs(outDir);
  const started = performance.now();
  const convert = await measureCommand('ogr2ogr', ['-f', 'GPKG', '-nln', 'districts', gpkg, input.file]);
  const index = await measureCommand('ogrinfo', [
    gpkg,
    '-sql',
    'CREATE INDEX districts_state_fips ON districts (state_fips)',
  ]);
  const geojson = (target: string, ...args: string[]) =>
    measureCommand('ogr2ogr', [
      '-f',
      'GeoJSON',
      '-lco',
      'RFC7946=YES',
      '-lco',
      `COORDINATE_PRECISION=${precision}`,
      ...args,
      target,
      gpkg,
    ]);
  const runs: Array<() => Promise<ProcessCost>> = input.states.map(
    (fips) => () => geojson(path.join(out.byState, `${fips}.geojson`), '-where', `state_fips = '${fips}'`),
  );
  if (job === 'release')
    runs.unshift(
      () => geojson(out.all),
      () => geojson(out.polygons, '-select', 'id,name,state_fips'),
    );
  const limit = pLimit(concurrency);
  const splits = await Promise.all(runs.map((run) => limit(run)));
  const wall = round((performance.now() - started) / 1000);
  fs.rmSync(gpkg);
  return { ...sumCosts([convert, index, ...splits]), wall_s: wall };
}

/** mapshaper in one run: the pieces by `-split`, and for the release job the whole class before it and its shapes-only copy after. */
async function mapshaperSplit(input: PeerInput, outDir: string, precision: number, job: PeerJob): Promise<ProcessCost> {
  const out = outputs(outDir);
  const format = ['format=geojson', `precision=${mapshaperPrecision(precision)}`];
  const args = ['-i', input.file];
  if (job === 'release') args.push('-o', out.all, ...format);
  args.push('-split', 'state_fips', '-o', `${out.byState}/`, ...format, 'extension=.geojson');
  if (job === 'release')
    args.push('-merge-layers', 'force', '-filter-fields', 'id,name,state_fips', '-o', out.polygons, ...format);
  // mapshaper-xl would raise the heap limit; 8 GB is enough for 400 MB of GeoJSON on 24 GiB.
  const { stdout: _ignored, ...cost } = await measureCommand(process.execPath, [
    '--max-old-space-size=8192',
    MAPSHAPER,
    ...args,
  ]);
  return cost;
}

/** The zlib options our build compressed a file with (by its path in the release, without encoding), for its size. */
export type OurCompression = (file: string, rawBytes: number) => { gzip: zlib.ZlibOptions; br: zlib.BrotliOptions };

/**
 * Compresses every file a peer wrote for a class with zlib at the settings
 * our build used for the same file — gzip only for the by_state job (what
 * the peer scripts did first), gzip and brotli for the release job —
 * `concurrency` at a time (zlib runs on libuv's thread pool).
 */
async function compressOutputs(
  outDir: string,
  dataClass: string,
  compression: OurCompression,
  concurrency: number,
  job: PeerJob,
) {
  const out = outputs(outDir);
  const files = [
    ...fs.readdirSync(out.byState).map((f) => ({ file: path.join(out.byState, f), rel: `by_state/${f}` })),
    ...(job === 'release'
      ? [
          { file: out.all, rel: 'all.geojson' },
          { file: out.polygons, rel: 'polygons.geojson' },
        ]
      : []),
  ];
  const limit = pLimit(concurrency);
  const run = await measureInProcess(async () =>
    Promise.all(
      files.map(({ file, rel }) =>
        limit(async () => {
          const raw = await fs.promises.readFile(file);
          const ours = compression(`${dataClass}/${rel}`, raw.length);
          const gz = await gzip(raw, ours.gzip);
          await fs.promises.writeFile(`${file}.gz`, gz);
          let br = 0;
          if (job === 'release') {
            const bytes = await brotli(raw, ours.br);
            await fs.promises.writeFile(`${file}.br`, bytes);
            br = bytes.length;
          }
          return { raw: raw.length, gz: gz.length, br };
        }),
      ),
    ),
  );
  return {
    wall_s: run.wall_s,
    cpu_s: run.cpu_s,
    files: files.length,
    pieces: files.filter((f) => f.rel.startsWith('by_state/')).length,
    gz_bytes: run.value.reduce((s, x) => s + x.gz, 0),
    br_bytes: run.value.reduce((s, x) => s + x.br, 0),
    uncompressed_bytes: run.value.reduce((s, x) => s + x.raw, 0),
  };
}

export type PeerTool = 'ogr2ogr' | 'mapshaper';

export const PEER_COMMANDS: Record<PeerTool, Record<PeerJob, string>> = {
  ogr2ogr: {
    by_state:
      "ogr2ogr -f GPKG -nln districts <class>.gpkg <class>.geojson; ogrinfo <class>.gpkg -sql 'CREATE INDEX … (state_fips)'; " +
      'ogr2ogr -f GeoJSON -lco RFC7946=YES -lco COORDINATE_PRECISION=<p> -where "state_fips = \'<fips>\'" by_state/<fips>.geojson <class>.gpkg (one per state, <cores> at a time); then zlib gzip at our level',
    release:
      'as by_state, plus ogr2ogr … all.geojson <class>.gpkg and ogr2ogr … -select id,name,state_fips polygons.geojson <class>.gpkg (in the same pool); then zlib gzip and brotli of every file at our level, quality and window',
  },
  mapshaper: {
    by_state:
      'mapshaper -i <class>.geojson -split state_fips -o by_state/ format=geojson precision=<10^-p> extension=.geojson, then zlib gzip at our level',
    release:
      'mapshaper -i <class>.geojson -o all.geojson … -split state_fips -o by_state/ … -merge-layers force -filter-fields id,name,state_fips -o polygons.geojson …, then zlib gzip and brotli of every file at our level, quality and window',
  },
};

/** Runs one peer's job over every input (one per class), adding the costs up as one run. */
export async function runPeer(
  tool: PeerTool,
  job: PeerJob,
  inputs: PeerInput[],
  {
    workDir,
    precision,
    compression,
    concurrency = os.availableParallelism(),
  }: {
    workDir: string;
    precision: number;
    compression: OurCompression;
    concurrency?: number;
  },
): Promise<PeerRun> {
  const run: PeerRun = {
    tool,
    job,
    command: PEER_COMMANDS[tool][job],
    split: { wall_s: 0, user_s: 0, sys_s: 0, cpu_s: 0, max_rss_mb: 0 },
    compress: { wall_s: 0, cpu_s: 0 },
    wall_s: 0,
    cpu_s: 0,
    max_rss_mb: 0,
    files: 0,
    pieces: 0,
    gz_bytes: 0,
    br_bytes: 0,
    uncompressed_bytes: 0,
  };
  for (const input of inputs) {
    const outDir = path.join(workDir, `${tool}-${input.dataClass}`);
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(outputs(outDir).byState, { recursive: true });
    const split =
      tool === 'ogr2ogr'
        ? await ogr2ogrSplit(input, outDir, precision, concurrency, job)
        : await mapshaperSplit(input, outDir, precision, job);
    const packed = await compressOutputs(outDir, input.dataClass, compression, concurrency, job);
    for (const k of ['wall_s', 'user_s', 'sys_s', 'cpu_s'] as const) run.split[k] = round(run.split[k] + split[k], 3);
    run.split.max_rss_mb = Math.max(run.split.max_rss_mb, split.max_rss_mb);
    run.compress.wall_s = round(run.compress.wall_s + packed.wall_s);
    run.compress.cpu_s = round(run.compress.cpu_s + packed.cpu_s, 2);
    run.files += packed.files;
    run.pieces += packed.pieces;
    run.gz_bytes += packed.gz_bytes;
    run.br_bytes += packed.br_bytes;
    run.uncompressed_bytes += packed.uncompressed_bytes;
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  run.wall_s = round(run.split.wall_s + run.compress.wall_s);
  run.cpu_s = round(run.split.cpu_s + run.compress.cpu_s, 2);
  run.max_rss_mb = run.split.max_rss_mb;
  return run;
}
