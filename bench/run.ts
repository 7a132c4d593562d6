/**
 * `make bench`: every benchmark of issue 5 in one run, results in
 * bench/results/<name>.json and SUMMARY.md. See bench/README.md.
 *
 *   npx tsx bench/run.ts [--datasets cd119,cds-2016,state-legislative] [--skip maps,peer,serve,incremental,lookup,ingest-memory]
 *   BENCH_QUICK=1 …   every part but the peers, on small sets (cd119; cd119 + us-atlas for incremental and lookup; MA and VT for ingest memory), short serving runs; results in bench/results/quick/
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { benchBuild, BENCH_VERSION, type BuiltDataset } from './build-bench.ts';
import { benchIncremental } from './incremental-bench.ts';
import { benchIngestMemory } from './ingest-memory-bench.ts';
import { benchLookup } from './lookup-bench.ts';
import { benchMaps } from './maps-bench.ts';
import { DATASETS, requireSharedData } from '../testkit/datasets.ts';
import { benchPeers } from './peer-bench.ts';
import { RESULTS_DIR, writeResult } from './results.ts';
import { benchServe } from './serve-bench.ts';
import { writeSummary } from './summary.ts';
import { tempDir } from '../testkit/temp.ts';

const { values } = parseArgs({
  options: {
    datasets: { type: 'string' },
    skip: { type: 'string', default: '' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: npx tsx bench/run.ts [--datasets cd119,cds-2016,state-legislative] [--skip maps,peer,serve,incremental,lookup,ingest-memory]\n' +
      'env: BENCH_QUICK=1 (every part but the peers, on small sets, short serving runs), BENCH_RESULTS=<dir>, BENCH_KEEP=1 (keep the temp work dir), GEOBUNDLE_SHARED_DATA\n',
  );
  process.exit(0);
}

const quick = process.env.BENCH_QUICK === '1';
const resultsDir = process.env.BENCH_RESULTS ?? (quick ? path.join(RESULTS_DIR, 'quick') : RESULTS_DIR);
const skip = new Set(values.skip.split(',').filter(Boolean));
const wanted = values.datasets?.split(',') ?? (quick ? ['cd119'] : DATASETS.map((d) => d.name));
const unknown = wanted.filter((n) => !DATASETS.some((d) => d.name === n));
if (unknown.length) {
  process.stderr.write(`unknown dataset(s) ${unknown.join(', ')}; known: ${DATASETS.map((d) => d.name).join(', ')}\n`);
  process.exit(2);
}
const datasets = DATASETS.filter((d) => wanted.includes(d.name));
// The serving pass serves the cd119 release, so it needs that build.
const serve = !skip.has('serve') && datasets.some((d) => d.name === 'cd119');

const started = Date.now();
const log = (m: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
const save = (result: Parameters<typeof writeResult>[0]) =>
  log(`wrote ${path.relative(process.cwd(), writeResult(result, resultsDir))}`);

const shared = requireSharedData(datasets);
const workRoot = tempDir('bench');
log(
  `${quick ? 'QUICK run' : 'full run'} of ${datasets.map((d) => d.name).join(', ')}; load ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; work dir ${workRoot}`,
);
try {
  let cd119: BuiltDataset | undefined;
  for (const dataset of datasets) {
    const workDir = path.join(workRoot, dataset.name);
    log(`build ${dataset.name}: ${dataset.title}`);
    const built = await benchBuild(dataset, { shared, workDir, quick, log });
    save(built.result);
    if (!skip.has('maps')) {
      log(`maps ${dataset.name}: simplified files, topology, first paint in Chromium`);
      save(await benchMaps(dataset, built, { workDir, quick, log }));
    }
    if (!quick && !skip.has('peer')) {
      log(`peer ${dataset.name}: ogr2ogr and mapshaper per-state split + gzip`);
      save(await benchPeers(dataset, built, { workDir, quick, log }));
    }
    if (dataset.name === 'cd119') cd119 = built;
    // The big sets take GBs of temp space; only the served release is kept.
    else if (process.env.BENCH_KEEP !== '1') fs.rmSync(workDir, { recursive: true, force: true });
  }
  if (serve && cd119) {
    log('serve: wrk against nginx + API and the before-server');
    save(
      await benchServe({
        dataset: 'cd119',
        releasesDir: cd119.releasesDir,
        dbPath: cd119.dbPath,
        version: BENCH_VERSION,
        dataClass: 'congressional_districts',
        precision: cd119.manifest.coordinate_precision,
        connections: quick ? [1, 64] : [1, 64, 256],
        durationS: quick ? 1 : 5,
        quick,
        log,
      }),
    );
  }
  if (!skip.has('incremental')) {
    log(
      `incremental: the ${quick ? 'cd119 + us-atlas' : 'whole shared data set'} in one database, rebuilds, browser transfer, CDN edge`,
    );
    const workDir = path.join(workRoot, 'incremental');
    fs.mkdirSync(workDir, { recursive: true });
    save(await benchIncremental({ shared: requireSharedData(DATASETS), workDir, quick, log }));
  }
  if (!skip.has('lookup')) {
    log(
      `lookup: the ${quick ? 'cd119 + us-atlas' : 'whole shared data set'} in one release, Chromium, exactness, cost`,
    );
    const workDir = path.join(workRoot, 'lookup');
    fs.mkdirSync(workDir, { recursive: true });
    save(await benchLookup({ shared: requireSharedData(DATASETS), workDir, quick, log }));
  }
  if (!skip.has('ingest-memory')) {
    log(`ingest memory: each state legislative chamber into a fresh database and after cd119 + the other chamber`);
    const workDir = path.join(workRoot, 'ingest-memory');
    fs.mkdirSync(workDir, { recursive: true });
    save(await benchIngestMemory({ shared: requireSharedData(DATASETS), workDir, quick, log }));
  }
  log(
    `wrote ${path.relative(process.cwd(), writeSummary(resultsDir))} (${((Date.now() - started) / 1000).toFixed(0)} s in all)`,
  );
} finally {
  if (process.env.BENCH_KEEP === '1') log(`kept ${workRoot}`);
  else fs.rmSync(workRoot, { recursive: true, force: true });
}
