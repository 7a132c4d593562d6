import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareResults } from '../bench/compare.ts';
import { bundleText } from '../bench/bundle-text.ts';
import { BundleFileWriter } from '../pipeline/release/formats/bundles/bundle-file.ts';
import { CompressionQueue } from '../pipeline/release/formats/bundles/compression-queue.ts';
import { parseTimeOutput } from '../bench/measure.ts';
import type { BuildResult, Environment, PeerResult, ServeResult } from '../bench/results.ts';
import { renderSummary } from '../bench/summary.ts';
import { parseWrkOutput, totalErrors, wrkArgs } from '../bench/wrk.ts';
import { tempDir } from '../testkit/temp.ts';
import { readBundle } from '../testkit/bundle-file.ts';

// The pure parts of bench/ only: no timing is measured or asserted here.

const WRK_STDOUT = `Running 1s test @ http://127.0.0.1:18999/
  1 threads and 2 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.44ms  452.60us   4.11ms   72.02%
  1454 requests in 1.10s, 2.56MB read
Requests/sec:   1321.56
WRK_JSON {"requests":1454,"duration_us":1100216,"bytes":2682630,"errors":{"connect":0,"read":3,"write":0,"status":7,"timeout":1},"latency_us":{"mean":1435.8,"p50":1400,"p90":1968,"p99":2898,"max":4110}}
`;

const env = (quick = false): Environment => ({
  started_at: '2026-11-23T10:55:00.000Z',
  finished_at: '2026-11-23T10:56:00.000Z',
  quick,
  host: { cpus: 2, cpu_model: 'Test CPU', memory_gib: 24, kernel: '6.1' },
  load_start: [0.31, 0.5, 0.7],
  load_end: [1.2, 0.8, 0.7],
  commit: 'abc1234',
  versions: { node: 'v20.20.2', wrk: '4.1.0' },
});

const cost = (wall: number, cpu: number, rss = 100) => ({
  wall_s: wall,
  user_s: cpu,
  sys_s: 0,
  cpu_s: cpu,
  max_rss_mb: rss,
});

const build: BuildResult = {
  kind: 'build',
  name: 'build-cd119',
  title: 'cd119',
  environment: env(),
  features: 437,
  classes: ['congressional_districts'],
  input_bytes: 2 * 1024 * 1024,
  unpack_s: 0,
  ingest: [{ label: 'ingest geojson', command: 'geobundle ingest geojson x', ...cost(2, 2.5) }],
  ingest_total: cost(2, 2.5, 180),
  build: { label: 'build-release', command: 'geobundle build-release v1.0.0', ...cost(4, 6, 250) },
  total: cost(6, 8.5, 250),
  output: { files: 216, gz_bytes: 3 * 1024 * 1024, br_bytes: 2 * 1024 * 1024, uncompressed_bytes: 12 * 1024 * 1024 },
  build_s_per_input_mb: 2,
  total_s_per_input_mb: 3,
  floor: {
    input_bytes: 12 * 1024 * 1024,
    files: 108,
    concurrency: 2,
    gzip: { levels: [9], job_s: 0.5, bytes: 1000, build_bytes: 1000 },
    brotli: { levels: [11, 7], job_s: 2.5, bytes: 990, build_bytes: 1000 },
    wall_s: 1.6,
    cpu_s: 3.1,
  },
  build_over_floor: 2.5,
};

const peer: PeerResult = {
  kind: 'peer',
  name: 'peer-cd119',
  title: 'peer',
  environment: env(),
  input_bytes: 1,
  features: 437,
  ours: {
    by_state: { ...cost(2, 3), files: 52, gz_bytes: 2 * 1024 * 1024, br_bytes: 0 },
    release: { ...cost(4, 6), files: 120, gz_bytes: 6 * 1024 * 1024, br_bytes: 5 * 1024 * 1024 },
  },
  peers: [
    {
      tool: 'ogr2ogr',
      job: 'by_state',
      command: 'ogr2ogr …',
      split: cost(7, 11),
      compress: { wall_s: 1, cpu_s: 1 },
      wall_s: 8,
      cpu_s: 12,
      max_rss_mb: 50,
      files: 52,
      pieces: 52,
      gz_bytes: 1024 * 1024,
      br_bytes: 0,
      uncompressed_bytes: 9,
    },
    {
      tool: 'ogr2ogr',
      job: 'release',
      command: 'ogr2ogr …',
      split: cost(9, 13),
      compress: { wall_s: 7, cpu_s: 11 },
      wall_s: 16,
      cpu_s: 24,
      max_rss_mb: 50,
      files: 54,
      pieces: 52,
      gz_bytes: 3 * 1024 * 1024,
      br_bytes: 2 * 1024 * 1024,
      uncompressed_bytes: 9,
    },
  ],
  ratios: { ogr2ogr: { by_state: { wall: 0.25, cpu: 0.25 }, release: { wall: 0.25, cpu: 0.25 } } },
};

const wrk = parseWrkOutput(WRK_STDOUT);
const serve: ServeResult = {
  kind: 'serve',
  name: 'serve',
  title: 'serve',
  environment: env(),
  release: { dataset: 'cd119', version: 'v1.0.0', bundle: 'congressional_districts/all.geojson' },
  serving_options: {},
  duration_s: 5,
  scenarios: [
    {
      name: 'bundle-gzip',
      title: 'full bundle, gzip (static)',
      url_path: '/bundles/v1.0.0/x/all.geojson',
      headers: { 'Accept-Encoding': 'gzip' },
      preflight: { status: 200, content_encoding: 'gzip', body_bytes: 5 },
    },
  ],
  runs: [
    { scenario: 'bundle-gzip', connections: 1, threads: 1, ...wrk },
    { scenario: 'bundle-gzip', connections: 64, threads: 2, ...wrk, requests_per_s: 9000 },
  ],
  static_over_dynamic: { '1': 42.5, '64': null },
};

describe('wrk driver', () => {
  it('reads exact figures from the report.lua line', () => {
    expect(wrk.requests).toBe(1454);
    expect(wrk.duration_s).toBeCloseTo(1.1, 3);
    expect(wrk.requests_per_s).toBeCloseTo(1321.5, 0);
    expect(wrk.latency_ms).toEqual({ mean: 1.436, p50: 1.4, p90: 1.968, p99: 2.898, max: 4.11 });
    expect(totalErrors(wrk)).toBe(11);
  });

  it('fails loudly when the Lua report is missing', () => {
    expect(() => parseWrkOutput('Requests/sec: 10\n')).toThrow(/WRK_JSON/);
  });

  it('never runs more threads than connections or cores, and passes headers', () => {
    const args = wrkArgs({ url: 'http://h/x', connections: 1, durationS: 5, headers: { 'If-None-Match': '"abc"' } }, 2);
    expect(args.slice(0, 3)).toEqual(['-t1', '-c1', '-d5s']);
    expect(args).toContain('If-None-Match: "abc"');
    expect(wrkArgs({ url: 'http://h/x', connections: 256, durationS: 5 }, 2)[0]).toBe('-t2');
  });
});

describe('GNU time parsing', () => {
  it('reads CPU and peak RSS, also after a non-zero exit line', () => {
    expect(parseTimeOutput('1.50 2.25 0.25 204800\n')).toEqual({
      user_s: 2.25,
      sys_s: 0.25,
      cpu_s: 2.5,
      max_rss_mb: 200,
    });
    expect(parseTimeOutput('Command exited with non-zero status 1\n0.10 0.05 0.01 1024\n').max_rss_mb).toBe(1);
    expect(() => parseTimeOutput('garbage')).toThrow(/GNU time/);
  });
});

describe('SUMMARY.md', () => {
  const step = (wall: number) => ({
    label: 'b',
    command: 'geobundle b',
    wall_s: wall,
    user_s: 1,
    sys_s: 0,
    cpu_s: 1,
    max_rss_mb: 300,
  });
  const md = renderSummary([
    build,
    peer,
    serve,
    {
      kind: 'wikipedia-refresh',
      name: 'wikipedia-refresh',
      floor_s: 90,
      runs: [
        { name: 'cold', wall_s: 95.5 },
        { name: 'fresh', wall_s: 0.8 },
      ],
    },
  ]);

  it('has one row per build with the figures and the build/floor ratio', () => {
    expect(md).toContain(
      '| build-cd119 | 437 | 2.00 | 2.00 | 4.00 | 6.00 | 250 | 6.00 | 2.000 | 3.00 | 2.00 | 12.00 | 1.60 | 2.50× |',
    );
    expect(md).toMatch(/\| build-cd119 \| 12\.00 \| 108 \| 9 \| 0\.50 \| 1\.000 \| 11, 7 \| 2\.50 \| 0\.990 \|/);
  });

  it('gives ours/peer ratios and the static/dynamic ratio', () => {
    expect(md).toContain(
      '| peer-cd119 | by_state .gz only | 2.00 (3.00) | 8.00 (12.0) | 0.25× | 0.25× | 2.00 / 1.00 | — |',
    );
    expect(md).toContain(
      '| peer-cd119 | all + polygons + by_state, .gz and .br | 4.00 (6.00) | 16.0 (24.0) | 0.25× | 0.25× | 6.00 / 3.00 | 5.00 / 2.00 |',
    );
    expect(md).toContain('42.5× at 1 connection, n/a at 64 connections');
    expect(md).toContain('| full bundle, gzip (static) | 1,322 | 1.40 / 2.90 | 9,000 | 1.40 / 2.90 | 22 |');
  });

  it('renders the incremental figures against their goals', () => {
    const rebuild = (label: string, wall: number, changed: number, growth: number) => ({
      label,
      version: 'v1.0.1',
      step: step(wall),
      files_written: 3,
      files_unchanged: 300,
      changed_bytes: changed,
      disk_growth_bytes: growth,
      share_of_full: wall / 200,
    });
    const incremental = renderSummary([
      {
        kind: 'incremental',
        name: 'incremental',
        title: 'the whole shared data set',
        environment: env(false),
        classes: ['congressional_districts', 'county'],
        ingest: [],
        full: {
          step: step(200),
          disk_bytes: 800 * 2 ** 20,
          floor: { ...build.floor, wall_s: 125 },
          build_over_floor: 1.6,
        },
        rebuilds: [rebuild('no change', 2, 300_000, 400_000), rebuild('one district', 6, 900_000, 3_000_000)],
        browser: {
          by_state: { dataClass: 'state_legislative_lower', state: '25' },
          visits: [
            {
              visit: 'first visit',
              cd119_bytes: 200_000,
              by_state_bytes: 30_000,
              manifest_bytes: 80_000,
              api_bytes: 81_000,
              requests: [],
            },
          ],
          changed_release_bytes: 1_500_000,
          changed_file_br_bytes: 17_000,
          last_visit_over_goal: 0.93,
        },
        edge: { unchanged_hit: 600, unchanged_miss: 0, changed_hit: 0, changed_miss: 108 },
      },
    ]);
    expect(incremental).toContain('| no change | 2.00 | 1.0 % | 3 / 300 | 293.0 kB | 390.6 kB (within) |');
    expect(incremental).toContain('| one district | 6.00 | 3.0 % | 3 / 300 | 878.9 kB | 2929.7 kB (OVER) |');
    expect(incremental).toContain('0.93× of the goal');
    expect(incremental).toContain('unchanged files 600 HIT, 0 MISS (goal: all HIT)');
    expect(incremental).toContain('1.60× its compression floor of 125 s (goal ≤ 1.5×)');
  });

  it('renders the lookup figures against their goals', () => {
    const point = (label: string | null, cold: number, requests: number) => ({
      label,
      lat: 42.36,
      lon: -71.06,
      districts: { congressional_districts: '2508' },
      cold_bytes: cold,
      cold_requests: requests,
      facts_bytes: 5000,
      facts_requests: 3,
      warm_bytes: 3000,
      warm_requests: 2,
      same_cell_bytes: 0,
      today_bytes: 1_400_000,
    });
    const md = renderSummary([
      {
        kind: 'lookup',
        name: 'lookup',
        title: 'the whole shared data set',
        environment: env(false),
        classes: ['congressional_districts'],
        index: {
          cells: 27_070,
          pages: 1386,
          index_bytes: 65 * 2 ** 20,
          facts_files: 490,
          facts_bytes: 400_000,
          build: step(200),
          seconds_in_build: 24,
          share_of_build: 0.12,
          alone: step(40),
        },
        wikipedia_only: {
          step: step(10),
          index_root_unchanged: true,
          lookup_files_written: 0,
          lookup_bytes_written: 0,
          facts_files_written: 3,
          facts_bytes_written: 2000,
        },
        exact: { points: 102_000, near_border: 10_000, within_1m: 98, cell_edge: 2000, disagreements: 0, examples: [] },
        browser: {
          points: 2,
          cold_median_bytes: 8 * 1024,
          cold_p95_bytes: 40 * 1024,
          cold_p95_requests: 4,
          cold_max_requests: 5,
          with_facts_median_bytes: 20 * 1024,
          warm_median_bytes: 3000,
          warm_max_requests: 2,
          same_cell_max_bytes: 0,
          cold_requests_count: { 3: 1, 5: 1 },
          warm_requests_count: { 2: 2 },
        },
        points: [point('Boston', 8 * 1024, 3), point(null, 40 * 1024, 5)],
      },
    ]);
    expect(md).toContain('| cold lookup, median | 8.0 kB | ≤ 16 kB (meets) |');
    expect(md).toContain('| cold lookup, p95 | 40.0 kB | ≤ 32 kB (MISSES) |');
    expect(md).toContain('| cold requests, p95 / max (current-release answer included) | 4 / 5 | ≤ 4 (meets) |');
    expect(md).toContain(
      '102,000 points: 10,000 within 100 m of a border, 98 within 1 m, 2,000 on cell edges) | 0 | 0 (meets) |',
    );
    expect(md).toContain('| Boston | 1367.2 kB | 8.0 kB | 3 | 12.9 kB | 2.9 kB |');
    expect(md).not.toContain('| 40.0 kB | 5 |');
    expect(md).toContain('| warm requests, max (points by requests) | 2 (2: 2) | ≤ 2 (meets) |');
  });

  it('renders the ingest memory of each chamber against the goal, with the spread', () => {
    const run = (dataClass: string, database: string, rss: number) => ({
      label: `${dataClass} into ${database}`,
      data_class: dataClass,
      database,
      step: { ...step(20), max_rss_mb: rss },
    });
    const md = renderSummary([
      {
        kind: 'ingest-memory',
        name: 'ingest-memory',
        title: 'state legislative chambers',
        environment: env(false),
        goal_mb: 1024,
        runs: [
          run('state_legislative_upper', 'a fresh database', 557.3),
          run('state_legislative_lower', 'a fresh database', 612),
          run('state_legislative_upper', 'cd119 + state_legislative_lower', 561.8),
          run('state_legislative_lower', 'cd119 + state_legislative_upper', 1100),
        ],
        setup: [],
      },
    ]);
    expect(md).toContain('## Ingest memory: state legislative chambers');
    expect(md).toContain('| state_legislative_upper | cd119 + state_legislative_lower | 562 | 20.0 | 1.00 |');
    expect(md).toContain('- state_legislative_upper: 557 and 562 MB peak (spread 4.5 MB); goal ≤ 1,024 MB: meets');
    expect(md).toContain('- state_legislative_lower: 612 and 1,100 MB peak (spread 488 MB); goal ≤ 1,024 MB: MISSES');
  });

  it('renders the simplified maps against their goals', () => {
    const file = (scale: string, format: 'geojson' | 'topojson', br: number, geos_invalid?: number) => ({
      scale,
      format,
      vertices: 90_000,
      bytes: 5 * br,
      gz_bytes: 2 * br,
      br_bytes: br,
      ...(geos_invalid === undefined ? {} : { geos_invalid }),
    });
    const maps = renderSummary([
      {
        kind: 'maps',
        name: 'maps-state-legislative',
        title: 'state legislative',
        environment: env(false),
        build: step(120),
        classes: [
          {
            data_class: 'state_legislative_lower',
            features: 4882,
            source_vertices: 12_916_095,
            // A result from before issue 18 has no GEOS count.
            files: [file('20m', 'topojson', 330_000, 1), file('20m', 'geojson', 1_700_000)],
            simplify: step(12),
            topology: [
              {
                scale: '20m',
                ids_missing: 0,
                null_geometries: 0,
                crossing_rings: 0,
                overlap_ratio: 0,
                source_overlap_ratio: null,
                cleaned_pairs: 13_931,
                cleaned_pairs_lost: 1,
                cleaned_borders_lost: [{ pair: 'a|b', metres: 6 }],
                cleaned_pairs_lost_over_shortest: 0,
                shortest_border_m: 100,
                bordering_pairs: null,
                bordering_pairs_lost: null,
              },
            ],
          },
        ],
        simplify_wall_share_of_build: 0.1,
        simplify_peak_rss_mb: 700,
        first_paint: [
          {
            data_class: 'state_legislative_lower',
            bytes: 430_000,
            bundle_bytes: 330_000,
            api_bytes: 30_000,
            page_bytes: 70_000,
            requests: [],
            drawn_s: 0.9,
          },
        ],
      },
    ]);
    expect(maps).toContain('| 20m | topojson | 90,000 (12,916,095) | 322.3 kB | 644.5 kB | ≤ 1536.0 kB: met | 1 |');
    expect(maps).toContain('| 20m | geojson | 90,000 (12,916,095) | 1660.2 kB | 3320.3 kB | ≤ 1536.0 kB: MISSED | — |');
    expect(maps).toContain('| 1 of 13931 (0 ≥ 100 m; longest 6 m) | — |');
    expect(maps).toContain('| state-legislative | state_legislative_lower | 419.9 kB |');
  });

  it('records the conditions and lists results it has no table for', () => {
    expect(md).toContain('| build-cd119 | abc1234 | no | 2026-11-23 10:55:00 | 0.31 / 0.5 / 0.7 | 1.2 / 0.8 / 0.7 |');
    expect(md).toContain(
      '`wikipedia-refresh.json` (kind `wikipedia-refresh`): floor_s 90; runs: cold 95.5 s, fresh 0.8 s.',
    );
    expect(md).not.toContain('Quick run');
    expect(renderSummary([{ ...build, environment: env(true) }])).toContain('Quick run');
  });
});

describe('compare', () => {
  it('lines figures up by name, not array position, and gives new/old', () => {
    const faster: ServeResult = {
      ...serve,
      runs: [...serve.runs].reverse().map((r) => ({ ...r, requests_per_s: r.requests_per_s * 2 })),
    };
    const rows = compareResults(serve, faster);
    const rps = rows.find((r) => r.figure === 'runs[bundle-gzip@64].requests_per_s');
    expect(rps).toMatchObject({ a: 9000, b: 18000, ratio: 2 });
    expect(rows.some((r) => r.figure.startsWith('environment'))).toBe(false);
  });
});

describe('the before-server body', () => {
  it.each([[[]], [['{"a":1}']], [['{"a":1}', '{"b":2}']]])(
    'is what build-release writes for items %j',
    async (items: string[]) => {
      const dir = tempDir('bundle-text');
      try {
        const writer = new BundleFileWriter(
          path.join(dir, 'all.geojson'),
          path.join(dir, 'all.txt'),
          'feature-collection',
          'all',
          new CompressionQueue(),
        );
        for (const item of items) await writer.add(item);
        await (await writer.end()).compressed;
        const built = readBundle(path.join(dir, 'all.geojson.gz'));
        expect(bundleText('feature-collection', items)).toBe(built);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
