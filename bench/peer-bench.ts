/**
 * Part 2: ours against ogr2ogr and mapshaper on two jobs, from the same
 * features in the same run: the per-state pieces gzipped (what the peer
 * scripts first did; ours timed on exactly that by bench/ours-by-state.ts),
 * and the files of our release a peer can make — all, polygons, by_state,
 * each .gz and .br at the settings our build recorded (ours: the whole
 * build-release, which writes census, wikipedia and the simplified maps
 * besides).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { BuiltDataset } from './build-bench.ts';
import type { Dataset } from '../testkit/datasets.ts';
import { projectRoot } from '../pipeline/paths.ts';
import { manifestFiles } from '../pipeline/release/store/manifest-file.ts';
import { measureCommand, round } from './measure.ts';
import {
  exportPeerInput,
  runPeer,
  type OurCompression,
  type PeerInput,
  type PeerJob,
  type PeerTool,
} from './peer-split.ts';
import { environment, finish, logicalFileCount, type PeerResult, type PeerRun } from './results.ts';
import { compressionOptions } from './compression-floor.ts';

const TOOLS: PeerTool[] = ['ogr2ogr', 'mapshaper'];
const JOBS: PeerJob[] = ['by_state', 'release'];
const OURS_BY_STATE = path.join(projectRoot, 'bench', 'ours-by-state.ts');

export async function benchPeers(
  dataset: Dataset,
  built: BuiltDataset,
  { workDir, quick, log }: { workDir: string; quick: boolean; log: (m: string) => void },
): Promise<PeerResult> {
  const env = environment(quick);
  const peerDir = path.join(workDir, 'peer');
  fs.mkdirSync(peerDir, { recursive: true });
  const classes = Object.keys(built.manifest.classes);
  const inputs: PeerInput[] = [];
  for (const dataClass of classes)
    inputs.push(await exportPeerInput(built.dbPath, dataClass, path.join(peerDir, `${dataClass}.geojson`)));
  const inputBytes = inputs.reduce((s, i) => s + fs.statSync(i.file).size, 0);

  // The peers compress each file at the settings our build recorded for the same file.
  const entries = new Map(manifestFiles(built.manifest).map((f) => [f.path, f]));
  const compression: OurCompression = (file, rawBytes) => {
    const gz = entries.get(`${file}.gz`);
    const br = entries.get(`${file}.br`);
    if (!gz || !br)
      throw new Error(`a peer wrote ${file}, which our build did not: the comparison would not be like for like`);
    return {
      gzip: compressionOptions(built.manifest, gz, rawBytes),
      br: compressionOptions(built.manifest, br, rawBytes),
    };
  };
  const precision = built.manifest.coordinate_precision;
  const ourFiles = (kinds: string[], encoding: 'gzip' | 'br') =>
    manifestFiles(built.manifest).filter((f) => kinds.includes(f.kind) && f.encoding === encoding);
  const bytesOf = (files: Array<{ bytes: number }>) => files.reduce((n, f) => n + f.bytes, 0);

  const oursDir = path.join(peerDir, 'ours-by-state');
  const { stdout, ...byStateCost } = await measureCommand(process.execPath, [
    '--import',
    'tsx',
    OURS_BY_STATE,
    built.dbPath,
    oursDir,
    String(precision),
  ]);
  const byState = JSON.parse(stdout) as { files: number; gz_bytes: number };
  fs.rmSync(oursDir, { recursive: true, force: true });
  log(`  ours, by_state .gz only: ${byStateCost.wall_s} s wall, ${byStateCost.cpu_s} s CPU, ${byState.files} files`);
  const ours: PeerResult['ours'] = {
    by_state: { ...byStateCost, files: byState.files, gz_bytes: byState.gz_bytes, br_bytes: 0 },
    release: {
      ...built.result.build,
      files: logicalFileCount(manifestFiles(built.manifest)),
      gz_bytes: bytesOf(ourFiles(['all', 'polygons', 'by_state'], 'gzip')),
      br_bytes: bytesOf(ourFiles(['all', 'polygons', 'by_state'], 'br')),
    },
  };
  const expectedPieces = ourFiles(['by_state'], 'gzip').length;

  const peers: PeerRun[] = [];
  for (const tool of TOOLS)
    for (const job of JOBS) {
      const run = await runPeer(tool, job, inputs, { workDir: peerDir, precision, compression });
      log(
        `  ${tool}, ${job}: ${run.wall_s} s wall (write ${run.split.wall_s} s + compress ${run.compress.wall_s} s), ${run.cpu_s} s CPU, ${run.files} files`,
      );
      if (run.pieces !== expectedPieces)
        throw new Error(
          `${tool} wrote ${run.pieces} per-state pieces, our build ${expectedPieces}: the comparison would not be like for like`,
        );
      peers.push(run);
    }
  fs.rmSync(peerDir, { recursive: true, force: true });
  const ratio = (a: number, b: number) => round(a / b, 2);
  return {
    kind: 'peer',
    name: `peer-${dataset.name}`,
    title: `${dataset.name}: ours vs ${TOOLS.join(', ')} on the by_state .gz job and on the release's files`,
    environment: finish(env),
    input_bytes: inputBytes,
    features: inputs.reduce((s, i) => s + i.features, 0),
    ours,
    peers,
    ratios: Object.fromEntries(
      TOOLS.map((tool) => [
        tool,
        Object.fromEntries(
          JOBS.map((job) => {
            const run = peers.find((p) => p.tool === tool && p.job === job)!;
            return [job, { wall: ratio(ours[job].wall_s, run.wall_s), cpu: ratio(ours[job].cpu_s, run.cpu_s) }];
          }),
        ) as PeerResult['ratios'][string],
      ]),
    ),
  };
}
