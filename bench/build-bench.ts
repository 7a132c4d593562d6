/**
 * Part 1: ingest a dataset into a fresh DuckDB and build a release from it,
 * each step a `geobundle` child process under GNU time, then measure the
 * compression floor of what the build wrote.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { projectRoot } from '../pipeline/paths.ts';
import { manifestFiles, manifestTotals, readManifest } from '../pipeline/release/store/manifest-file.ts';
import { measureCompressionFloor } from './compression-floor.ts';
import { unpack, type Dataset } from '../testkit/datasets.ts';
import { bytesUnder, measureCommand, round, sumCosts } from './measure.ts';
import { environment, finish, type BuildResult, type BuildStep } from './results.ts';
import type { ReleaseManifest } from '../core/release-format.ts';
import type { PartOptions } from './part.ts';

export const BENCH_VERSION = 'v1.0.0';
const CLI = path.join(projectRoot, 'bin', 'geobundle.js');

export interface BuiltDataset {
  result: BuildResult;
  dbPath: string;
  releasesDir: string;
  releaseDir: string;
  manifest: ReleaseManifest;
}

/** One `geobundle` command as a child process under GNU time, its output appended to `logFile`. */
export async function geobundleStep(label: string, args: string[], logFile: string): Promise<BuildStep> {
  const { stdout: _stdout, ...cost } = await measureCommand(process.execPath, [CLI, ...args], {
    cwd: projectRoot,
    logFile,
  });
  return { label, command: `geobundle ${args.join(' ')}`, ...cost };
}

export function outputBytes(manifest: ReleaseManifest) {
  const files = manifestFiles(manifest);
  const sum = (encoding: string) => files.filter((f) => f.encoding === encoding).reduce((s, f) => s + f.bytes, 0);
  return {
    files: files.length,
    gz_bytes: sum('gzip'),
    br_bytes: sum('br'),
    // Each logical file appears once per encoding; count its uncompressed size once.
    uncompressed_bytes: files.filter((f) => f.encoding === 'gzip').reduce((s, f) => s + f.uncompressed_bytes, 0),
  };
}

export async function benchBuild(
  dataset: Dataset,
  { shared, workDir, quick, log }: PartOptions,
): Promise<BuiltDataset> {
  const env = environment(quick);
  const unpacked = path.join(workDir, 'src');
  const dbPath = path.join(workDir, 'bench.duckdb');
  const releasesDir = path.join(workDir, 'releases');
  const logFile = path.join(workDir, 'geobundle.log');
  fs.mkdirSync(releasesDir, { recursive: true });

  const t0 = performance.now();
  await unpack(dataset, shared, unpacked);
  const unpackS = round((performance.now() - t0) / 1000);
  if (dataset.archives.length) log(`  unpacked ${dataset.archives.join(', ')} in ${unpackS} s`);

  const steps = dataset.ingest(shared, unpacked);
  const inputBytes = steps.reduce((s, step) => s + bytesUnder(step.input), 0);
  const ingest: BuildStep[] = [];
  for (const step of steps) {
    const cost = await geobundleStep(step.label, [...step.args, '--db', dbPath, '--quiet'], logFile);
    log(`  ${step.label}: ${cost.wall_s} s wall, ${cost.cpu_s} s CPU, ${cost.max_rss_mb} MB peak RSS`);
    ingest.push(cost);
  }
  const build = await geobundleStep(
    'build-release',
    ['build-release', BENCH_VERSION, '--db', dbPath, '--releases', releasesDir, '--quiet'],
    logFile,
  );
  log(`  build-release: ${build.wall_s} s wall, ${build.cpu_s} s CPU, ${build.max_rss_mb} MB peak RSS`);

  const releaseDir = path.join(releasesDir, BENCH_VERSION);
  const manifest = readManifest(releaseDir);
  const floor = await measureCompressionFloor(releaseDir, manifest);
  log(
    `  compression floor: ${floor.wall_s} s wall (${floor.cpu_s} s CPU) for ${(floor.input_bytes / 2 ** 20).toFixed(1)} MB`,
  );

  const ingestTotal = sumCosts(ingest);
  const total = sumCosts([ingestTotal, build]);
  const inputMb = inputBytes / 2 ** 20;
  const result: BuildResult = {
    kind: 'build',
    name: `build-${dataset.name}`,
    title: dataset.title,
    environment: finish(env),
    features: manifestTotals(manifest).features,
    classes: Object.keys(manifest.classes),
    input_bytes: inputBytes,
    unpack_s: unpackS,
    ingest,
    ingest_total: ingestTotal,
    build,
    total,
    output: outputBytes(manifest),
    build_s_per_input_mb: round(build.wall_s / inputMb, 4),
    total_s_per_input_mb: round(total.wall_s / inputMb, 4),
    floor,
    build_over_floor: round(build.wall_s / floor.wall_s, 2),
  };
  return { result, dbPath, releasesDir, releaseDir, manifest };
}
