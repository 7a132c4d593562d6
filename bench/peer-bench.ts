import fs from 'node:fs';
import path from 'node:path';
import type { BuiltDataset } from './build-bench.ts';
import type { Dataset } from './datasets.ts';
import { round } from './measure.ts';
import { exportPeerInput, runPeer, type PeerInput, type PeerTool } from './peer-split.ts';
import { environment, finish, type PeerResult } from './results.ts';

/**
 * Part 2: the by_state split of the features our build just split, done by
 * ogr2ogr and by mapshaper, against our build-release from the same run.
 */

const TOOLS: PeerTool[] = ['ogr2ogr', 'mapshaper'];

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

  const byState = Object.values(built.manifest.classes).flatMap((c) =>
    c.files.filter((f) => f.kind === 'by_state' && f.encoding === 'gzip'),
  );
  // The peers gzip each piece at the level our build gave that state's file (the build picks it by size).
  const levels = new Map(
    Object.entries(built.manifest.classes).flatMap(([dataClass, c]) =>
      c.files
        .filter((f) => f.kind === 'by_state' && f.encoding === 'gzip')
        .map((f) => [`${dataClass}/${f.state_fips}`, f.compression_level] as const),
    ),
  );
  const gzipLevel = (dataClass: string, fips: string): number => {
    const level = levels.get(`${dataClass}/${fips}`);
    if (level === undefined)
      throw new Error(
        `a peer wrote a piece for ${dataClass} state ${fips}, for which our build wrote no by_state file`,
      );
    return level;
  };
  const precision = built.manifest.coordinate_precision;
  const ours = {
    build_wall_s: built.result.build.wall_s,
    build_cpu_s: built.result.build.cpu_s,
    by_state_files: byState.length,
    by_state_gz_bytes: byState.reduce((s, f) => s + f.bytes, 0),
  };

  const peers = [];
  for (const tool of TOOLS) {
    const run = await runPeer(tool, inputs, { workDir: peerDir, precision, gzipLevel });
    log(
      `  ${tool}: ${run.wall_s} s wall (split ${run.split.wall_s} s + gzip ${run.gzip.wall_s} s), ${run.cpu_s} s CPU, ${run.pieces} pieces`,
    );
    if (run.pieces !== ours.by_state_files) {
      throw new Error(
        `${tool} wrote ${run.pieces} per-state pieces, our build ${ours.by_state_files}: the comparison would not be like for like`,
      );
    }
    peers.push(run);
  }
  fs.rmSync(peerDir, { recursive: true, force: true });
  return {
    kind: 'peer',
    name: `peer-${dataset.name}`,
    title: `Per-state split + gzip of ${dataset.name}: ours vs ${TOOLS.join(', ')}`,
    environment: finish(env),
    input_bytes: inputBytes,
    features: inputs.reduce((s, i) => s + i.features, 0),
    ours,
    peers,
    ratios: Object.fromEntries(
      peers.map((p) => [
        p.tool,
        {
          wall: round(ours.build_wall_s / p.wall_s, 2),
          cpu: round(ours.build_cpu_s / p.cpu_s, 2),
          gz_bytes: round(ours.by_state_gz_bytes / p.gz_bytes, 3),
        },
      ]),
    ),
  };
}
