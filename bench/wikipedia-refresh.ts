/**
 * Wall time of `refresh-wikipedia` for every 119th-Congress district (437, with
 * DC and PR) and its representative, against the loopback summary server with
 * a Wikipedia-like cold latency injected into every response, at the default
 * concurrency and rate limit. Writes bench/results/wikipedia-refresh.json.
 *
 *   npx tsx bench/wikipedia-refresh.ts [--latency-ms 5000] [--no-revalidation]
 *
 * Runs: "cold" (empty cache: every page fetched), "fresh" (second run inside
 * the max age: nothing fetched), "revalidate" (--force: every page a
 * conditional request answered 304, which costs the same latency).
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { projectRoot } from '../pipeline/paths.ts';
import { DEFAULT_CLIENT_OPTIONS } from '../pipeline/wikipedia/client-options.ts';
import type { RefreshSummary } from '../pipeline/wikipedia/refresh.ts';
import { cd119IngestArgs, cd119Sources, missingSources } from '../testkit/shared-data.ts';
import { startSummaryServer } from '../testkit/wikipedia-stand-in.ts';
import { environment, finish, writeResult } from './results.ts';
import { tempDir } from '../testkit/temp.ts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const latencyMs = Number(arg('--latency-ms') ?? 5000);
const revalidate = !process.argv.includes('--no-revalidation');

const sources = cd119Sources();
for (const file of missingSources(sources)) {
  throw new Error(`${file} is missing: set GEOBUNDLE_SHARED_DATA to the shared data directory`);
}

const env = environment(false);
const dir = tempDir('bench-wikipedia');
const db = path.join(dir, 'geobundle.duckdb');
const cache = path.join(dir, 'cache');
const geobundle = (args: string[]) =>
  execa('node', ['bin/geobundle.js', ...args], { cwd: projectRoot, stderr: 'inherit', reject: false });

try {
  for (const args of cd119IngestArgs(sources)) {
    const run = await geobundle([...args, '--db', db, '--quiet']);
    if (run.exitCode !== 0) throw new Error(`geobundle ${args.join(' ')} failed (exit ${run.exitCode})`);
  }

  const server = await startSummaryServer({ generate: true, latencyMs });
  const runs: Array<{
    name: string;
    wall_s: number;
    exit_code: number;
    requests: number;
    pages: RefreshSummary['pages'];
    partisan_lean: RefreshSummary['partisan_lean'];
  }> = [];
  try {
    for (const [name, extra] of [
      ['cold', []],
      ['fresh', []],
      ...(revalidate ? [['revalidate', ['--force']] as const] : []),
    ] as Array<[string, string[]]>) {
      process.stderr.write(`\n== ${name} run (${latencyMs} ms latency per request)\n`);
      const start = process.hrtime.bigint();
      const run = await geobundle([
        'refresh-wikipedia',
        '--class',
        'congressional_districts',
        '--db',
        db,
        '--cache',
        cache,
        '--api-base',
        server.apiBase,
        '--json',
        ...extra,
      ]);
      const wall = Number(process.hrtime.bigint() - start) / 1e9;
      const summary = JSON.parse(run.stdout) as RefreshSummary;
      runs.push({
        name,
        wall_s: Math.round(wall * 10) / 10,
        exit_code: run.exitCode ?? -1,
        requests: summary.requests,
        pages: summary.pages,
        partisan_lean: summary.partisan_lean,
      });
    }
  } finally {
    await server.close();
  }

  const cold = runs[0]!;
  const result = {
    kind: 'wikipedia-refresh',
    name: 'wikipedia-refresh',
    environment: finish(env),
    latency_ms: latencyMs,
    concurrency: DEFAULT_CLIENT_OPTIONS.concurrency,
    rate_per_s: DEFAULT_CLIENT_OPTIONS.ratePerSecond,
    // The rate limit alone: n requests cannot start faster than (n-1)/rate, and the last answers after the latency.
    floor_s: Math.round(((cold.requests - 1) / DEFAULT_CLIENT_OPTIONS.ratePerSecond + latencyMs / 1000) * 10) / 10,
    runs,
  };
  const file = writeResult(result);
  process.stderr.write(`\n${JSON.stringify(runs, null, 2)}\nwrote ${file}\n`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
