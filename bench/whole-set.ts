/**
 * The whole shared data set in one database, as the incremental and lookup
 * benchmarks use it: cd119 with census, legislators and Wikipedia (from the
 * loopback stand-in), both state-legislative chambers, us-atlas states and
 * counties — cd119 and us-atlas only in quick mode.
 */
import path from 'node:path';
import { DATASETS, unpack } from '../testkit/datasets.ts';
import { cd119IngestArgs, cd119Sources } from '../testkit/shared-data.ts';
import { startSummaryServer, type SummaryServer } from '../testkit/wikipedia-stand-in.ts';
import type { BuildStep } from './results.ts';

export interface WholeSet {
  db: string;
  /** Each ingest and the first refresh, as measured. */
  ingest: BuildStep[];
  /** The Wikipedia stand-in the refreshes ask (edit it to make a Wikipedia-only change). */
  wikipedia: SummaryServer;
  /** refresh-wikipedia against the stand-in, with `extra` arguments (`--force`, `--only <id>`). */
  refresh(extra: string[]): Promise<BuildStep>;
  close(): Promise<void>;
}

/** Ingests the whole set into `<workDir>/all.duckdb`; `step` runs one measured geobundle command. */
export async function ingestWholeSet({
  shared,
  workDir,
  quick,
  step,
}: {
  shared: string;
  workDir: string;
  quick: boolean;
  step: (label: string, args: string[]) => Promise<BuildStep>;
}): Promise<WholeSet> {
  const db = path.join(workDir, 'all.duckdb');
  const cache = path.join(workDir, 'wikipedia-cache');
  const ingest: BuildStep[] = [];
  for (const args of cd119IngestArgs(cd119Sources(shared)))
    ingest.push(await step(args.slice(0, 2).join(' '), [...args, '--db', db]));
  if (!quick) {
    const stateLegislative = DATASETS.find((d) => d.name === 'state-legislative')!;
    const unpacked = path.join(workDir, 'src');
    await unpack(stateLegislative, shared, unpacked);
    for (const s of stateLegislative.ingest(shared, unpacked))
      ingest.push(await step(s.label, [...s.args, '--db', db]));
  }
  ingest.push(await step('ingest us-atlas', ['ingest', 'us-atlas', '--db', db]));
  const wikipedia = await startSummaryServer({ generate: true });
  const refresh = (extra: string[]) =>
    step('refresh-wikipedia', [
      'refresh-wikipedia',
      '--db',
      db,
      '--cache',
      cache,
      '--api-base',
      wikipedia.apiBase,
      '--rate',
      '1000',
      '--concurrency',
      '16',
      ...extra,
    ]);
  try {
    ingest.push(await refresh([]));
  } catch (err) {
    await wikipedia.close();
    throw err;
  }
  return { db, ingest, wikipedia, refresh, close: () => wikipedia.close() };
}
