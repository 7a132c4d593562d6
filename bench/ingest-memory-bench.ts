/**
 * Part 7: the memory an ingest takes (issue 18). Each state legislative
 * chamber ingested into a fresh database, and into one already holding cd119
 * (shapes, census, legislators) and the other chamber: its peak RSS must stay
 * within the goal and be the same either way. Each ingest is a `geobundle`
 * child process under GNU time (geobundleStep).
 */
import fs from 'node:fs';
import path from 'node:path';
import { DATASETS, unpack, type IngestStep } from '../testkit/datasets.ts';
import { cd119IngestArgs, cd119Sources } from '../testkit/shared-data.ts';
import { geobundleStep } from './build-bench.ts';
import { environment, finish, type BuildStep, type IngestMemoryResult, type IngestMemoryRun } from './results.ts';
import type { PartOptions } from './part.ts';

/** Issue 18's goal for either chamber. */
const GOAL_MB = 1024;
/** A quick run unpacks only these states of each chamber. */
const QUICK_STATES = ['MA', 'VT'];

const classOf = (step: IngestStep) => step.args[step.args.indexOf('--class') + 1]!;

export async function benchIngestMemory({ shared, workDir, quick, log }: PartOptions): Promise<IngestMemoryResult> {
  const env = environment(quick);
  const dataset = DATASETS.find((d) => d.name === 'state-legislative')!;
  const unpacked = path.join(workDir, 'src');
  await unpack(dataset, shared, unpacked, quick ? { states: QUICK_STATES } : {});
  const logFile = path.join(workDir, 'geobundle.log');
  const run = (label: string, args: string[], db: string) =>
    geobundleStep(label, [...args, '--db', db, '--quiet'], logFile);

  const [upper, lower] = dataset.ingest(shared, unpacked) as [IngestStep, IngestStep];
  const chambers = [
    { chamber: upper, other: lower },
    { chamber: lower, other: upper },
  ];
  const runs: IngestMemoryRun[] = [];
  const setup: BuildStep[] = [];
  const measure = async (chamber: IngestStep, database: string, db: string) => {
    const step = await run(chamber.label, chamber.args, db);
    log(`  ${chamber.label} into ${database}: ${step.max_rss_mb} MB peak RSS, ${step.wall_s} s wall`);
    runs.push({ label: `${classOf(chamber)} into ${database}`, data_class: classOf(chamber), database, step });
    // Each database is used once; together they would take GBs of temp space.
    for (const file of [db, `${db}.wal`]) fs.rmSync(file, { force: true });
  };
  for (const { chamber } of chambers) await measure(chamber, 'a fresh database', path.join(workDir, 'fresh.duckdb'));
  for (const { chamber, other } of chambers) {
    const db = path.join(workDir, 'holding.duckdb');
    // Labelled by the run they prepare, so compare.ts tells the two databases' apart.
    const before = ` before ${classOf(chamber)}`;
    for (const args of cd119IngestArgs(cd119Sources(shared)))
      setup.push(await run(args.slice(0, 2).join(' ') + before, args, db));
    setup.push(await run(other.label + before, other.args, db));
    await measure(chamber, `cd119 + ${classOf(other)}`, db);
  }
  return {
    kind: 'ingest-memory',
    name: 'ingest-memory',
    title: `state legislative chambers${quick ? ` (${QUICK_STATES.join(', ')} only)` : ''}, each alone and after cd119 + the other`,
    environment: finish(env),
    goal_mb: GOAL_MB,
    runs,
    setup,
  };
}
